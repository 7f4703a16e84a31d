import { describe, expect, it } from 'vitest';
import type { FinishedSearchTrial } from '../src/ports.js';
import { observationsOf } from '../src/seed-observations.js';

const params = (lr: number) => ({ '/optimizers/0/lr': lr });

/** Trial `index` of a sweep with 3 seeds per config (config = index / 3, rounded down). */
function trial(
  index: number,
  status: FinishedSearchTrial['status'],
  fields: Partial<FinishedSearchTrial> = {},
) {
  return {
    index,
    status,
    params: params(Math.floor(index / 3)),
    bestValue: null,
    lastEpoch: null,
    lastValue: null,
    ...fields,
  } satisfies FinishedSearchTrial;
}

describe('TPE observes a config once, by its seeds', () => {
  it('a config whose seeds all completed: the mean of their best values (what /configs ranks)', () => {
    const ended = [
      trial(0, 'completed', { bestValue: 0.3 }),
      trial(1, 'completed', { bestValue: 0.6 }),
      trial(2, 'completed', { bestValue: 0.9 }),
    ];
    // (0.3 + 0.6 + 0.9) / 3 = 0.6
    const [only, ...rest] = observationsOf('min', 3, ended);
    expect(rest).toEqual([]);
    expect(only).toMatchObject({ state: 'complete', params: params(0) });
    expect((only as { value: number }).value).toBeCloseTo(0.6, 15);
  });

  it('maximised objectives are negated after the mean', () => {
    const ended = [0, 1, 2].map((i) => trial(i, 'completed', { bestValue: 0.9 + 0.01 * i }));
    // -(0.90 + 0.91 + 0.92) / 3 = -0.91
    const [only] = observationsOf('max', 3, ended);
    expect((only as { value: number }).value).toBeCloseTo(-0.91, 14);
  });

  it('is not observed until every seed has ended', () => {
    const ended = [trial(0, 'completed', { bestValue: 1 }), trial(2, 'completed', { bestValue: 3 })];
    expect(observationsOf('min', 3, ended)).toEqual([]);
    expect(observationsOf('min', 3, [...ended, trial(1, 'completed', { bestValue: 2 })])).toEqual([
      { state: 'complete', value: 2, params: params(0) },
    ]);
  });

  it('a failed or cancelled seed is left out of the mean; a config whose seeds all failed is left out', () => {
    const ended = [
      trial(0, 'completed', { bestValue: 1 }),
      trial(1, 'failed', { lastEpoch: 2, lastValue: 9 }),
      trial(2, 'completed', { bestValue: 4 }),
      trial(3, 'failed'),
      trial(4, 'cancelled'),
      trial(5, 'failed'),
    ];
    // (1 + 4) / 2 = 2.5; config 1 has no seed that completed or was pruned
    expect(observationsOf('min', 3, ended)).toEqual([{ state: 'complete', value: 2.5, params: params(0) }]);
  });

  it('a pruned seed makes the config pruned at the earliest epoch a seed was pruned, with their mean there', () => {
    const ended = [
      trial(0, 'completed', { bestValue: 0.1, lastEpoch: 9, lastValue: 0.2 }),
      trial(1, 'pruned', { bestValue: 0.5, lastEpoch: 3, lastValue: 0.8 }),
      trial(2, 'pruned', { bestValue: 0.4, lastEpoch: 1, lastValue: 0.7 }),
      trial(3, 'pruned', { lastEpoch: 1, lastValue: 0.6 }),
      trial(4, 'pruned', { lastEpoch: 1, lastValue: 0.9 }),
      trial(5, 'pruned', { lastEpoch: 4, lastValue: 0.1 }),
    ];
    const [first, second] = observationsOf('min', 3, ended);
    // config 0: seed 2 was pruned at epoch 1, the earliest; only it stopped there: 0.7
    expect(first).toEqual({ state: 'pruned', lastStep: 1, lastValue: 0.7, params: params(0) });
    // config 1: seeds 3 and 4 stopped at epoch 1: (0.6 + 0.9) / 2 = 0.75
    expect(second).toMatchObject({ state: 'pruned', lastStep: 1, params: params(1) });
    expect((second as { lastValue: number }).lastValue).toBeCloseTo(0.75, 15);
  });

  it('a pruned seed that reported nothing: pruned with nothing reported (ranked last, as Optuna)', () => {
    const ended = [
      trial(0, 'pruned', { lastEpoch: 2, lastValue: 0.3 }),
      trial(1, 'pruned'),
      trial(2, 'completed', { bestValue: 0.1 }),
    ];
    expect(observationsOf('max', 3, ended)).toEqual([
      { state: 'pruned', lastStep: null, lastValue: null, params: params(0) },
    ]);
  });

  it('configs come in config order, each once, whatever order their trials ended in', () => {
    const ended = [3, 0, 4, 1, 5, 2].map((i) => trial(i, 'completed', { bestValue: i }));
    expect(observationsOf('min', 3, ended)).toEqual([
      { state: 'complete', value: 1, params: params(0) },
      { state: 'complete', value: 4, params: params(1) },
    ]);
  });

  it('with one seed every ended trial is its own config (completed with no objective: value null)', () => {
    const ended = [
      { ...trial(0, 'completed'), params: params(0) },
      { ...trial(1, 'pruned', { lastEpoch: 0, lastValue: 2 }), params: params(1) },
      { ...trial(2, 'failed'), params: params(2) },
    ];
    expect(observationsOf('min', 1, ended)).toEqual([
      { state: 'complete', value: null, params: params(0) },
      { state: 'pruned', lastStep: 0, lastValue: 2, params: params(1) },
    ]);
  });
});
