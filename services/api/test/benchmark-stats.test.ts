import { describe, expect, it } from 'vitest';
import { performanceProfile, quantile, tuningCurve, welchTTest } from '../src/domain/benchmark-stats.js';

describe('the tuning curve', () => {
  // Configs tried (as minimised): 3, 1, one without a value (failed), 2. N = 4; valued, best first: 1, 2, 3.
  // P(best of the first k = i-th best) = C(N - i, k - 1) / C(N, k):
  //   k = 1: C(4,1) = 4:  1/4, 1/4, 1/4; none 1/4. mean | valued = (1 + 2 + 3)/4 / (3/4) = 2. q25 = 1, q75 = 3.
  //   k = 2: C(4,2) = 6:  3/6, 2/6, 1/6; none 0.   mean = (3*1 + 2*2 + 1*3)/6 = 10/6.        q25 = 1, q75 = 2.
  //   k = 3: C(4,3) = 4:  3/4, 1/4, 0.              mean = (3*1 + 1*2)/4 = 5/4.               q25 = 1, q75 = 1.
  //   k = 4: 1, 0, 0.                                mean = 1.
  const values = [3, 1, null, 2];

  it('is exact against the hand-computed probabilities', () => {
    const curve = tuningCurve(values);
    expect(curve.map((p) => p.k)).toEqual([1, 2, 3, 4]);
    expect(curve[0]!.mean).toBeCloseTo(2, 12);
    expect(curve[0]!.pNone).toBeCloseTo(0.25, 12);
    expect([curve[0]!.q25, curve[0]!.q75]).toEqual([1, 3]);
    expect(curve[1]!.mean).toBeCloseTo(10 / 6, 12);
    expect(curve[1]!.pNone).toBeCloseTo(0, 12);
    expect([curve[1]!.q25, curve[1]!.q75]).toEqual([1, 2]);
    expect(curve[2]!.mean).toBeCloseTo(5 / 4, 12);
    expect([curve[2]!.q25, curve[2]!.q75]).toEqual([1, 1]);
    expect(curve[3]!.mean).toBeCloseTo(1, 12);
  });

  it('equals the average over every ordering (all 4! = 24 enumerated)', () => {
    const orderings: number[][] = [];
    const permute = (rest: number[], prefix: number[]) => {
      if (rest.length === 0) orderings.push(prefix);
      for (const [i, x] of rest.entries())
        permute([...rest.slice(0, i), ...rest.slice(i + 1)], [...prefix, x]);
    };
    permute([0, 1, 2, 3], []);
    expect(orderings).toHaveLength(24);
    const curve = tuningCurve(values);
    for (let k = 1; k <= 4; k++) {
      const bests = orderings.map((order) => {
        const seen = order
          .slice(0, k)
          .map((i) => values[i]!)
          .filter((v): v is number => v !== null);
        return seen.length === 0 ? null : Math.min(...seen);
      });
      const valued = bests.filter((b): b is number => b !== null);
      expect(curve[k - 1]!.mean).toBeCloseTo(valued.reduce((a, b) => a + b, 0) / valued.length, 12);
      expect(curve[k - 1]!.pNone).toBeCloseTo((bests.length - valued.length) / bests.length, 12);
    }
  });

  it('has no points without configs, and no mean while nothing has a value', () => {
    expect(tuningCurve([])).toEqual([]);
    expect(tuningCurve([null])).toEqual([{ k: 1, mean: null, q25: null, q75: null, pNone: 1 }]);
  });
});

describe('the performance profile', () => {
  it('matches the hand-computed fractions', () => {
    // Times to the target (null: never), per workload, optimizers A, B, C:
    //   w1: 10, 20, -   best 10: ratios A 1, B 2
    //   w2: 30, 15, 60  best 15: ratios A 2, B 1, C 4
    //   w3: -, -, -     nobody: counts against all
    //   w4: 5, -, 6     best 5:  ratios A 1, C 1.2
    // fraction(tau) = workloads with ratio <= tau / 4:
    //   A: tau 1: w1, w4 = 0.5; 1.25: 0.5; 2: + w2 = 0.75; 4: 0.75
    //   B: tau 1: w2 = 0.25;    1.25: 0.25; 2: + w1 = 0.5; 4: 0.5
    //   C: tau 1: 0;            1.25: w4 = 0.25; 2: 0.25;  4: + w2 = 0.5
    const profile = performanceProfile(
      ['A', 'B', 'C'],
      [
        [10, 20, null],
        [30, 15, 60],
        [null, null, null],
        [5, null, 6],
      ],
      [1, 1.25, 2, 4],
    );
    expect(profile).toEqual([
      { optimizer: 'A', fractions: [0.5, 0.5, 0.75, 0.75] },
      { optimizer: 'B', fractions: [0.25, 0.25, 0.5, 0.5] },
      { optimizer: 'C', fractions: [0, 0.25, 0.25, 0.5] },
    ]);
  });
});

describe("Welch's t-test", () => {
  it('matches the hand computation (and scipy.stats.ttest_ind(equal_var=False): t -2.25144, df 5.52079, p 0.069134)', () => {
    // a: mean 2.5, var 5/3, var/n 5/12. b: mean 6, var 10, var/n 2. se = sqrt(29/12) = 1.554563.
    // t = -3.5 / 1.554563 = -2.251436; df = (29/12)^2 / ((5/12)^2/3 + 2^2/4) = 5.520788.
    const test = welchTTest([1, 2, 3, 4], [2, 4, 6, 8, 10])!;
    expect(test.t).toBeCloseTo(-2.2514363231593695, 10);
    expect(test.df).toBeCloseTo(5.520787746170677, 10);
    expect(test.p).toBeCloseTo(0.06913359319239237, 8);
  });

  it('has no answer below two values a side', () => {
    expect(welchTTest([1], [2, 3])).toBeNull();
  });

  it('quantiles interpolate linearly (numpy)', () => {
    expect(quantile([1, 2, 3, 4], 0.25)).toBeCloseTo(1.75, 12);
    expect(quantile([], 0.5)).toBeNull();
  });
});
