import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import {
  type ComparedTrial,
  computeEffects,
  configKey,
  furthestPruned,
  groupBySeed,
  rankGroups,
  studentTQuantile,
  summarize,
  sweptFactors,
} from '../src/compare/index.js';
import type { TrialConfig } from '../src/trial-config.js';

const withoutSeedOf = ({ seed: _seed, ...rest }: TrialConfig) => rest;

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

  test('pruned trials are listed apart with where they stopped; all-pruned groups rank after the rest, furthest first', () => {
    // SGD lr 0.01: seed 1 pruned after 2 epochs at 0.5; SGD lr 0.1: every seed pruned (after 1, 3, 3
    // epochs at 0.4, 0.9, 0.7); Adam with a scheduler: every seed pruned after 2 epochs at 0.3
    const pruned = new Map<string, [number, number]>([
      ['SGD 0.01 none 1', [2, 0.5]],
      ['SGD 0.1 none 1', [1, 0.4]],
      ['SGD 0.1 none 2', [3, 0.9]],
      ['SGD 0.1 none 3', [3, 0.7]],
      ['Adam 0.001 StepLR 1', [2, 0.3]],
      ['Adam 0.001 StepLR 2', [2, 0.3]],
      ['Adam 0.001 StepLR 3', [2, 0.3]],
    ]);
    const keyOf = (c: TrialConfig) =>
      `${c.optimizer.type} ${c.optimizer.options['lr']} ${c.scheduler?.type ?? 'none'} ${c.seed}`;
    const withPruned: ComparedTrial[] = trials.map((t) => {
      const p = pruned.get(keyOf(t.config));
      return p ? { ...t, status: 'pruned', bestValue: p[1], epochsDone: p[0] } : t;
    });
    const ranked = rankGroups(groupBySeed(withPruned), 'min');
    const label = (g: (typeof ranked)[number]) =>
      `${g.config.optimizer.type} ${g.config.optimizer.options['lr']} ${g.config.scheduler?.type ?? 'none'}`;
    // completed means: SGD 0.01 (0.01 + 0.02, 0.01 + 0.03) / 2 = 0.035 (seed 1 pruned); SGD 0.01 StepLR
    // 0.05 + 0.01 + 0.02 = 0.08; SGD 0.1 StepLR 0.1 + 0.05 + 0.02 = 0.17; Adam none 0.2 + 0.02 = 0.22
    // (seeds 1 and 3; seed 2 runs); then SGD 0.1 none (furthest: 3 epochs) before Adam StepLR (2 epochs)
    expect(ranked.map(label)).toEqual([
      'SGD 0.01 none',
      'SGD 0.01 StepLR',
      'SGD 0.1 StepLR',
      'Adam 0.001 none',
      'SGD 0.1 none',
      'Adam 0.001 StepLR',
    ]);
    expect(ranked[0]!.objective).toMatchObject({ n: 2 });
    expect(ranked[0]!.objective.mean).toBeCloseTo(0.035, 12);
    expect(ranked[0]!.pruned).toEqual({
      n: 1,
      trials: [{ trialId: ranked[0]!.trialIds[0], seed: 1, epochs: 2, value: 0.5 }],
    });
    const sgd = ranked[4]!;
    expect(sgd.objective.n).toBe(0);
    expect(sgd.status).toMatchObject({ pruned: 3, completed: 0 });
    expect(sgd.pruned.trials.map((t) => [t.seed, t.epochs, t.value])).toEqual([
      [1, 1, 0.4],
      [2, 3, 0.9],
      [3, 3, 0.7],
    ]);
    // furthest first, then the better value: seed 3 (3 epochs, 0.7); maximising, seed 2 (3 epochs, 0.9)
    expect(furthestPruned(sgd.pruned, 'min')).toMatchObject({ seed: 3, epochs: 3, value: 0.7 });
    expect(furthestPruned(sgd.pruned, 'max')).toMatchObject({ seed: 2, epochs: 3, value: 0.9 });
    expect(furthestPruned(ranked[1]!.pruned, 'min')).toBeNull();
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
  const spec = { optimizers: [{ type: 'SGD', lr: lrs, momentum: momenta }], seeds: [0, 1] };
  const configs = trialsOf(spec);
  const y = (c: TrialConfig) => {
    const i = lrs.indexOf(c.optimizer.options['lr'] as number);
    const j = momenta.indexOf(c.optimizer.options['momentum'] as number);
    return 10 + a[i]! + b[j]! + u[i]! * v[j]! + d[c.seed]!;
  };
  const total = 1 + 2 / 3 + 2 + 0.25;

  test("the same with the caller's configuration keys, and a key that differs is a configuration apart", () => {
    const plain = computeEffects(
      configs.map((config) => ({ config, value: y(config) })),
      spec,
    );
    const keyed = configs.map((config) => ({
      config,
      value: y(config),
      key: JSON.stringify(withoutSeedOf(config)),
    }));
    expect(computeEffects(keyed, spec)).toEqual(plain);
    // keys are what groups the replicates: one config keyed apart is a cell of its own, so not a full grid
    const split = keyed.map((o, i) => (i === 0 ? { ...o, key: 'apart' } : o));
    expect(computeEffects(split, spec).method).toBe('binned-marginal');
  });

  test('on a complete grid: exact functional ANOVA shares of main effects and two-way interactions', () => {
    const effects = computeEffects(
      configs.map((config) => ({ config, value: y(config) })),
      spec,
    );
    expect(effects.method).toBe('functional-anova');
    expect(effects.n).toBe(12);
    expect(effects.mean).toBeCloseTo(10, 12);
    expect(effects.variance).toBeCloseTo(total, 12);
    const share = (name: string) => effects.factors.find((f) => f.name === name)!.share;
    expect(share('optimizer.lr')).toBeCloseTo(1 / total, 12);
    expect(share('optimizer.momentum')).toBeCloseTo(2 / 3 / total, 12);
    const pair = (x: string, z: string) =>
      effects.interactions.find((p) => p.factors.includes(x) && p.factors.includes(z))!.share;
    expect(pair('optimizer.lr', 'optimizer.momentum')).toBeCloseTo(2 / total, 12);
    // seeds are replicates, not a factor: their variance is the residual (replicate noise)
    expect(effects.residualShare).toBeCloseTo(0.25 / total, 12);
    expect(effects.factors.every((f) => f.within === null && f.n === 12)).toBe(true);
    // levels: mean objective and n, numbers ascending
    const momentum = effects.factors.find((f) => f.name === 'optimizer.momentum')!;
    expect(momentum.levels.map((l) => [l.value, l.n])).toEqual([
      [0, 4],
      [0.5, 4],
      [0.9, 4],
    ]);
    expect(momentum.levels.map((l) => l.mean)).toEqual(b.map((x) => expect.closeTo(10 + x, 12)));
    // factors largest share first
    expect(effects.factors.map((f) => f.name)).toEqual(['optimizer.lr', 'optimizer.momentum']);
  });

  test('an interaction with the seed is replicate noise, left in the residual', () => {
    const w = (c: TrialConfig) => {
      const i = lrs.indexOf(c.optimizer.options['lr'] as number);
      const j = momenta.indexOf(c.optimizer.options['momentum'] as number);
      return u[i]! * v[j]! * (c.seed === 0 ? 1 : -1); // variance 2, zero on every margin and pair
    };
    const effects = computeEffects(
      configs.map((config) => ({ config, value: y(config) + w(config) })),
      spec,
    );
    expect(effects.method).toBe('functional-anova');
    expect(effects.residualShare).toBeCloseTo((0.25 + 2) / (total + 2), 12);
    const shares =
      effects.factors.reduce((s, f) => s + f.share, 0) +
      effects.interactions.reduce((s, p) => s + p.share, 0);
    expect(shares + effects.residualShare!).toBeCloseTo(1, 12);
  });

  test('an incomplete grid: correlation ratios per factor, say so', () => {
    const partial = configs.slice(1).map((config) => ({ config, value: y(config) }));
    const effects = computeEffects(partial, spec);
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
    const searchSpec = { optimizers: [{ type: 'SGD', lr: { loguniform: [1e-4, 0.1] } }] };
    const effects = computeEffects(obs, searchSpec, { maxBins: 6, design: 'search' });
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

  test('pruned trials are counted per factor and level, never observations; a level only they reached has no mean', () => {
    // completed: SGD lr 0.01 x momentum 0, 0.5, 0.9 (seed 0); pruned: the seed-1 trials of lr 0.01 and
    // every trial of lr 0.1 (6 + 3 = 9)
    const completed = configs.filter((c) => c.seed === 0 && c.optimizer.options['lr'] === 0.01);
    const pruned = configs.filter((c) => !completed.includes(c));
    const effects = computeEffects(
      completed.map((config) => ({ config, value: y(config) })),
      spec,
      { pruned, trialCount: configs.length },
    );
    expect(effects).toMatchObject({ method: 'binned-marginal', n: 3, pruned: 9 });
    const lr = effects.factors.find((f) => f.name === 'optimizer.lr')!;
    expect(lr).toMatchObject({ n: 3, pruned: 9, share: 0 });
    expect(lr.levels).toEqual([
      { label: '0.01', value: 0.01, n: 3, mean: expect.any(Number), pruned: 3 },
      { label: '0.1', value: 0.1, n: 0, mean: null, pruned: 6 },
    ]);
    // y at lr 0.01, seed 0: 10 + a (-1) + b + u (1) v + d (-0.5) = 8.5 + (b + v): momentum 0: b + v =
    // -1 + 1 = 0, so 8.5; 0.5: 0 - 2, so 6.5; 0.9: 1 + 1, so 10.5; mean 25.5 / 3 = 8.5
    expect(lr.levels[0]!.mean).toBeCloseTo(8.5, 12);
    const momentum = effects.factors.find((f) => f.name === 'optimizer.momentum')!;
    expect(momentum.levels.map((l) => [l.label, l.n, l.pruned])).toEqual([
      ['0', 1, 3],
      ['0.5', 1, 3],
      ['0.9', 1, 3],
    ]);
    // ss between momenta over 8.5, 6.5, 10.5 is all of it: every level holds one value
    expect(momentum.share).toBeCloseTo(1, 12);
  });

  test('a binned factor counts a pruned value in the bin that holds it, else the nearest bin', () => {
    const one = trialsOf({ optimizers: [{ type: 'SGD', lr: 0.1 }] })[0]!;
    const withLr = (lr: number) => ({
      ...one,
      optimizer: { ...one.optimizer, options: { ...one.optimizer.options, lr } },
    });
    // 12 completed lrs 0.01 ... 0.12 in 6 bins of two: [0.01, 0.02], [0.03, 0.04], ..., [0.11, 0.12]
    const obs = Array.from({ length: 12 }, (_, i) => ({ config: withLr((i + 1) / 100), value: i }));
    // 0.001 below the first bin: the first; 0.021 between the first two, nearer the first; 0.035 in the
    // second; 0.5 above the last: the last
    const pruned = [0.001, 0.021, 0.035, 0.5].map(withLr);
    const searchSpec = { optimizers: [{ type: 'SGD', lr: { loguniform: [1e-4, 1] } }] };
    const effects = computeEffects(obs, searchSpec, { maxBins: 6, design: 'search', pruned });
    const lr = effects.factors[0]!;
    expect(lr.levels.map((l) => [l.label, l.n, l.pruned])).toEqual([
      ['0.01–0.02', 2, 2],
      ['0.03–0.04', 2, 1],
      ['0.05–0.06', 2, 0],
      ['0.07–0.08', 2, 0],
      ['0.09–0.1', 2, 0],
      ['0.11–0.12', 2, 1],
    ]);
    expect(lr.pruned).toBe(4);
  });

  test('nothing completed: no factors, no variance', () => {
    expect(computeEffects([], spec)).toMatchObject({ n: 0, factors: [], variance: null });
  });

  describe('the factors are what the spec sweeps, nested where they apply', () => {
    // The README's example grid: SGD lr × momentum, Adam amsgrad × classifier lr (lr 0.001 fixed),
    // schedulers none and StepLR gamma 0.5 / 0.1, seeds 0 and 1: 8 optimizer × 3 scheduler configs × 2 = 48.
    const readme = {
      optimizers: [
        { type: 'SGD', lr: [0.01, 0.1], momentum: [0, 0.9] },
        {
          type: 'Adam',
          lr: 0.001,
          amsgrad: [false, true],
          param_groups: [{ params: 'classifier', lr: [0.0001, 0.001] }],
        },
      ],
      schedulers: [null, { type: 'StepLR', step_size: 1, gamma: [0.5, 0.1] }],
      seeds: [0, 1],
    };
    const trials = trialsOf(readme);
    const opt = (c: TrialConfig) => c.optimizer.options;
    const classifierLr = (c: TrialConfig) => c.optimizer.param_groups?.[0]?.['lr'];
    // Every component is zero-mean within the trials it applies to, so they are orthogonal and the
    // variance of a set of trials is the sum of the variances of the components that vary there:
    //   type: SGD +1, Adam -1 (24 trials each)                     variance 1 over all
    //   SGD lr: 0.01 +0.5, 0.1 -0.5; momentum: no effect           variance 0.25 within SGD
    //   Adam classifier lr: 1e-4 +1, 1e-3 -1; amsgrad: no effect   variance 1 within Adam
    //   scheduler none +0.4 (16 trials), StepLR -0.2 (32 trials)   variance (16·0.16 + 32·0.04)/48 = 0.08
    //   StepLR gamma: 0.5 +0.3, 0.1 -0.3                           variance 0.09 within StepLR, 0.06 over all
    //   seed: 0 -0.1, 1 +0.1                                       variance 0.01 everywhere
    const y = (c: TrialConfig) =>
      10 +
      (c.optimizer.type === 'SGD'
        ? 1 + (opt(c)['lr'] === 0.01 ? 0.5 : -0.5)
        : -1 + (classifierLr(c) === 0.0001 ? 1 : -1)) +
      (c.scheduler === null ? 0.4 : -0.2 + (c.scheduler.options['gamma'] === 0.5 ? 0.3 : -0.3)) +
      (c.seed === 0 ? -0.1 : 0.1);
    // all trials: 1 + 0.25/2 (SGD's half) + 1/2 (Adam's half) + 0.08 + 0.06 + 0.01 = 1.775
    // SGD's trials: 0.25 + 0.08 + 0.06 + 0.01 = 0.40; Adam's: 1 + 0.08 + 0.06 + 0.01 = 1.15
    // StepLR's trials: 1 + 0.125 + 0.5 + 0.09 + 0.01 = 1.725
    const total = 1.775;

    test("the README's grid is complete: exact shares, each within the trials it applies to", () => {
      expect(trials).toHaveLength(48);
      const effects = computeEffects(
        trials.map((config) => ({ config, value: y(config) })),
        readme,
      );
      expect(effects.method).toBe('functional-anova');
      expect(effects.variance).toBeCloseTo(total, 12);
      const byName = new Map(effects.factors.map((f) => [f.name, f]));
      // seeds, Adam's fixed lr, and the options whose defaults merely differ (eps, betas, ...) are no factors
      expect([...byName.keys()].sort()).toEqual(
        [
          'optimizer.type',
          'optimizer.lr',
          'optimizer.momentum',
          'optimizer.amsgrad',
          'optimizer.param_groups.classifier.lr',
          'scheduler.type',
          'scheduler.gamma',
        ].sort(),
      );
      const expected: Array<[string, number, string | null, number]> = [
        ['optimizer.type', 1 / total, null, 48],
        ['optimizer.lr', 0.25 / 0.4, 'SGD', 24],
        ['optimizer.momentum', 0, 'SGD', 24],
        ['optimizer.amsgrad', 0, 'Adam', 24],
        ['optimizer.param_groups.classifier.lr', 1 / 1.15, 'Adam', 24],
        ['scheduler.type', 0.08 / total, null, 48],
        ['scheduler.gamma', 0.09 / 1.725, 'StepLR', 32],
      ];
      for (const [name, share, within, n] of expected) {
        const f = byName.get(name)!;
        expect(f.share, name).toBeCloseTo(share, 12);
        expect(f.within?.label ?? null, name).toBe(within);
        expect(f.n, name).toBe(n);
        // never a level for "does not apply"
        expect(
          f.levels.reduce((s, l) => s + l.n, 0),
          name,
        ).toBe(n);
      }
      expect(byName.get('optimizer.amsgrad')!.within).toEqual({
        part: 'optimizer',
        type: 'Adam',
        entries: [1],
        wholeType: true,
        label: 'Adam',
      });
      expect(byName.get('optimizer.amsgrad')!.levels.map((l) => l.label)).toEqual(['false', 'true']);
      // no interactions built in: every nested pair is ~0 (lr within SGD × scheduler.type, ...)
      expect(effects.interactions.length).toBeGreaterThan(0);
      for (const p of effects.interactions) expect(p.share, p.factors.join(' × ')).toBeCloseTo(0, 12);
      expect(
        effects.interactions.find(
          (p) => p.factors.includes('optimizer.lr') && p.factors.includes('scheduler.type'),
        )!.within?.label,
      ).toBe('SGD');
      // the residual is the seeds' noise
      expect(effects.residualShare).toBeCloseTo(0.01 / total, 12);
    });

    test('one hole makes it incomplete: per-scope correlation ratios instead', () => {
      const effects = computeEffects(
        trials.slice(1).map((config) => ({ config, value: y(config) })),
        readme,
      );
      expect(effects.method).toBe('binned-marginal');
      expect(effects.interactions).toEqual([]);
      expect(effects.factors.find((f) => f.name === 'optimizer.amsgrad')!.n).toBe(24);
    });

    test('a level whose seeds all failed leaves no hole among the others, but the grid is incomplete', () => {
      const spec = { optimizers: [{ type: 'SGD', lr: [0.01, 0.1], momentum: [0, 0.9] }], seeds: [0, 1] };
      const done = trialsOf(spec).filter((c) => opt(c)['lr'] === 0.01);
      const observations = done.map((config) => ({
        config,
        value: config.seed + (opt(config)['momentum'] as number),
      }));
      // what is left (momentum at lr 0.01) is complete on its own, not as the sweep's 8 trials
      expect(computeEffects(observations, spec).method).toBe('functional-anova');
      expect(computeEffects(observations, spec, { trialCount: 8 }).method).toBe('binned-marginal');
    });

    test('an option one entry sweeps is analysed within that entry; one that differs between entries, within the type', () => {
      const spec = {
        optimizers: [
          { type: 'SGD', lr: [0.1, 0.01] },
          { type: 'SGD', lr: 0.05, momentum: 0.9 },
        ],
      };
      const configs = trialsOf(spec);
      const value = (c: TrialConfig) => ({ 0.1: 1, 0.01: 3, 0.05: 8 })[opt(c)['lr'] as 0.1 | 0.01 | 0.05];
      const effects = computeEffects(
        configs.map((config) => ({ config, value: value(config) })),
        spec,
      );
      // momentum 0 for lr 0.1 and 0.01, 0.9 for 0.05 only: not a grid
      expect(effects.method).toBe('binned-marginal');
      const lr = effects.factors.find((f) => f.name === 'optimizer.lr')!;
      // within /optimizers/0 only: values 1 and 3, each its own level: η² = 1
      expect(lr.within).toEqual({
        part: 'optimizer',
        type: 'SGD',
        entries: [0],
        wholeType: false,
        label: 'SGD /optimizers/0',
      });
      expect(lr.n).toBe(2);
      expect(lr.share).toBeCloseTo(1, 12);
      expect(lr.levels.map((l) => l.value)).toEqual([0.01, 0.1]);
      // momentum over all three trials: levels 0 (mean 2, n 2) and 0.9 (8, n 1), grand mean 4;
      // between 2·(2-4)² + (8-4)² = 24, total (1-4)² + (3-4)² + (8-4)² = 26: 12/13
      const momentum = effects.factors.find((f) => f.name === 'optimizer.momentum')!;
      expect(momentum.within).toBeNull();
      expect(momentum.share).toBeCloseTo(12 / 13, 12);
    });

    test('on the optimizers-mnist example only the type, momentum, nesterov and amsgrad are factors', () => {
      const spec = JSON.parse(
        readFileSync(new URL('../../../examples/optimizers-mnist.json', import.meta.url), 'utf8'),
      ) as Record<string, unknown>;
      const configs = trialsOf(spec);
      // SGD without momentum 0.5, with momentum (Nesterov or not) 0.3, Adam 0.6456 / 0.6457 with amsgrad,
      // the rest 0.6; seeds 0, 1, 2 add -0.001, 0, +0.001
      const value = (c: TrialConfig) =>
        (c.optimizer.type === 'SGD'
          ? opt(c)['momentum'] === 0
            ? 0.5
            : 0.3
          : c.optimizer.type === 'Adam'
            ? opt(c)['amsgrad']
              ? 0.6457
              : 0.6456
            : 0.6) +
        (c.seed - 1) * 0.001;
      const effects = computeEffects(
        configs.map((config) => ({ config, value: value(config) })),
        spec,
      );
      expect(effects.method).toBe('binned-marginal');
      expect(effects.factors.map((f) => `${f.name} ${f.within?.label ?? 'all'}`).sort()).toEqual([
        'optimizer.amsgrad Adam',
        'optimizer.momentum SGD',
        'optimizer.nesterov SGD',
        'optimizer.type all',
      ]);
      // amsgrad within Adam's 6 trials: level means 0.6456 and 0.6457, 3 trials each, grand mean 0.64565:
      // between 6·0.00005² = 1.5e-8; within (seeds) 2·(0.001² + 0 + 0.001²) = 4e-6
      const amsgrad = effects.factors.find((f) => f.name === 'optimizer.amsgrad')!;
      expect(amsgrad.share).toBeCloseTo(1.5e-8 / (1.5e-8 + 4e-6), 9);
      expect(amsgrad.levels.map((l) => [l.label, l.n])).toEqual([
        ['false', 3],
        ['true', 3],
      ]);
    });
  });
});
