import { canonicalJson } from '../canonical-json.js';
import type { TrialConfig } from '../trial-config.js';
import { sweptFactors } from './factors.js';
import { gridAnova } from './functional-anova.js';

export type EffectsMethod = 'functional-anova' | 'binned-marginal';

export interface FactorLevel {
  /** Readable level: the value, `n/a` where the factor does not apply, or `low–high` for a bin. */
  label: string;
  /** The level's value (JSON); null for n/a and for bins. */
  value: unknown;
  /** A bin's bounds (binned numeric factors only). */
  low?: number;
  high?: number;
  n: number;
  /** Mean objective over the level's observations. */
  mean: number;
}

export interface FactorEffect {
  name: string;
  /** Fraction of the objective's variance this factor explains (functional ANOVA: its main effect). */
  share: number;
  levels: FactorLevel[];
}

export interface Effects {
  method: EffectsMethod;
  /** Observations used: completed trials with a finite objective value. */
  n: number;
  mean: number | null;
  variance: number | null;
  factors: FactorEffect[];
  /** Two-way interactions (functional ANOVA only), largest first. */
  interactions: Array<{ factors: [string, string]; share: number }>;
  /** Functional ANOVA: variance neither the main effects nor the pairs explain (higher order and noise). */
  residualShare: number | null;
}

export interface EffectsOptions {
  /** Numeric factors with more distinct values than this are binned (binned-marginal method). Default 6. */
  maxBins?: number;
  /** Largest grid the exact method enumerates. Default 1,000,000 cells. */
  maxCells?: number;
  /**
   * `search`: values were sampled (random, TPE), so a "complete grid" of distinct values is an accident of
   * sampling, not a design; always use binned levels. Default `grid`.
   */
  design?: 'grid' | 'search';
}

const NA = '\u0000n/a';

interface Coded {
  name: string;
  keys: string[];
  /** level key -> level index, in level order */
  order: Map<string, number>;
  values: Map<string, unknown>;
  /** per observation, its level index */
  index: number[];
}

/** Levels in a reader's order: numbers ascending, other values as first seen, n/a last. */
function codeFactor(name: string, raw: readonly unknown[]): Coded {
  const values = new Map<string, unknown>();
  for (const v of raw) {
    const key = v === undefined ? NA : canonicalJson(v);
    if (!values.has(key)) values.set(key, v === undefined ? null : v);
  }
  const keys = [...values.keys()].sort((a, b) => {
    if (a === NA || b === NA) return a === b ? 0 : a === NA ? 1 : -1;
    const x = values.get(a);
    const y = values.get(b);
    return typeof x === 'number' && typeof y === 'number' ? x - y : 0;
  });
  const order = new Map(keys.map((k, i) => [k, i]));
  const index = raw.map((v) => order.get(v === undefined ? NA : canonicalJson(v))!);
  return { name, keys, order, values, index };
}

const labelOf = (key: string, value: unknown) =>
  key === NA ? 'n/a' : typeof value === 'string' ? value : canonicalJson(value);

const round = (x: number) => Number(x.toPrecision(3));

/**
 * How much each swept setting matters. On a complete grid (every combination of the factors' levels
 * observed equally often) the exact functional ANOVA gives main-effect and pairwise-interaction shares that
 * add up, with the residual, to 1. Otherwise (random or TPE search, a sweep still running, a failed trial
 * leaving a hole) each factor's share is its correlation ratio η² = between-level / total variance, numeric
 * factors with many values binned into equal-count bins; those shares overlap when factors are correlated.
 */
export function computeEffects(
  observations: ReadonlyArray<{ config: TrialConfig; value: number }>,
  options: EffectsOptions = {},
): Effects {
  const maxBins = options.maxBins ?? 6;
  const maxCells = options.maxCells ?? 1_000_000;
  const obs = observations.filter((o) => Number.isFinite(o.value));
  const y = obs.map((o) => o.value);
  if (obs.length === 0) {
    return {
      method: 'binned-marginal',
      n: 0,
      mean: null,
      variance: null,
      factors: [],
      interactions: [],
      residualShare: null,
    };
  }
  const coded = sweptFactors(obs.map((o) => o.config)).map((f) => codeFactor(f.name, f.values));
  const levelCounts = coded.map((c) => c.keys.length);
  const cells = levelCounts.reduce((p, l) => p * l, 1);
  const complete =
    options.design !== 'search' &&
    coded.length > 0 &&
    cells <= maxCells &&
    isCompleteGrid(coded, cells, obs.length);
  if (complete) {
    const anova = gridAnova(
      levelCounts,
      coded.map((c) => c.index),
      y,
    );
    const factors = coded.map((c, i) => ({
      name: c.name,
      share: anova.mainShares[i]!,
      levels: levelsOf(c, c.index, y, (key) => ({
        label: labelOf(key, c.values.get(key)),
        value: c.values.get(key),
      })),
    }));
    return {
      method: 'functional-anova',
      n: obs.length,
      mean: anova.mean,
      variance: anova.variance,
      factors: factors.sort((a, b) => b.share - a.share),
      interactions: anova.pairShares
        .map((p) => ({ factors: [coded[p.i]!.name, coded[p.j]!.name] as [string, string], share: p.share }))
        .sort((a, b) => b.share - a.share),
      residualShare: anova.residualShare,
    };
  }
  const mean = y.reduce((s, v) => s + v, 0) / y.length;
  const squares = y.reduce((s, v) => s + (v - mean) ** 2, 0);
  const factors = coded.map((c) => {
    const binned = binNumeric(c, maxBins);
    const levels = binned
      ? levelsOf({ ...c, keys: binned.bins.map((_, i) => String(i)) }, binned.index, y, (key) => {
          const bin = binned.bins[Number(key)]!;
          return {
            label: bin.low === bin.high ? String(round(bin.low)) : `${round(bin.low)}–${round(bin.high)}`,
            value: null,
            low: bin.low,
            high: bin.high,
          };
        })
      : levelsOf(c, c.index, y, (key) => ({
          label: labelOf(key, c.values.get(key)),
          value: c.values.get(key),
        }));
    const between = levels.reduce((s, l) => s + l.n * (l.mean - mean) ** 2, 0);
    return { name: c.name, share: squares > 0 ? between / squares : 0, levels };
  });
  return {
    method: 'binned-marginal',
    n: obs.length,
    mean,
    variance: squares / y.length,
    factors: factors.sort((a, b) => b.share - a.share),
    interactions: [],
    residualShare: null,
  };
}

function isCompleteGrid(coded: readonly Coded[], cells: number, observations: number): boolean {
  if (observations % cells !== 0) return false;
  const per = observations / cells;
  const counts = new Map<number, number>();
  for (let t = 0; t < observations; t++) {
    let cell = 0;
    for (const c of coded) cell = cell * c.keys.length + c.index[t]!;
    const n = (counts.get(cell) ?? 0) + 1;
    if (n > per) return false;
    counts.set(cell, n);
  }
  return counts.size === cells;
}

/** Level statistics in level order; levels nobody observed are left out. */
function levelsOf(
  c: Pick<Coded, 'keys'>,
  index: readonly number[],
  y: readonly number[],
  describe: (key: string) => Omit<FactorLevel, 'n' | 'mean'>,
): FactorLevel[] {
  const sums = new Float64Array(c.keys.length);
  const counts = new Uint32Array(c.keys.length);
  index.forEach((l, t) => {
    sums[l]! += y[t]!;
    counts[l]!++;
  });
  return c.keys.flatMap((key, l) =>
    counts[l]! === 0 ? [] : [{ ...describe(key), n: counts[l]!, mean: sums[l]! / counts[l]! }],
  );
}

/**
 * Equal-count bins over a numeric factor's distinct values (by rank, so a log-uniform lr bins as evenly as
 * a uniform one); undefined when the factor is not numeric or has few enough values to show each.
 */
function binNumeric(
  c: Coded,
  maxBins: number,
): { bins: Array<{ low: number; high: number }>; index: number[] } | undefined {
  if (c.keys.length <= maxBins || c.keys.some((k) => k === NA || typeof c.values.get(k) !== 'number')) {
    return undefined;
  }
  const distinct = c.keys.length; // sorted ascending by codeFactor
  const binOf = (level: number) => Math.floor((level * maxBins) / distinct);
  const bins = Array.from({ length: maxBins }, () => ({
    low: Number.POSITIVE_INFINITY,
    high: Number.NEGATIVE_INFINITY,
  }));
  c.keys.forEach((key, level) => {
    const v = c.values.get(key) as number;
    const bin = bins[binOf(level)]!;
    bin.low = Math.min(bin.low, v);
    bin.high = Math.max(bin.high, v);
  });
  return { bins, index: c.index.map(binOf) };
}
