/**
 * Exact functional ANOVA on a complete grid (Hooker 2007; Hutter, Hoos & Leyton-Brown 2014, "An efficient
 * approach for assessing hyperparameter importance"), with the uniform measure over the grid's levels:
 *
 *   f0 = mean over all cells,  f_i(a) = mean over cells with x_i = a  - f0,
 *   f_ij(a, b) = mean over cells with x_i = a, x_j = b  - f_i(a) - f_j(b) - f0,
 *
 * and each component's variance is the mean of its square over its levels. On a complete grid the
 * components are orthogonal, so main effects, two-way interactions and the higher-order rest add up to the
 * total variance; a share is a component's variance over the total.
 */

export interface GridAnova {
  /** Mean over every observation. */
  mean: number;
  /** Population variance over every observation (replicates of a cell included). */
  variance: number;
  /** Per factor, its main effect's variance share. */
  mainShares: number[];
  /** Per pair (i < j), the two-way interaction's variance share. */
  pairShares: Array<{ i: number; j: number; share: number }>;
  /** What neither main effects nor pairs explain: higher-order interactions plus within-cell (seed) noise. */
  residualShare: number;
}

/**
 * `levels[k][t]` is observation t's level index for factor k (0 ≤ index < levelCounts[k]); `y[t]` its value.
 * The caller has checked the grid is complete and balanced (every cell observed equally often).
 */
export function gridAnova(
  levelCounts: readonly number[],
  levels: readonly number[][],
  y: readonly number[],
): GridAnova {
  const k = levelCounts.length;
  const cells = levelCounts.reduce((p, l) => p * l, 1);
  const sums = new Float64Array(cells);
  const counts = new Uint32Array(cells);
  const strides = levelCounts.map((_, i) => levelCounts.slice(i + 1).reduce((p, l) => p * l, 1));
  let total = 0;
  for (let t = 0; t < y.length; t++) {
    let cell = 0;
    for (let i = 0; i < k; i++) cell += levels[i]![t]! * strides[i]!;
    sums[cell]! += y[t]!;
    counts[cell]!++;
    total += y[t]!;
  }
  const mean = total / y.length;
  let squares = 0;
  for (const v of y) squares += (v - mean) ** 2;
  const variance = squares / y.length;

  // Marginal means of the cell means: one pass over the cells for every main effect and pair.
  const cellMean = (c: number) => sums[c]! / counts[c]!;
  const main = levelCounts.map((l) => new Float64Array(l));
  const pairs: Float64Array[][] = levelCounts.map((li, i) =>
    levelCounts.map((lj, j) => (j > i ? new Float64Array(li * lj) : new Float64Array(0))),
  );
  const index = new Array<number>(k).fill(0);
  for (let c = 0; c < cells; c++) {
    let rest = c;
    for (let i = 0; i < k; i++) {
      index[i] = Math.floor(rest / strides[i]!);
      rest -= index[i]! * strides[i]!;
    }
    const m = cellMean(c);
    for (let i = 0; i < k; i++) {
      main[i]![index[i]!]! += m;
      for (let j = i + 1; j < k; j++) pairs[i]![j]![index[i]! * levelCounts[j]! + index[j]!]! += m;
    }
  }
  const effect = main.map((sumsOf, i) => Array.from(sumsOf, (s) => (s * levelCounts[i]!) / cells - mean));
  const share = (v: number) => (variance > 0 ? v / variance : 0);
  const mainShares = effect.map((f) => share(f.reduce((s, x) => s + x * x, 0) / f.length));
  const pairShares: GridAnova['pairShares'] = [];
  for (let i = 0; i < k; i++) {
    for (let j = i + 1; j < k; j++) {
      const li = levelCounts[i]!;
      const lj = levelCounts[j]!;
      let v = 0;
      for (let a = 0; a < li; a++) {
        for (let b = 0; b < lj; b++) {
          const m = (pairs[i]![j]![a * lj + b]! * li * lj) / cells;
          v += (m - effect[i]![a]! - effect[j]![b]! - mean) ** 2;
        }
      }
      pairShares.push({ i, j, share: share(v / (li * lj)) });
    }
  }
  const explained = mainShares.reduce((s, x) => s + x, 0) + pairShares.reduce((s, p) => s + p.share, 0);
  return {
    mean,
    variance,
    mainShares,
    pairShares,
    residualShare: variance > 0 ? Math.max(0, 1 - explained) : 0,
  };
}
