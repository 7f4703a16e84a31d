import { clip, type Distribution, roundHalfEven } from './distributions.js';
import { numpyArgsort } from './numpy-argsort.js';
import type { RandomState } from './random-state.js';
import { logGaussMass, truncnormLogMass, truncnormLogPdf, truncnormPpf } from './truncnorm.js';

/** Optuna 3.1's `_ParzenEstimatorParameters` for the univariate (independent) TPE. */
export interface ParzenEstimatorParameters {
  considerPrior: boolean;
  priorWeight: number;
  considerMagicClip: boolean;
  considerEndpoints: boolean;
  weights: (n: number) => number[];
}

const EPS = 1e-12;

/**
 * Optuna's `default_weights`: equal weights for the 25 newest observations, a linear ramp from 1/n
 * up to 1 for older ones (observations are in trial order).
 */
export function defaultWeights(n: number): number[] {
  if (n === 0) return [];
  if (n < 25) return new Array<number>(n).fill(1);
  const num = n - 25;
  const ramp: number[] = [];
  const start = 1 / n;
  // numpy.linspace(1/n, 1, num): i * step + start, the last one exactly the stop.
  const step = (1 - start) / (num - 1);
  for (let i = 0; i < num; i++) ramp.push(num > 1 ? i * step + start : start);
  if (num > 1) ramp[num - 1] = 1;
  return [...ramp, ...new Array<number>(25).fill(1)];
}

/**
 * The one-dimensional Parzen estimator of Optuna 3.1 (optuna/samplers/_tpe/parzen_estimator.py,
 * `multivariate=False`): one truncated Gaussian per observation plus a prior kernel at the middle
 * of the range as wide as the range, each observation's width the larger gap to its neighbours
 * (endpoints ignored unless `considerEndpoints`), clipped to [range / min(100, n + 2), range]
 * ("magic clip"); log distributions in log space; integers as the mass of a unit-wide bin.
 * Categoricals get one row of choice probabilities per observation (its choice + prior_weight/(n+1)
 * everywhere, normalised) and a uniform prior row.
 */
export class ParzenEstimator {
  readonly weights: number[];
  readonly low: number;
  readonly high: number;
  readonly q: number | null;
  readonly mus: number[] = [];
  readonly sigmas: number[] = [];
  /** Per kernel, the probability of each choice (categoricals). */
  readonly categoricalWeights: number[][] = [];

  constructor(
    observations: readonly number[],
    readonly distribution: Distribution,
    readonly parameters: ParzenEstimatorParameters,
  ) {
    const n = observations.length;
    this.weights = calculateWeights(n, parameters);
    const d = distribution;
    if (d.kind === 'categorical') {
      this.low = Number.NaN;
      this.high = Number.NaN;
      this.q = null;
      this.categoricalWeights = categoricalParams(observations, d.choices.length, parameters);
      return;
    }
    if (d.kind === 'float') {
      this.low = d.log ? Math.log(d.low) : d.low;
      this.high = d.log ? Math.log(d.high) : d.high;
      this.q = null;
    } else if (d.log) {
      this.low = Math.log(d.low - 0.5);
      this.high = Math.log(d.high + 0.5);
      this.q = null;
    } else {
      this.q = d.step;
      this.low = d.low - 0.5 * d.step;
      this.high = d.high + 0.5 * d.step;
    }
    const transformed = observations.map((x) => this.toUniform(x));
    const { mus, sigmas } = numericalParams(transformed, this.low, this.high, parameters);
    this.mus = mus;
    this.sigmas = sigmas;
  }

  private toUniform(x: number): number {
    const d = this.distribution;
    return d.kind !== 'categorical' && d.log ? Math.log(x) : x;
  }

  private fromUniform(x: number): number {
    const d = this.distribution;
    if (d.kind === 'float') return d.log ? Math.exp(x) : x;
    if (d.kind === 'int') {
      if (d.log) return clip(roundHalfEven(Math.exp(x)), d.low, d.high);
      const q = this.q!;
      return clip(roundHalfEven((x - d.low) / q) * q + d.low, d.low, d.high);
    }
    return x;
  }

  /** `sample(rng, size)`: kernels by weight, then one truncated-normal (or choice) draw each. */
  sample(rng: RandomState, size: number): number[] {
    const active = rng.choice(this.weights, size);
    if (this.distribution.kind === 'categorical') {
      // `_sample_from_categorical_dist`: one uniform per sample, counted against the cumulative row.
      const out: number[] = [];
      const quantiles = Array.from({ length: size }, () => rng.randomSample());
      for (let s = 0; s < size; s++) {
        const row = this.categoricalWeights[active[s]!]!;
        let cum = 0;
        let count = 0;
        for (const p of row) {
          cum += p;
          if (cum < quantiles[s]!) count++;
        }
        out.push(count);
      }
      return out;
    }
    const percentiles = Array.from({ length: size }, () => rng.uniform(0, 1));
    const out: number[] = [];
    for (let s = 0; s < size; s++) {
      const k = active[s]!;
      const mu = this.mus[k]!;
      const sigma = this.sigmas[k]!;
      const a = (this.low - mu) / sigma;
      const b = (this.high - mu) / sigma;
      out.push(this.fromUniform(truncnormPpf(percentiles[s]!, a, b) * sigma + mu));
    }
    return out;
  }

  /** `log_pdf(samples)`: the log density of the weighted mixture at each sample. */
  logPdf(samples: readonly number[]): number[] {
    if (this.distribution.kind === 'categorical') {
      // Optuna's fast path for one categorical: log of the weighted sum of the rows.
      const nChoices = this.distribution.choices.length;
      const mixture = new Array<number>(nChoices).fill(0);
      for (let k = 0; k < this.weights.length; k++) {
        const row = this.categoricalWeights[k]!;
        for (let c = 0; c < nChoices; c++) mixture[c]! += row[c]! * this.weights[k]!;
      }
      return samples.map((c) => Math.log(mixture[c]!));
    }
    const logWeights = this.weights.map(Math.log);
    const nKernels = this.mus.length;
    const logAccept =
      this.q === null ? [] : this.mus.map((mu, k) => this.logMass(this.low, this.high, mu, k));
    const truncA = this.mus.map((mu, k) => (this.low - mu) / this.sigmas[k]!);
    const truncB = this.mus.map((mu, k) => (this.high - mu) / this.sigmas[k]!);
    // Each kernel's normalising mass depends on the kernel only: computed once, not per sample.
    const kernelMass = this.q === null ? truncA.map((a, k) => truncnormLogMass(a, truncB[k]!)) : [];
    const component = new Float64Array(nKernels);
    // Integer candidates repeat: each distinct value's density is computed once.
    const memo = new Map<number, number>();
    return samples.map((sample) => {
      const known = memo.get(sample);
      if (known !== undefined) return known;
      const x = this.toUniform(sample);
      let max = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < nKernels; k++) {
        const mu = this.mus[k]!;
        const sigma = this.sigmas[k]!;
        let logPdf: number;
        if (this.q === null) {
          logPdf = truncnormLogPdf(x, truncA[k]!, truncB[k]!, mu, sigma, kernelMass[k]!);
        } else {
          const upper = Math.min(x + this.q / 2, this.high);
          const lower = Math.max(x - this.q / 2, this.low);
          logPdf = this.logMass(lower, upper, mu, k) - logAccept[k]!;
        }
        const v = logPdf + logWeights[k]!;
        component[k] = v;
        if (v > max) max = v;
      }
      // log-sum-exp as Optuna: max + log(sum(exp(v - max))).
      let sum = 0;
      for (let k = 0; k < nKernels; k++) sum += Math.exp(component[k]! - max);
      const result = Math.log(sum) + max;
      memo.set(sample, result);
      return result;
    });
  }

  private logMass(lower: number, upper: number, mu: number, k: number): number {
    const sigma = this.sigmas[k]!;
    return logGaussMass((lower - mu) / sigma, (upper - mu) / sigma);
  }
}

function calculateWeights(n: number, p: ParzenEstimatorParameters): number[] {
  const considerPrior = p.considerPrior || n === 0;
  const w = p.weights(n).slice(0, n);
  if (w.some((x) => x < 0 || !Number.isFinite(x)))
    throw new RangeError(`weights must be finite and >= 0: ${w}`);
  const weights = considerPrior ? [...w, p.priorWeight] : w;
  let sum = 0;
  for (const x of weights) sum += x;
  return weights.map((x) => x / sum);
}

function categoricalParams(observations: readonly number[], nChoices: number, p: ParzenEstimatorParameters) {
  const n = observations.length;
  const considerPrior = p.considerPrior || n === 0;
  const rows = considerPrior ? n + 1 : n;
  const value = considerPrior ? p.priorWeight / (n + 1) : p.priorWeight / n;
  const weights: number[][] = [];
  for (let i = 0; i < rows; i++) {
    const row = new Array<number>(nChoices).fill(value);
    if (i < n) row[Math.trunc(observations[i]!)]! += 1;
    let sum = 0;
    for (const x of row) sum += x;
    weights.push(row.map((x) => x / sum));
  }
  return weights;
}

function numericalParams(
  observations: readonly number[],
  low: number,
  high: number,
  p: ParzenEstimatorParameters,
) {
  const n = observations.length;
  const considerPrior = p.considerPrior || n === 0;
  const mus = considerPrior ? [...observations, 0.5 * (low + high)] : [...observations];
  const order = numpyArgsort(mus);
  const sorted = [low, ...order.map((i) => mus[i]!), high];
  const sortedSigmas: number[] = [];
  for (let i = 1; i < sorted.length - 1; i++) {
    sortedSigmas.push(Math.max(sorted[i]! - sorted[i - 1]!, sorted[i + 1]! - sorted[i]!));
  }
  if (!p.considerEndpoints && sorted.length >= 4) {
    sortedSigmas[0] = sorted[2]! - sorted[1]!;
    sortedSigmas[sortedSigmas.length - 1] = sorted[sorted.length - 2]! - sorted[sorted.length - 3]!;
  }
  const sigmas = new Array<number>(mus.length);
  order.forEach((original, rank) => {
    sigmas[original] = sortedSigmas[rank]!;
  });
  const maxSigma = 1.0 * (high - low);
  const minSigma = p.considerMagicClip ? (1.0 * (high - low)) / Math.min(100.0, 1.0 + mus.length) : EPS;
  for (let i = 0; i < sigmas.length; i++) sigmas[i] = clip(sigmas[i]!, minSigma, maxSigma);
  if (considerPrior) sigmas[n] = 1.0 * (high - low);
  return { mus, sigmas };
}
