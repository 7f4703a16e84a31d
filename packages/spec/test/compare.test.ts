import { describe, expect, test } from 'vitest';
import {
  type ComparedTrial,
  computeEffects,
  configKey,
  groupBySeed,
  rankGroups,
  studentTQuantile,
  summarize,
  sweptFactors,
} from '../src/compare/index.js';
import type { TrialConfig } from '../src/trial-config.js';
import { baseSpec, expectValid } from './helpers.js';

const trialsOf = (spec: Record<string, unknown>): TrialConfig[] =>
  expectValid({ ...baseSpec(), ...spec }).trials;

describe("Student's t quantiles", () => {
  // Two-sided 95% critical values t(0.975, df), from any statistics table (e.g. NIST/SEMATECH e-Handbook 1.3.6.7.2).
  const table: Array<[number, number]> = [
    [1, 12.706],
    [2, 4.303],
    [3, 3.182],
    [4, 2.776],
    [5, 2.571],
    [9, 2.262],
    [10, 2.228],
    [20, 2.086],
    [30, 2.042],
    [100, 1.984],
  ];
  test.each(table)('df %i: %f', (df, t) => {
    expect(studentTQuantile(0.975, df)).toBeCloseTo(t, 3);
  });

  test('df 1 is the Cauchy distribution, whose quantile has a closed form; large df tends to the normal', () => {
    for (const p of [0.6, 0.9, 0.975, 0.995]) {
      expect(studentTQuantile(p, 1)).toBeCloseTo(Math.tan(Math.PI * (p - 0.5)), 9);
    }
    // df 2 also has one: t = (2p - 1) / sqrt(2p(1 - p))
    for (const p of [0.7, 0.975]) {
      expect(studentTQuantile(p, 2)).toBeCloseTo((2 * p - 1) / Math.sqrt(2 * p * (1 - p)), 9);
    }
    expect(studentTQuantile(0.975, 1e7)).toBeCloseTo(1.959964, 5);
    expect(studentTQuantile(0.025, 5)).toBeCloseTo(-studentTQuantile(0.975, 5), 12);
  });
});

describe('summaries of replicated values', () => {
  test('mean, sample std (n - 1), min, max and the 95% t-interval', () => {
    const s = summarize([1, 2, 3, 4]);
    const std = Math.sqrt(((1.5 ** 2 + 0.5 ** 2) * 2) / 3);
    expect(s).toMatchObject({ n: 4, mean: 2.5, min: 1, max: 4 });
    expect(s.std).toBeCloseTo(std, 12);
    const half = 3.182446305 * (std / 2);
    expect(s.interval!.low).toBeCloseTo(2.5 - half, 6);
    expect(s.interval!.high).toBeCloseTo(2.5 + half, 6);
  });

  test('one value has no spread and no interval; none has nothing; non-finite values are left out', () => {
    expect(summarize([3])).toEqual({ n: 1, mean: 3, std: null, min: 3, max: 3, interval: null });
    expect(summarize([])).toEqual({ n: 0, mean: null, std: null, min: null, max: null, interval: null });
    expect(summarize([1, Number.NaN, 3]).n).toBe(2);
  });
});

describe('grouping trials that differ only in seed', () => {
  const configs = trialsOf({
    optimizers: [
      { type: 'SGD', lr: [0.01, 0.1] },
      { type: 'Adam', lr: 0.001 },
    ],
    schedulers: [null, { type: 'StepLR', step_size: 1 }],
    seeds: [3, 1, 2],
  });
  // value: a function of the config that a test can recompute, plus the seed as noise
  const value = (c: TrialConfig) =>
    (c.optimizer.type === 'Adam' ? 0.2 : Number(c.optimizer.options['lr'])) +
    (c.scheduler ? 0.05 : 0) +
    c.seed / 100;
  const trials: ComparedTrial[] = configs.map((config, index) => ({
    id: `t${index}`,
    index,
    config,
    status: config.seed === 2 && config.optimizer.type === 'Adam' ? 'running' : 'completed',
    bestValue: value(config),
    finalLoss: value(config) * 2,
  }));

  test('one row per configuration with its seeds, trials, status counts and statistics over completed trials', () => {
    const groups = groupBySeed(trials);
    expect(groups).toHaveLength(6);
    // independent grouping: by optimizer and scheduler text
    const byText = new Map<string, ComparedTrial[]>();
    for (const t of trials) {
      const text = JSON.stringify([t.config.optimizer, t.config.scheduler]);
      byText.set(text, [...(byText.get(text) ?? []), t]);
    }
    for (const group of groups) {
      const members = byText.get(JSON.stringify([group.config.optimizer, group.config.scheduler]))!;
      expect(group.seeds).toEqual([1, 2, 3]);
      expect(group.trialIds).toEqual(
        [...members].sort((a, b) => a.config.seed - b.config.seed).map((t) => t.id),
      );
      expect(group.key).toBe(configKey(members[0]!.config));
      expect(group.config).not.toHaveProperty('seed');
      const done = members.filter((t) => t.status === 'completed');
      expect(group.status.completed).toBe(done.length);
      expect(group.status.running).toBe(members.length - done.length);
      const ys = done.map((t) => t.bestValue!);
      const mean = ys.reduce((a, b) => a + b) / ys.length;
      expect(group.objective.n).toBe(ys.length);
      expect(group.objective.mean).toBeCloseTo(mean, 12);
      expect(group.objective.std).toBeCloseTo(
        Math.sqrt(ys.reduce((s, y) => s + (y - mean) ** 2, 0) / (ys.length - 1)),
        12,
      );
      expect(group.meanFinalLoss).toBeCloseTo(mean * 2, 12);
    }
    // the Adam groups have two completed seeds: 1 and 3 (0.01 apart / sqrt 2 ...), their interval uses df = 1
    const adam = groups.find((g) => g.config.optimizer.type === 'Adam' && g.config.scheduler === null)!;
    expect(adam.objective.n).toBe(2);
    const half = 12.70620474 * ((Math.SQRT2 * 0.01) / Math.SQRT2);
    expect(adam.objective.interval!.high - adam.objective.mean!).toBeCloseTo(half, 6);
  });

  test('ranked by mean in the objective direction, groups without a completed trial last', () => {
    const withPending: ComparedTrial[] = [
      ...trials,
      {
        ...trials[0]!,
        id: 'new',
        index: 99,
        config: { ...trials[0]!.config, optimizer: { type: 'SGD', options: { lr: 9 } } },
        status: 'queued',
        bestValue: null,
      },
    ];
    const groups = groupBySeed(withPending);
    const min = rankGroups(groups, 'min');
    const means = min.map((g) => g.objective.mean);
    expect(means.at(-1)).toBeNull();
    const known = means.slice(0, -1) as number[];
    expect(known).toEqual([...known].sort((a, b) => a - b));
    const max = rankGroups(groups, 'max').map((g) => g.objective.mean);
    expect(max.slice(0, -1)).toEqual([...known].reverse());
    expect(max.at(-1)).toBeNull();
  });
});

describe('swept factors', () => {
  test('readable paths for every setting that varies; options that only some types have and never vary are not factors', () => {
    const configs = trialsOf({
      optimizers: [
        { type: 'SGD', lr: [0.01, 0.1], momentum: 0.9 },
        { type: 'Adam', lr: 0.001, param_groups: [{ params: 'classifier', lr: [0.001, 0.01] }] },
      ],
      schedulers: [null, { type: 'StepLR', step_size: 1, gamma: [0.5, 0.1] }],
      seeds: [0, 1],
    });
    expect(sweptFactors(configs).map((f) => f.name)).toEqual([
      'optimizer.type',
      'optimizer.lr',
      'optimizer.param_groups.classifier.lr',
      'scheduler.type',
      'scheduler.gamma',
      'seed',
    ]);
  });
});

describe('effects', () => {
  // A complete grid whose ANOVA is known by construction: y = a(lr) + b(momentum) + u(lr)·v(momentum) + d(seed),
  // every component zero-mean over its levels (and the interaction zero-mean along each axis), so the
  // components are orthogonal and each variance is the mean of its square.
  const lrs = [0.01, 0.1];
  const momenta = [0, 0.5, 0.9];
  const a = [-1, 1]; // variance 1
  const b = [-1, 0, 1]; // variance 2/3
  const u = [1, -1];
  const v = [1, -2, 1]; // u·v: variance 1 · 2 = 2
  const d = [-0.5, 0.5]; // seed: variance 0.25
  const configs = trialsOf({ optimizers: [{ type: 'SGD', lr: lrs, momentum: momenta }], seeds: [0, 1] });
  const y = (c: TrialConfig) => {
    const i = lrs.indexOf(c.optimizer.options['lr'] as number);
    const j = momenta.indexOf(c.optimizer.options['momentum'] as number);
    return 10 + a[i]! + b[j]! + u[i]! * v[j]! + d[c.seed]!;
  };
  const total = 1 + 2 / 3 + 2 + 0.25;

  test('on a complete grid: exact functional ANOVA shares of main effects and two-way interactions', () => {
    const effects = computeEffects(configs.map((config) => ({ config, value: y(config) })));
    expect(effects.method).toBe('functional-anova');
    expect(effects.n).toBe(12);
    expect(effects.mean).toBeCloseTo(10, 12);
    expect(effects.variance).toBeCloseTo(total, 12);
    const share = (name: string) => effects.factors.find((f) => f.name === name)!.share;
    expect(share('optimizer.lr')).toBeCloseTo(1 / total, 12);
    expect(share('optimizer.momentum')).toBeCloseTo(2 / 3 / total, 12);
    expect(share('seed')).toBeCloseTo(0.25 / total, 12);
    const pair = (x: string, z: string) =>
      effects.interactions.find((p) => p.factors.includes(x) && p.factors.includes(z))!.share;
    expect(pair('optimizer.lr', 'optimizer.momentum')).toBeCloseTo(2 / total, 12);
    expect(pair('optimizer.lr', 'seed')).toBeCloseTo(0, 12);
    expect(effects.residualShare).toBeCloseTo(0, 12);
    // levels: mean objective and n, numbers ascending
    const momentum = effects.factors.find((f) => f.name === 'optimizer.momentum')!;
    expect(momentum.levels.map((l) => [l.value, l.n])).toEqual([
      [0, 4],
      [0.5, 4],
      [0.9, 4],
    ]);
    expect(momentum.levels.map((l) => l.mean)).toEqual(b.map((x) => expect.closeTo(10 + x, 12)));
    // factors largest share first
    expect(effects.factors.map((f) => f.name)).toEqual(['optimizer.lr', 'optimizer.momentum', 'seed']);
  });

  test('a three-way interaction is left in the residual', () => {
    const w = (c: TrialConfig) => {
      const i = lrs.indexOf(c.optimizer.options['lr'] as number);
      const j = momenta.indexOf(c.optimizer.options['momentum'] as number);
      return u[i]! * v[j]! * (c.seed === 0 ? 1 : -1); // variance 2, zero on every margin and pair
    };
    const effects = computeEffects(configs.map((config) => ({ config, value: y(config) + w(config) })));
    expect(effects.method).toBe('functional-anova');
    expect(effects.residualShare).toBeCloseTo(2 / (total + 2), 12);
    const shares =
      effects.factors.reduce((s, f) => s + f.share, 0) +
      effects.interactions.reduce((s, p) => s + p.share, 0);
    expect(shares + effects.residualShare!).toBeCloseTo(1, 12);
  });

  test('an incomplete grid: correlation ratios per factor, say so', () => {
    const partial = configs.slice(1).map((config) => ({ config, value: y(config) }));
    const effects = computeEffects(partial);
    expect(effects.method).toBe('binned-marginal');
    expect(effects.interactions).toEqual([]);
    // η² of lr recomputed by hand
    const ys = partial.map((p) => p.value);
    const mean = ys.reduce((s, x) => s + x) / ys.length;
    const groups = lrs.map((lr) =>
      partial.filter((p) => p.config.optimizer.options['lr'] === lr).map((p) => p.value),
    );
    const between = groups.reduce(
      (s, g) => s + g.length * (g.reduce((t, x) => t + x) / g.length - mean) ** 2,
      0,
    );
    const totalSs = ys.reduce((s, x) => s + (x - mean) ** 2, 0);
    expect(effects.factors.find((f) => f.name === 'optimizer.lr')!.share).toBeCloseTo(between / totalSs, 12);
  });

  test('random-search values are binned into equal-count bins of the numeric range', () => {
    const one = trialsOf({ optimizers: [{ type: 'SGD', lr: 0.1 }] })[0]!;
    const lrsRandom = Array.from({ length: 60 }, (_, i) => 10 ** (-4 + (3 * i) / 59));
    const obs = lrsRandom.map((lr) => ({
      config: { ...one, optimizer: { ...one.optimizer, options: { ...one.optimizer.options, lr } } },
      value: Math.log10(lr),
    }));
    const effects = computeEffects(obs, { maxBins: 6, design: 'search' });
    expect(effects.method).toBe('binned-marginal');
    const lr = effects.factors[0]!;
    expect(lr.name).toBe('optimizer.lr');
    expect(lr.levels).toHaveLength(6);
    expect(lr.levels.map((l) => l.n)).toEqual([10, 10, 10, 10, 10, 10]);
    expect(lr.levels[0]!.low).toBeCloseTo(1e-4, 12);
    expect(lr.levels[5]!.high).toBeCloseTo(0.1, 12);
    // log10(lr) is linear in rank: bins explain all but the within-bin spread
    expect(lr.share).toBeGreaterThan(0.95);
    expect(lr.share).toBeLessThan(1);
  });

  test('nothing completed: no factors, no variance', () => {
    expect(computeEffects([])).toMatchObject({ n: 0, factors: [], variance: null });
  });
});
