import { type Distribution, toExternal } from './distributions.js';
import type { RandomSampler } from './random-sampler.js';
import type { ObservedTrial, TpeSampler } from './tpe-sampler.js';

/**
 * Asks a sampler for one trial's values, parameter by parameter (define-by-run, as Optuna's
 * `trial.suggest_*`), and keeps the internal representations the trial must store so that later
 * TPE decisions can read them back.
 */
export class TrialSuggestions {
  readonly params: Record<string, number> = {};

  constructor(private readonly sampleInternal: (name: string, d: Distribution) => number) {}

  suggest(name: string, d: Distribution): unknown {
    if (name in this.params) throw new Error(`parameter ${name} suggested twice`);
    const internal = this.sampleInternal(name, d);
    this.params[name] = internal;
    return toExternal(d, internal);
  }

  static random(sampler: RandomSampler): TrialSuggestions {
    return new TrialSuggestions((_, d) => sampler.sampleInternal(d));
  }

  static tpe(sampler: TpeSampler, history: readonly ObservedTrial[]): TrialSuggestions {
    return new TrialSuggestions((name, d) => sampler.sampleInternal(history, name, d));
  }
}

/**
 * The seed of trial `number`'s TPE sampler in a sweep seeded `seed`: trials are proposed by
 * whichever worker finishes one, so each proposal gets its own stream, fixed by the sweep's seed and
 * the trial's number (a different mix per trial, not Optuna's single in-process stream).
 */
export function trialSeed(seed: number, number: number): number {
  let h = (seed >>> 0) ^ Math.imul(number + 1, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
