import { describe, expect, it } from 'vitest';
import { toExternal, toInternal } from '../src/distributions.js';
import type { ParzenEstimator } from '../src/parzen-estimator.js';
import { RandomSampler } from '../src/random-sampler.js';
import { RandomState } from '../src/random-state.js';
import {
  defaultGamma,
  type ObservedTrial,
  observationScore,
  splitObservations,
  TpeSampler,
} from '../src/tpe-sampler.js';
import { paramsInOrder, type RefSpace, type RefTrial, reference, toDistribution } from './reference.js';

function expectSameValue(actual: unknown, expected: unknown) {
  if (typeof expected === 'number' && !Number.isInteger(expected)) {
    expect(actual).toBeTypeOf('number');
    expect(Math.abs((actual as number) - expected)).toBeLessThanOrEqual(
      1e-9 * Math.max(1, Math.abs(expected)),
    );
  } else {
    expect(actual).toEqual(expected);
  }
}

/** The recorded trials as the sampler sees them: failed ones left out, parameters internal. */
function observed(space: RefSpace, trials: RefTrial[]): ObservedTrial[] {
  return trials
    .filter((t) => t.state !== 'fail')
    .map((t) => {
      const params: Record<string, number> = {};
      for (const [name, d] of paramsInOrder(space, t.params)) {
        if (name in t.params) params[name] = toInternal(d, t.params[name]);
      }
      return {
        state: t.state as 'complete' | 'pruned',
        value: t.value,
        lastStep: t.last_step,
        lastValue: t.last_value,
        params,
      };
    });
}

describe('recorded with', () => {
  it('Optuna 3.1', () => {
    expect(reference.optuna_version).toBe('3.1.0');
  });
});

describe('RandomSampler', () => {
  for (const study of reference.random) {
    it(`gives Optuna's RandomSampler(seed=${study.seed}) values, trial after trial`, () => {
      const sampler = new RandomSampler(study.seed);
      for (const expected of study.trials) {
        const chosen: Record<string, unknown> = {};
        for (const [name, d] of paramsInOrder(study, chosen)) chosen[name] = sampler.sample(d);
        expect(Object.keys(chosen).sort()).toEqual(Object.keys(expected).sort());
        for (const key of Object.keys(expected)) expectSameValue(chosen[key], expected[key]);
      }
    });
  }
});

describe('TpeSampler replays whole Optuna studies', () => {
  for (const study of reference.tpe_studies) {
    it(`TPESampler(seed=${study.seed}) ${study.direction}: ${study.trials.length} trials with pruned and failed ones`, () => {
      const sampler = new TpeSampler({ seed: study.seed }, study.direction);
      let tpeDecisions = 0;
      study.trials.forEach((expected, i) => {
        const history = observed(study, study.trials.slice(0, i));
        const chosen: Record<string, unknown> = {};
        for (const [name, d] of paramsInOrder(study, chosen)) {
          chosen[name] = sampler.sample(history, name, d);
          expectSameValue(chosen[name], expected.params[name]);
        }
        expect(Object.keys(chosen).sort()).toEqual(Object.keys(expected.params).sort());
        if (history.length >= 10) tpeDecisions++;
      });
      expect(tpeDecisions).toBeGreaterThan(20);
    });
  }
});

describe('TPE internals against Optuna', () => {
  for (const study of reference.tpe_internals) {
    const space: RefSpace = reference.tpe_studies[0]!;
    const history = observed(space, study.trials);
    for (const [name, ref] of Object.entries(study.params)) {
      it(`seed ${study.seed}, ${name} (${ref.distribution.kind}): split, estimators, candidates, scores, choice`, () => {
        const d = toDistribution(ref.distribution);
        const scores = history.map((t) => observationScore(t, 'minimize')!);
        expect(scores.length).toBe(ref.n);
        const split = splitObservations(scores, defaultGamma(ref.n));
        const values = history.map((t) => t.params[name]);
        expect(split.below.filter((i) => values[i] !== undefined)).toEqual(ref.below);
        expect(split.above.filter((i) => values[i] !== undefined)).toEqual(ref.above);

        const sampler = new TpeSampler({ seed: study.seed });
        const decision = sampler.decide(history, name, d)!;
        const pairs: [ParzenEstimator, (typeof ref)['below_estimator']][] = [
          [decision.estimatorBelow, ref.below_estimator],
          [decision.estimatorAbove, ref.above_estimator],
        ];
        for (const [ours, theirs] of pairs) {
          expect(ours.weights.length).toBe(theirs.weights.length);
          for (const [k, w] of ours.weights.entries()) expect(w).toBeCloseTo(theirs.weights[k]!, 14);
          if (theirs.mus) {
            for (const [k, m] of ours.mus.entries()) expect(m).toBeCloseTo(theirs.mus![k]!, 12);
            for (const [k, s] of ours.sigmas.entries()) expect(s).toBeCloseTo(theirs.sigmas![k]!, 12);
          } else {
            for (const [k, row] of ours.categoricalWeights.entries()) {
              for (const [c, p] of row.entries())
                expect(p).toBeCloseTo(theirs.categorical_weights![k]![c]!, 14);
            }
          }
        }
        // The same seed draws the same candidates.
        for (const [k, c] of decision.candidates.entries()) expect(c).toBeCloseTo(ref.candidates[k]!, 9);
        // Scoring Optuna's own candidates gives Optuna's densities and picks Optuna's argmax.
        const logL = decision.estimatorBelow.logPdf(ref.candidates);
        const logG = decision.estimatorAbove.logPdf(ref.candidates);
        for (const [k, l] of logL.entries()) expect(l).toBeCloseTo(ref.log_l[k]!, 9);
        for (const [k, g] of logG.entries()) expect(g).toBeCloseTo(ref.log_g[k]!, 9);
        const ratio = logL.map((l, k) => l - logG[k]!);
        expect(ratio.indexOf(Math.max(...ratio))).toBe(ref.chosen_index);
        expectSameValue(toExternal(d, decision.chosen), toExternal(d, ref.chosen));
      });
    }
  }
});

describe('TpeSampler', () => {
  it('is random (RandomSampler stream) until n_startup_trials trials finished', () => {
    const d = toDistribution({ kind: 'float', low: 0, high: 1, log: false });
    const tpe = new TpeSampler({ seed: 5 });
    const random = new RandomSampler(5);
    expect(tpe.decide([], 'x', d)).toBeNull();
    expect(tpe.sample([], 'x', d)).toBe(random.sample(d));
  });

  it('finds the optimum of a 2-d quadratic better than random search with the same budget', () => {
    const x = toDistribution({ kind: 'float', low: -10, high: 10, log: false });
    const lr = toDistribution({ kind: 'float', low: 1e-5, high: 1, log: true });
    const f = (p: { x: number; lr: number }) => (p.x - 2) ** 2 + (Math.log10(p.lr) + 2.5) ** 2;
    let tpeWins = 0;
    const seeds = [0, 1, 2, 3, 4, 5, 6, 7];
    for (const seed of seeds) {
      const tpe = new TpeSampler({ seed });
      const history: ObservedTrial[] = [];
      for (let i = 0; i < 40; i++) {
        const p = { x: tpe.sampleInternal(history, 'x', x), lr: tpe.sampleInternal(history, 'lr', lr) };
        history.push({ state: 'complete', value: f(p), params: p });
      }
      const random = new RandomSampler(seed);
      let bestRandom = Number.POSITIVE_INFINITY;
      for (let i = 0; i < 40; i++)
        bestRandom = Math.min(bestRandom, f({ x: random.sampleInternal(x), lr: random.sampleInternal(lr) }));
      const bestTpe = Math.min(...history.map((h) => h.value!));
      if (bestTpe < bestRandom) tpeWins++;
    }
    expect(tpeWins).toBeGreaterThanOrEqual(6);
  });

  it('ranks pruned trials after complete ones, the furthest first (Optuna 3.1)', () => {
    const complete = observationScore({ state: 'complete', value: 100, params: {} }, 'minimize')!;
    const far = observationScore({ state: 'pruned', lastStep: 9, lastValue: 0.1, params: {} }, 'minimize')!;
    const near = observationScore({ state: 'pruned', lastStep: 2, lastValue: 0.01, params: {} }, 'minimize')!;
    const silent = observationScore({ state: 'pruned', params: {} }, 'minimize')!;
    const { below, above } = splitObservations([silent, near, far, complete], 2);
    expect(below).toEqual([2, 3]);
    expect(above).toEqual([0, 1]);
  });

  it("keeps its seeded stream portable: RandomState(0) is NumPy's", () => {
    const r = new RandomState(0);
    expect(r.randomSample()).toBe(0.5488135039273248);
    expect(r.randomSample()).toBe(0.7151893663724195);
  });
});
