import { describe, expect, it } from 'vitest';
import { configsInFlight, growBudget, nextSample, samplesOwed, trialCountOf } from '../src/budget.js';

const budget = { samples: 10, seeds: 3, parallelism: 2 };

describe("a search's budget", () => {
  it('counts trials as samples x seeds', () => {
    expect(trialCountOf(budget)).toBe(30);
  });
  it('owes configs within the budget and the parallelism', () => {
    expect(samplesOwed(budget, { created: 0, unfinished: 0, samplesDrawn: 0 })).toBe(2);
    // One config of three trials in flight, two of its trials still running.
    expect(configsInFlight(budget, { created: 6, unfinished: 2, samplesDrawn: 2 })).toBe(1);
    expect(samplesOwed(budget, { created: 6, unfinished: 2, samplesDrawn: 2 })).toBe(1);
    // Skipped samples count as drawn: the next one is a new one.
    expect(nextSample(budget, { created: 6, unfinished: 0, samplesDrawn: 9 })).toBe(9);
    expect(samplesOwed(budget, { created: 6, unfinished: 0, samplesDrawn: 9 })).toBe(1);
    expect(samplesOwed(budget, { created: 30, unfinished: 0, samplesDrawn: 10 })).toBe(0);
    expect(
      samplesOwed({ ...budget, parallelism: null }, { created: 0, unfinished: 0, samplesDrawn: 0 }),
    ).toBe(10);
  });
  it('grows by samples x seeds, refused past the limit', () => {
    expect(growBudget(budget, 5, 100)).toEqual({
      ok: true,
      budget: { ...budget, samples: 15 },
      grownBy: 15,
      trialCount: 45,
    });
    expect(growBudget(budget, 5, 44)).toEqual({ ok: false, trialCount: 45 });
  });
});
