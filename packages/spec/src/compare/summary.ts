import { studentTQuantile } from './t-distribution.js';

/** Summary of one group's objective values (the completed seeds of a config). */
export interface ValueSummary {
  n: number;
  mean: number | null;
  /** Sample standard deviation (n - 1); null below 2 values. */
  std: number | null;
  min: number | null;
  max: number | null;
  /** Two-sided interval for the mean from Student's t with n - 1 degrees of freedom; null below 2 values. */
  interval: { level: number; low: number; high: number } | null;
}

// The quantile is a bisection of ~50 CDF evaluations, and a sweep's groups share a handful of (level, df)
// pairs: keep them (bounded: df is at most the seed count of a group).
const quantiles = new Map<string, number>();
function criticalValue(level: number, df: number): number {
  const key = `${level}/${df}`;
  let t = quantiles.get(key);
  if (t === undefined) {
    t = studentTQuantile(1 - (1 - level) / 2, df);
    if (quantiles.size >= 10_000) quantiles.clear();
    quantiles.set(key, t);
  }
  return t;
}

/** n, mean, sample std, min, max and the t-interval of the mean of finite `values` (others are ignored). */
export function summarize(values: readonly number[], level = 0.95): ValueSummary {
  const xs = values.filter(Number.isFinite);
  const n = xs.length;
  if (n === 0) return { n, mean: null, std: null, min: null, max: null, interval: null };
  const mean = xs.reduce((s, x) => s + x, 0) / n;
  const min = Math.min(...xs);
  const max = Math.max(...xs);
  if (n < 2) return { n, mean, std: null, min, max, interval: null };
  const std = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
  const half = criticalValue(level, n - 1) * (std / Math.sqrt(n));
  return { n, mean, std, min, max, interval: { level, low: mean - half, high: mean + half } };
}

/** The plain mean of finite values, or null. */
export function meanOf(values: readonly (number | null)[]): number | null {
  let sum = 0;
  let n = 0;
  for (const x of values) {
    if (x !== null && Number.isFinite(x)) {
      sum += x;
      n++;
    }
  }
  return n === 0 ? null : sum / n;
}
