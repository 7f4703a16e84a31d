import { describe, expect, it } from 'vitest';
import { type EndedTuningTrial, topConfigs, tuningConfigs } from '../src/index.js';

const trial = (
  index: number,
  config: string,
  status: EndedTuningTrial['status'],
  bestValue: number | null,
) => ({
  index,
  config,
  status,
  bestValue,
  params: null,
  lastEpoch: null,
  lastValue: null,
});
const key = (config: unknown) => String(config);

describe('the configs a protocol entry tried', () => {
  it('cuts a config drawn twice into two configs tried, each on every seed', () => {
    const trials = [
      trial(0, 'a', 'completed', 1),
      trial(1, 'a', 'completed', 2),
      trial(2, 'b', 'completed', 3),
    ];
    trials.push(trial(3, 'b', 'completed', 4), trial(4, 'a', 'completed', 5), trial(5, 'a', 'completed', 6));
    expect(tuningConfigs(trials, 2, key).map((c) => [c.key, c.trials.map((t) => t.index)])).toEqual([
      ['a', [0, 1]],
      ['b', [2, 3]],
      ['a', [4, 5]],
    ]);
  });

  it('ranks by the mean over the tuning seeds, only configs whose every tuning trial completed', () => {
    // 2 seeds. a: failed on one seed; b: pruned on one; c: 4 and 6 (mean 5); d: 1 and 10 (mean 5.5);
    // e: 2 and 2 (mean 2) but drawn again later with 9 and 9: evaluated once, by its better draw.
    const ended = [
      trial(0, 'a', 'failed', null),
      trial(1, 'a', 'completed', 0),
      trial(2, 'b', 'pruned', 0.1),
      trial(3, 'b', 'completed', 0.1),
      trial(4, 'c', 'completed', 4),
      trial(5, 'c', 'completed', 6),
      trial(6, 'd', 'completed', 1),
      trial(7, 'd', 'completed', 10),
      trial(8, 'e', 'completed', 2),
      trial(9, 'e', 'completed', 2),
      trial(10, 'e', 'completed', 9),
      trial(11, 'e', 'completed', 9),
    ];
    expect(topConfigs(ended, 2, 'min', 3, key)).toEqual([
      { config: 'e', index: 8, score: 2 },
      { config: 'c', index: 4, score: 5 },
      { config: 'd', index: 6, score: 5.5 },
    ]);
    // Accuracy-like objectives rank the other way (scores are as minimised: -mean).
    expect(topConfigs(ended, 2, 'max', 1, key)).toEqual([{ config: 'e', index: 10, score: -9 }]);
  });
});
