import { describe, expect, it } from 'vitest';
import {
  isDistributionObject,
  nextDown,
  readDistribution,
  roundHalfEven,
  toExternal,
  toInternal,
} from '../src/distributions.js';
import { RandomSampler } from '../src/random-sampler.js';
import { TrialSuggestions, trialSeed } from '../src/suggest.js';

describe('readDistribution', () => {
  it('reads the five spellings', () => {
    expect(readDistribution({ uniform: [0, 1] })).toMatchObject({
      ok: true,
      distribution: { kind: 'float', low: 0, high: 1, log: false },
    });
    expect(readDistribution({ loguniform: [1e-5, 1] })).toMatchObject({
      ok: true,
      distribution: { kind: 'float', log: true },
    });
    expect(readDistribution({ int: [1, 8] })).toMatchObject({
      ok: true,
      distribution: { kind: 'int', low: 1, high: 8, log: false, step: 1 },
    });
    expect(readDistribution({ logint: [1, 64] })).toMatchObject({
      ok: true,
      distribution: { kind: 'int', log: true },
    });
    expect(readDistribution({ choice: ['a', 1, null] })).toMatchObject({
      ok: true,
      distribution: { kind: 'categorical', choices: ['a', 1, null] },
    });
  });

  it('names what is wrong, with a pointer inside the distribution', () => {
    expect(readDistribution({ loguniform: [0, 1] })).toEqual({
      ok: false,
      problems: [{ path: '/loguniform/0', message: 'loguniform needs low > 0 (a log scale), got 0' }],
    });
    expect(readDistribution({ uniform: [2, 1] })).toMatchObject({
      ok: false,
      problems: [{ path: '/uniform' }],
    });
    expect(readDistribution({ int: [0.5, 3] })).toMatchObject({
      ok: false,
      problems: [{ path: '/int', message: expect.stringContaining('integers') }],
    });
    expect(readDistribution({ uniform: [0] })).toMatchObject({ ok: false });
    expect(readDistribution({ choice: [] })).toMatchObject({ ok: false, problems: [{ path: '/choice' }] });
  });

  it('recognises a distribution object only by exactly one known key', () => {
    expect(isDistributionObject({ uniform: [0, 1] })).toBe(true);
    expect(isDistributionObject({ uniform: [0, 1], x: 1 })).toBe(false);
    expect(isDistributionObject({ type: 'StepLR' })).toBe(false);
    expect(isDistributionObject([0, 1])).toBe(false);
  });
});

describe('values', () => {
  it('maps choices to indices and back by JSON equality', () => {
    const d = { kind: 'categorical' as const, choices: [[0.9, 0.999], 'x', false] };
    expect(toInternal(d, [0.9, 0.999])).toBe(0);
    expect(toInternal(d, false)).toBe(2);
    expect(toExternal(d, 1)).toBe('x');
    expect(() => toInternal(d, 'y')).toThrow(/not one of/);
  });

  it('rounds halves to even as NumPy, and nextDown is the double below', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, 2.6].map(roundHalfEven)).toEqual([
      0, 2, 2, -0, -2, -2, 2, 3,
    ]);
    expect(nextDown(1)).toBe(1 - 2 ** -53);
    expect(nextDown(1) < 1).toBe(true);
  });
});

describe('random search', () => {
  it('gives the same configs in the same order for the same seed, others for another seed', () => {
    const run = (seed: number) => {
      const sampler = new RandomSampler(seed);
      return Array.from({ length: 20 }, () => {
        const t = TrialSuggestions.random(sampler);
        return [
          t.suggest('lr', { kind: 'float', low: 1e-4, high: 1, log: true }),
          t.suggest('n', { kind: 'int', low: 1, high: 4, log: false, step: 1 }),
        ];
      });
    };
    expect(run(3)).toEqual(run(3));
    expect(run(3)).not.toEqual(run(4));
    for (const [lr, n] of run(3)) {
      expect(lr).toBeGreaterThanOrEqual(1e-4);
      expect(lr).toBeLessThan(1);
      expect([1, 2, 3, 4]).toContain(n);
    }
  });

  it('keeps the internal values a trial needs for later TPE decisions', () => {
    const t = TrialSuggestions.random(new RandomSampler(0));
    const choice = t.suggest('opt', { kind: 'categorical', choices: ['sgd', 'adam'] });
    expect(t.params['opt']).toBe(choice === 'sgd' ? 0 : 1);
    expect(() => t.suggest('opt', { kind: 'categorical', choices: ['sgd', 'adam'] })).toThrow(/twice/);
  });

  it('derives distinct per-trial seeds in [0, 2^32)', () => {
    const seeds = new Set(Array.from({ length: 1000 }, (_, i) => trialSeed(7, i)));
    expect(seeds.size).toBe(1000);
    for (const s of seeds) expect(s >= 0 && s <= 0xffffffff && Number.isInteger(s)).toBe(true);
  });
});
