// The statistics of GET /v1/sweeps/:id/benchmark and GET /v1/benchmarks: exact where a closed form exists.

import { logGamma, studentTCdf, summarize } from '@hypersweep/spec';

/**
 * Welch's unequal-variances t-test of two samples' means: two-sided p-value (null when either sample has
 * fewer than two values, or both have no spread and equal means give no evidence either way).
 */
export function welchTTest(
  a: readonly number[],
  b: readonly number[],
): { t: number; df: number; p: number } | null {
  const x = summarize(a);
  const y = summarize(b);
  if (x.std === null || y.std === null || x.mean === null || y.mean === null) return null;
  const va = x.std ** 2 / x.n;
  const vb = y.std ** 2 / y.n;
  const se = Math.sqrt(va + vb);
  const diff = x.mean - y.mean;
  if (se === 0) return diff === 0 ? null : { t: Math.sign(diff) * Infinity, df: x.n + y.n - 2, p: 0 };
  const t = diff / se;
  const df = (va + vb) ** 2 / (va ** 2 / (x.n - 1) + vb ** 2 / (y.n - 1));
  return { t, df, p: 2 * (1 - studentTCdf(Math.abs(t), df)) };
}

/** The q-quantile by linear interpolation between order statistics (numpy's default, "linear"). */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
}

export interface TuningCurvePoint {
  /** Tuning configs tried. */
  k: number;
  /** Expected best objective after k configs, over every ordering, given that one of them has a value. */
  mean: number | null;
  /** 25% and 75% quantiles of the best after k configs (null where that quantile has no value yet). */
  q25: number | null;
  q75: number | null;
  /** Probability that none of the first k configs has a value (all failed or pruned). */
  pNone: number;
}

/** ln C(n, k). */
const logChoose = (n: number, k: number) =>
  k < 0 || k > n ? -Infinity : logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);

/**
 * The tuning curve (Dodge et al. 2019, "Show your work": expected validation performance), computed
 * exactly over all N! orderings of the N configs tried, not by Monte Carlo. The best of the first k of a
 * random ordering is the best of a uniformly random k-subset. With the valued configs sorted best first
 * (v_1 first) and the N - M configs without a value (failed, pruned) ranked after every value,
 * P(best of k = v_i) = C(N - i, k - 1) / C(N, k). `values` are as minimised (smaller is better); the
 * answer is in the same orientation.
 */
export function tuningCurve(values: ReadonlyArray<number | null>): TuningCurvePoint[] {
  const n = values.length;
  const valued = values.filter((v): v is number => v !== null && Number.isFinite(v)).sort((a, b) => a - b);
  const points: TuningCurvePoint[] = [];
  for (let k = 1; k <= n; k++) {
    const total = logChoose(n, k);
    const probabilities = valued.map((_, i) => Math.exp(logChoose(n - (i + 1), k - 1) - total));
    const pValued = probabilities.reduce((a, b) => a + b, 0);
    const mean = pValued > 0 ? valued.reduce((a, v, i) => a + v * probabilities[i]!, 0) / pValued : null;
    const at = (q: number) => {
      let cumulative = 0;
      for (let i = 0; i < valued.length; i++) {
        cumulative += probabilities[i]!;
        if (cumulative >= q - 1e-12) return valued[i]!;
      }
      return null;
    };
    points.push({ k, mean, q25: at(0.25), q75: at(0.75), pNone: Math.max(0, 1 - pValued) });
  }
  return points;
}

/**
 * A performance profile (Dolan and Moré 2002; AlgoPerf): for each optimizer, the fraction of workloads on
 * which its time to the target is within tau times the fastest optimizer's there. `times[w][o]` is null
 * where optimizer o never reached the target on workload w (it then counts at no tau); a workload no
 * optimizer solved counts against all of them.
 */
export function performanceProfile(
  optimizers: readonly string[],
  times: ReadonlyArray<ReadonlyArray<number | null>>,
  taus: readonly number[],
): Array<{ optimizer: string; fractions: number[] }> {
  const ratios = times.map((row) => {
    const best = Math.min(...row.filter((t): t is number => t !== null));
    return row.map((t) =>
      t === null || !Number.isFinite(best) ? null : best === 0 ? (t === 0 ? 1 : Infinity) : t / best,
    );
  });
  return optimizers.map((optimizer, o) => ({
    optimizer,
    fractions: taus.map((tau) =>
      times.length === 0
        ? 0
        : ratios.filter((row) => row[o] !== null && row[o]! <= tau + 1e-12).length / times.length,
    ),
  }));
}

/** tau from 1 to 4 in steps of 0.25. */
export const PROFILE_TAUS = Array.from({ length: 13 }, (_, i) => 1 + i * 0.25);
