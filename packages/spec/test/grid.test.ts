import { describe, expect, test } from 'vitest';
import { configHash } from '../src/canonical-json.js';
import { baseSpec, expectValid, validate } from './helpers.js';

type Spec = Record<string, unknown>;
const withOptimizers = (...optimizers: Spec[]) => ({ ...baseSpec(), optimizers });

describe('grid expansion', () => {
  test('a list sweeps, a scalar is one value; the product is per optimizer entry', () => {
    const { trials } = expectValid(
      withOptimizers(
        { type: 'SGD', lr: [0.01, 0.1], momentum: [0, 0.9], nesterov: false },
        { type: 'Adam', lr: 0.001, amsgrad: [false, true] },
      ),
    );
    expect(
      trials.map((trial) => [
        trial.optimizer.type,
        trial.optimizer.options['lr'],
        trial.optimizer.options['momentum'] ?? trial.optimizer.options['amsgrad'],
      ]),
    ).toEqual([
      ['SGD', 0.01, 0],
      ['SGD', 0.01, 0.9],
      ['SGD', 0.1, 0],
      ['SGD', 0.1, 0.9],
      ['Adam', 0.001, false],
      ['Adam', 0.001, true],
    ]);
  });

  test('betas: a list of numbers is one value, a list of lists sweeps', () => {
    const one = expectValid(withOptimizers({ type: 'Adam', betas: [0.9, 0.99] }));
    expect(one.trials.map((trial) => trial.optimizer.options['betas'])).toEqual([[0.9, 0.99]]);
    const swept = expectValid(
      withOptimizers({
        type: 'Adam',
        betas: [
          [0.9, 0.99],
          [0.95, 0.999],
          [0.5, 0.9],
        ],
      }),
    );
    expect(swept.trials.map((trial) => trial.optimizer.options['betas'])).toEqual([
      [0.9, 0.99],
      [0.95, 0.999],
      [0.5, 0.9],
    ]);
  });

  test('milestones: one list is one value, a list of lists sweeps', () => {
    const one = expectValid({ ...baseSpec(), schedulers: [{ type: 'MultiStepLR', milestones: [1, 2] }] });
    expect(one.trials.map((trial) => trial.scheduler?.options['milestones'])).toEqual([[1, 2]]);
    const swept = expectValid({
      ...baseSpec(),
      schedulers: [{ type: 'MultiStepLR', milestones: [[1], [1, 2]] }],
    });
    expect(swept.trials.map((trial) => trial.scheduler?.options['milestones'])).toEqual([[1], [1, 2]]);
  });

  test('per-group lists: one value per param group, a list of lists sweeps them', () => {
    const spec = {
      ...baseSpec(),
      optimizers: [
        { type: 'SGD', lr: 0.1, momentum: 0.9, param_groups: [{ params: 'classifier', lr: 0.01 }] },
      ],
      schedulers: [
        {
          type: 'OneCycleLR',
          max_lr: [
            [0.5, 0.05],
            [1, 0.1],
          ],
        },
      ],
    };
    const { trials } = expectValid(spec);
    expect(trials.map((trial) => trial.scheduler?.options['max_lr'])).toEqual([
      [0.5, 0.05],
      [1, 0.1],
    ]);
  });

  test('param group options sweep inside the entry product', () => {
    const { trials } = expectValid(
      withOptimizers({
        type: 'Adam',
        lr: [0.001, 0.01],
        param_groups: [{ params: ['classifier'], lr: [0.0001, 0.001], weight_decay: 0.1 }],
      }),
    );
    expect(trials.map((trial) => [trial.optimizer.options['lr'], trial.optimizer.param_groups])).toEqual([
      [0.001, [{ params: ['classifier'], lr: 0.0001, weight_decay: 0.1 }]],
      [0.001, [{ params: ['classifier'], lr: 0.001, weight_decay: 0.1 }]],
      [0.01, [{ params: ['classifier'], lr: 0.0001, weight_decay: 0.1 }]],
      [0.01, [{ params: ['classifier'], lr: 0.001, weight_decay: 0.1 }]],
    ]);
  });

  test('optimizers x schedulers x seeds, seeds varying fastest', () => {
    const { trials } = expectValid({
      ...baseSpec(),
      optimizers: [{ type: 'SGD', lr: [0.1, 0.2] }],
      schedulers: [null, { type: 'StepLR', step_size: 1, gamma: [0.5, 0.1] }],
      seeds: [3, 4],
    });
    expect(trials).toHaveLength(2 * 3 * 2);
    expect(
      trials
        .slice(0, 6)
        .map((trial) => [
          trial.optimizer.options['lr'],
          trial.scheduler?.options['gamma'] ?? null,
          trial.seed,
        ]),
    ).toEqual([
      [0.1, null, 3],
      [0.1, null, 4],
      [0.1, 0.5, 3],
      [0.1, 0.5, 4],
      [0.1, 0.1, 3],
      [0.1, 0.1, 4],
    ]);
  });

  test('trials equal after defaults are filled are merged, keeping the first', () => {
    const { trials } = expectValid({
      ...baseSpec(),
      optimizers: [
        { type: 'SGD', lr: 0.1 },
        { type: 'SGD', lr: [0.1, 0.2], momentum: 0, dampening: 0 },
        { type: 'Adam' },
        { type: 'Adam', lr: 0.001, betas: [0.9, 0.999] },
      ],
      schedulers: [
        null,
        null,
        { type: 'StepLR', step_size: 1 },
        { type: 'StepLR', step_size: 1, gamma: 0.1 },
      ],
      seeds: [0, 0, 1],
    });
    // 3 distinct optimizers x 2 distinct schedulers x 2 distinct seeds
    expect(trials).toHaveLength(12);
    const hashes = trials.map(configHash);
    expect(new Set(hashes).size).toBe(12);
    expect(trials[0]!.optimizer.options['lr']).toBe(0.1);
  });

  test('defaults: seeds [0], constant lr, one epoch of batches of 64, val_loss min, a name', () => {
    const { trials, spec } = expectValid({ workload: 'mnist-mlp', optimizers: [{ type: 'Adam' }] });
    expect(trials).toHaveLength(1);
    expect(trials[0]).toEqual({
      workload: { name: 'mnist-mlp', options: { hidden: 200, trainSize: 8000, valSize: 2000 } },
      training: { epochs: 1, batchSize: 64 },
      optimizer: {
        type: 'Adam',
        options: {
          lr: 0.001,
          betas: [0.9, 0.999],
          eps: 1e-8,
          weight_decay: 0,
          amsgrad: false,
          maximize: false,
        },
      },
      scheduler: null,
      seed: 0,
    });
    expect(spec).toMatchObject({
      name: 'mnist-mlp: Adam',
      objective: { metric: 'val_loss', mode: 'min' },
      seeds: [0],
      schedulers: [null],
    });
  });

  test('the pruner is off by default and takes Optuna MedianPruner defaults', () => {
    expect(expectValid(baseSpec()).spec.pruner).toBeNull();
    expect(expectValid({ ...baseSpec(), pruner: null }).spec.pruner).toBeNull();
    expect(
      expectValid({ ...baseSpec(), pruner: { type: 'MedianPruner', n_warmup_steps: 2 } }).spec.pruner,
    ).toEqual({
      type: 'MedianPruner',
      n_startup_trials: 5,
      n_warmup_steps: 2,
      interval_steps: 1,
    });
  });

  test('the objective defaults to train_loss without a validation set, mode from the metric', () => {
    expect(
      expectValid({ workload: 'two-layer-regression', optimizers: [{ type: 'Adam' }] }).spec.objective,
    ).toEqual({
      metric: 'train_loss',
      mode: 'min',
    });
    expect(expectValid({ ...baseSpec(), objective: { metric: 'val_accuracy' } }).spec.objective).toEqual({
      metric: 'val_accuracy',
      mode: 'max',
    });
  });

  test('scheduler intervals: epoch, except OneCycleLR and CyclicLR', () => {
    const { trials } = expectValid({
      ...baseSpec(),
      optimizers: [{ type: 'SGD', lr: 0.1, momentum: 0.9 }],
      schedulers: [
        { type: 'StepLR', step_size: 1 },
        { type: 'CyclicLR', base_lr: 0.01, max_lr: 0.1 },
        { type: 'OneCycleLR', max_lr: 0.1 },
        { type: 'ExponentialLR', gamma: 0.9, interval: 'step' },
      ],
    });
    expect(trials.map((trial) => [trial.scheduler?.type, trial.scheduler?.interval])).toEqual([
      ['StepLR', 'epoch'],
      ['CyclicLR', 'step'],
      ['OneCycleLR', 'step'],
      ['ExponentialLR', 'step'],
    ]);
  });

  test('OneCycleLR total_steps = epochs x batches per epoch (the last partial batch counts), capped by maxSteps', () => {
    const total = (training: Spec) =>
      expectValid({
        ...baseSpec(),
        workload: { name: 'mnist-mlp', options: { trainSize: 650 } },
        training,
        schedulers: [{ type: 'OneCycleLR', max_lr: 0.1 }],
      }).trials[0]!.scheduler!.options['total_steps'];
    expect(total({ epochs: 3, batchSize: 64 })).toBe(3 * 11);
    expect(total({ epochs: 3, batchSize: 64, maxSteps: 20 })).toBe(20);
    const given = expectValid({
      ...baseSpec(),
      schedulers: [{ type: 'OneCycleLR', max_lr: 0.1, total_steps: 100 }],
    });
    expect(given.trials[0]!.scheduler!.options['total_steps']).toBe(100);
  });

  test('ReduceLROnPlateau monitors the objective and takes its mode', () => {
    const { trials } = expectValid({
      ...baseSpec(),
      schedulers: [{ type: 'ReduceLROnPlateau', patience: [1, 2] }],
      objective: { metric: 'val_accuracy', mode: 'max' },
    });
    for (const trial of trials) {
      expect(trial.scheduler).toMatchObject({
        monitor: 'val_accuracy',
        interval: 'epoch',
        options: { mode: 'max' },
      });
    }
    const perStep = expectValid({
      workload: 'two-layer-regression',
      optimizers: [{ type: 'SGD', lr: 0.1 }],
      schedulers: [{ type: 'ReduceLROnPlateau', interval: 'step' }],
    });
    expect(perStep.trials[0]!.scheduler).toMatchObject({ monitor: 'train_loss', interval: 'step' });
  });

  test('the default param group comes first: per-group lists count it only when it is not empty', () => {
    const perGroup = (paramGroups: Spec[], maxLr: number[]) =>
      validate({
        ...baseSpec(),
        optimizers: [{ type: 'SGD', lr: 0.1, momentum: 0.9, param_groups: paramGroups }],
        schedulers: [{ type: 'OneCycleLR', max_lr: maxLr }],
      }).ok;
    expect(perGroup([{ params: 'classifier' }], [0.1, 0.2])).toBe(true);
    expect(perGroup([{ params: 'classifier' }], [0.1, 0.2, 0.3])).toBe(false);
    expect(perGroup([{ params: 'classifier' }, { params: 'base' }], [0.1, 0.2])).toBe(true);
    expect(perGroup([{ params: ['classifier', 'base'] }], [0.1])).toBe(true);
  });
});

function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([key, item]) => [key, reverseKeys(item)]),
  );
}

describe('configHash', () => {
  test('equal configs give equal hashes whatever the key order; different configs differ', () => {
    const { trials } = expectValid(withOptimizers({ type: 'SGD', lr: [0.1, 0.2] }));
    const [first, second] = trials as [(typeof trials)[0], (typeof trials)[0]];
    const reordered = reverseKeys(first) as typeof first;
    expect(configHash(reordered)).toBe(configHash(first));
    expect(configHash(structuredClone(first))).toBe(configHash(first));
    expect(configHash(second)).not.toBe(configHash(first));
    expect(configHash(first)).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('the trial limit', () => {
  const grid = (lrs: number, momenta: number) => ({
    ...baseSpec(),
    optimizers: [
      {
        type: 'SGD',
        lr: Array.from({ length: lrs }, (_, index) => (index + 1) / 1000),
        momentum: Array.from({ length: momenta }, (_, index) => index / 1000),
      },
    ],
  });

  test('a grid of exactly 10,000 trials is accepted', () => {
    expect(expectValid(grid(100, 100)).trials).toHaveLength(10_000);
  });

  test('one more is refused with the count', () => {
    const result = validate(grid(100, 100), 9_999);
    expect(result).toEqual({
      ok: false,
      errors: [{ path: '', message: 'the grid has 10,000 trials; the limit is 9,999' }],
    });
  });

  test('an astronomically large grid is counted, not built', () => {
    const ten = Array.from({ length: 10 }, (_, index) => index / 10);
    const result = validate({
      ...baseSpec(),
      optimizers: [
        {
          type: 'SGD',
          lr: [0.1, 0.2],
          momentum: ten,
          dampening: ten,
          weight_decay: ten,
          param_groups: [{ params: 'classifier', lr: ten, momentum: ten, dampening: ten, weight_decay: ten }],
        },
      ],
      schedulers: [{ type: 'StepLR', step_size: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], gamma: ten }],
      seeds: Array.from({ length: 1000 }, (_, index) => index),
    });
    expect(result).toEqual({
      ok: false,
      errors: [{ path: '', message: 'the grid has 2,000,000,000,000 trials; the limit is 10,000' }],
    });
  });

  test('duplicate values count before they are merged', () => {
    const result = validate({ ...baseSpec(), seeds: [0, 0, 0] }, 2);
    expect(result.ok).toBe(false);
  });
});
