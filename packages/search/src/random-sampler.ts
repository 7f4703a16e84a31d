import { clip, type Distribution, nextDown, roundHalfEven, toExternal } from './distributions.js';
import { RandomState } from './random-state.js';

/**
 * Optuna 3.1's RandomSampler.sample_independent (optuna/samplers/_random.py with
 * optuna/_transform.py): one uniform draw on the transformed bounds (log scale for log
 * distributions, half a step wider at each end for integers, one draw per choice for a
 * categorical, whose largest draw wins), mapped back. Returns the internal representation.
 */
export function sampleRandomInternal(rng: RandomState, d: Distribution): number {
  if (d.kind === 'categorical') {
    let best = 0;
    let bestDraw = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < d.choices.length; i++) {
      const draw = rng.uniform(0, 1);
      if (draw > bestDraw) {
        bestDraw = draw;
        best = i;
      }
    }
    return best;
  }
  if (d.kind === 'float') {
    if (d.log) {
      const x = Math.exp(rng.uniform(Math.log(d.low), Math.log(d.high)));
      return d.low === d.high ? x : Math.min(x, nextDown(d.high));
    }
    const x = rng.uniform(d.low, d.high);
    return d.low === d.high ? x : Math.min(x, nextDown(d.high));
  }
  const half = 0.5 * d.step;
  if (d.log) {
    const x = rng.uniform(Math.log(d.low - half), Math.log(d.high + half));
    return clip(roundHalfEven(Math.exp(x)), d.low, d.high);
  }
  const x = rng.uniform(d.low - half, d.high + half);
  return Math.trunc(clip(roundHalfEven((x - d.low) / d.step) * d.step + d.low, d.low, d.high));
}

/** A seeded random search: one stream, so the same seed gives the same values in the same order. */
export class RandomSampler {
  private readonly rng: RandomState;

  constructor(seed: number) {
    this.rng = new RandomState(seed);
  }

  sampleInternal(d: Distribution): number {
    return sampleRandomInternal(this.rng, d);
  }

  sample(d: Distribution): unknown {
    return toExternal(d, this.sampleInternal(d));
  }
}
