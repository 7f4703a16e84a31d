import { type Distribution, toExternal } from './distributions.js';
import { defaultWeights, ParzenEstimator, type ParzenEstimatorParameters } from './parzen-estimator.js';
import { sampleRandomInternal } from './random-sampler.js';
import { RandomState } from './random-state.js';

export type Direction = 'minimize' | 'maximize';

/**
 * A finished trial as the samplers see it, in trial order: complete with its value, or pruned with
 * its last reported (step, value) if it reported any. Failed trials are left out, as Optuna does.
 * `params` hold internal representations (a choice's index), keyed by parameter name; a parameter a
 * trial did not use is absent.
 */
export interface ObservedTrial {
  state: 'complete' | 'pruned';
  value?: number | null;
  lastStep?: number | null;
  lastValue?: number | null;
  params: Readonly<Record<string, number>>;
}

/** Options with Optuna's names and 3.1 defaults (`multivariate`, `group`, `constant_liar` are not ported). */
export interface TpeOptions {
  consider_prior: boolean;
  prior_weight: number;
  consider_magic_clip: boolean;
  consider_endpoints: boolean;
  n_startup_trials: number;
  n_ei_candidates: number;
  seed: number;
}

export const tpeDefaults: Omit<TpeOptions, 'seed'> = {
  consider_prior: true,
  prior_weight: 1.0,
  consider_magic_clip: true,
  consider_endpoints: false,
  n_startup_trials: 10,
  n_ei_candidates: 24,
};

/** Optuna's `default_gamma`: the number of "good" trials out of n. */
export const defaultGamma = (n: number): number => Math.min(Math.ceil(0.1 * n), 25);

/** `(step, score)` as Optuna's `_get_observation_pairs` ranks a trial (smaller is better). */
export type Score = readonly [step: number, value: number];

/**
 * Optuna 3.1's scores: a complete trial is (-inf, sign * value); a pruned one (-last step,
 * sign * its last intermediate value) (inf for NaN), or (1, 0) when it reported nothing; so every
 * complete trial ranks before any pruned one and pruned trials that went further rank first.
 */
export function observationScore(t: ObservedTrial, direction: Direction): Score | null {
  const sign = direction === 'minimize' ? 1 : -1;
  if (t.state === 'complete') {
    if (t.value === null || t.value === undefined) return null;
    return [Number.NEGATIVE_INFINITY, sign * t.value];
  }
  if (t.lastStep === null || t.lastStep === undefined) return [1, 0];
  const v = t.lastValue ?? Number.NaN;
  return [-t.lastStep, Number.isNaN(v) ? Number.POSITIVE_INFINITY : sign * v];
}

/**
 * `_split_observation_pairs` for one objective: a stable sort on (step, score), the first n_below
 * are "below" (good); both index lists come back in trial order.
 */
export function splitObservations(
  scores: readonly Score[],
  nBelow: number,
): { below: number[]; above: number[] } {
  const order = scores
    .map((_, i) => i)
    .sort((i, j) => {
      const a = scores[i]!;
      const b = scores[j]!;
      return compareNumber(a[0], b[0]) || compareNumber(a[1], b[1]);
    });
  const below = order.slice(0, nBelow).sort((x, y) => x - y);
  const above = order.slice(nBelow).sort((x, y) => x - y);
  return { below, above };
}

/** NumPy's sort order for floats: NaN last. */
function compareNumber(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  if (a === b) return 0;
  return Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : -1;
}

/** What one TPE decision looked at: exposed for tests against Optuna and for explaining a choice. */
export interface TpeDecision {
  n: number;
  below: number[];
  above: number[];
  estimatorBelow: ParzenEstimator;
  estimatorAbove: ParzenEstimator;
  candidates: number[];
  scores: number[];
  chosen: number;
}

/**
 * Optuna 3.1's default TPESampler (independent sampling, one objective), ported from
 * optuna/samplers/_tpe/sampler.py: until `n_startup_trials` trials are complete or pruned, values
 * come from the RandomSampler; then the trials are split into the best gamma(n) ("below") and the
 * rest, a Parzen estimator is fitted to each, `n_ei_candidates` candidates are drawn from the
 * "below" one and the candidate with the largest log l(x) - log g(x) wins.
 * Two streams as in Optuna (one for the random startup, one for the candidates), both seeded with
 * `seed`, so a sampler asked the same questions in the same order gives Optuna's answers.
 * https://optuna.readthedocs.io/en/v3.1.0/reference/samplers/generated/optuna.samplers.TPESampler.html
 */
export class TpeSampler {
  readonly options: TpeOptions;
  private readonly rng: RandomState;
  private readonly randomRng: RandomState;
  private readonly parzen: ParzenEstimatorParameters;

  constructor(
    options: Partial<TpeOptions> & { seed: number },
    readonly direction: Direction = 'minimize',
  ) {
    this.options = { ...tpeDefaults, ...options };
    this.rng = new RandomState(this.options.seed);
    this.randomRng = new RandomState(this.options.seed);
    this.parzen = {
      considerPrior: this.options.consider_prior,
      priorWeight: this.options.prior_weight,
      considerMagicClip: this.options.consider_magic_clip,
      considerEndpoints: this.options.consider_endpoints,
      weights: defaultWeights,
    };
  }

  /** `sample_independent`: the value (external representation) for one parameter. */
  sample(history: readonly ObservedTrial[], name: string, d: Distribution): unknown {
    return toExternal(d, this.sampleInternal(history, name, d));
  }

  sampleInternal(history: readonly ObservedTrial[], name: string, d: Distribution): number {
    const decision = this.decide(history, name, d);
    return decision === null ? sampleRandomInternal(this.randomRng, d) : decision.chosen;
  }

  /** The TPE decision, or null while the startup trials are random. */
  decide(history: readonly ObservedTrial[], name: string, d: Distribution): TpeDecision | null {
    const scores: Score[] = [];
    const values: Array<number | undefined> = [];
    for (const t of history) {
      const score = observationScore(t, this.direction);
      if (score === null) continue;
      scores.push(score);
      values.push(t.params[name]);
    }
    const n = scores.length;
    if (n < this.options.n_startup_trials) return null;
    const split = splitObservations(scores, defaultGamma(n));
    const below = split.below.filter((i) => values[i] !== undefined);
    const above = split.above.filter((i) => values[i] !== undefined);
    const estimatorBelow = new ParzenEstimator(
      below.map((i) => values[i]!),
      d,
      this.parzen,
    );
    const estimatorAbove = new ParzenEstimator(
      above.map((i) => values[i]!),
      d,
      this.parzen,
    );
    const candidates = estimatorBelow.sample(this.rng, this.options.n_ei_candidates);
    const logL = estimatorBelow.logPdf(candidates);
    const logG = estimatorAbove.logPdf(candidates);
    const ratio = logL.map((l, i) => l - logG[i]!);
    return {
      n,
      below,
      above,
      estimatorBelow,
      estimatorAbove,
      candidates,
      scores: ratio,
      chosen: candidates[argmax(ratio)]!,
    };
  }
}

/** NumPy's argmax: the first largest, or the first NaN. */
export function argmax(xs: readonly number[]): number {
  let best = 0;
  for (let i = 0; i < xs.length; i++) {
    if (Number.isNaN(xs[i]!)) return i;
    if (xs[i]! > xs[best]!) best = i;
  }
  return best;
}
