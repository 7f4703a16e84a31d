import type { ConfigSummary, TrialSummary } from '@hypersweep/client';
import { describe, expect, it } from 'vitest';
import { toCsv, trialRows } from '../src/commands/export.js';
import { configColumns, flattenConfig, sweptColumns } from '../src/config-columns.js';
import { sparkline } from '../src/sparkline.js';

const config = (optimizer: Record<string, unknown>, seed: number, scheduler: unknown = null) => ({
  workload: { name: 'rosenbrock', options: { x0: -1.5, y0: 2 } },
  training: { epochs: 10, batchSize: 1 },
  optimizer,
  scheduler,
  seed,
});

const trial = (index: number, cfg: Record<string, unknown>, bestValue: number | null) =>
  ({
    id: `t${index}`,
    sweepId: 's',
    index,
    status: bestValue === null ? 'failed' : 'completed',
    config: cfg,
    bestValue,
    bestStep: bestValue === null ? null : 10,
    finalLoss: bestValue,
    stepsDone: 10,
    attempts: 1,
    durationMs: 5,
    backend: 'wasm',
    workerId: 'w',
    startedAt: null,
    finishedAt: null,
    error: bestValue === null ? 'diverged, "nan"' : null,
  }) as TrialSummary;

const sgd = (lr: number) => ({ type: 'SGD', options: { lr, momentum: 0, nesterov: false } });
const adam = { type: 'Adam', options: { lr: 0.001, betas: [0.9, 0.999] } };

describe('config columns', () => {
  it('flattens a config: optimizer options by torch name, the rest prefixed by where they live', () => {
    const flat = flattenConfig(
      config({ ...sgd(0.1), param_groups: [{ params: 'classifier', lr: 0.01 }] }, 3, {
        type: 'StepLR',
        options: { step_size: 2, gamma: 0.5 },
        interval: 'epoch',
      }),
    );
    expect(flat).toEqual({
      workload: 'rosenbrock',
      'workload.x0': -1.5,
      'workload.y0': 2,
      'training.epochs': 10,
      'training.batchSize': 1,
      optimizer: 'SGD',
      lr: 0.1,
      momentum: 0,
      nesterov: false,
      'group1.params': 'classifier',
      'group1.lr': 0.01,
      scheduler: 'StepLR',
      'StepLR.step_size': 2,
      'StepLR.gamma': 0.5,
      'scheduler.interval': 'epoch',
      seed: 3,
    });
  });

  it("names scheduler options by the scheduler: CyclicLR's mode is not ReduceLROnPlateau's", () => {
    const cyclic = config(sgd(0.1), 0, {
      type: 'CyclicLR',
      options: { base_lr: 0.01, max_lr: 0.1, mode: 'triangular' },
    });
    const plateau = config(sgd(0.1), 0, { type: 'ReduceLROnPlateau', options: { mode: 'min', factor: 0.1 } });
    const rows = [cyclic, plateau].map(flattenConfig);
    expect(rows[0]).toMatchObject({ 'CyclicLR.mode': 'triangular' });
    expect(rows[1]).toMatchObject({ 'ReduceLROnPlateau.mode': 'min' });
    expect(sweptColumns(rows)).toEqual(['scheduler']);
  });

  it('flattens a model workload as /effects names its factors: model.<layer>.<argument>, loss.<argument>', () => {
    const model = (width: number) => ({
      workload: {
        name: 'model',
        options: {
          dataset: { id: 'd1', sha256: 'x', format: 'csv', target: ['label'] },
          model: [
            { type: 'Linear', name: 'hidden', in_features: 64, out_features: width, bias: true },
            { type: 'ReLU' },
            { type: 'Linear', in_features: width, out_features: 10, bias: true },
          ],
          loss: { type: 'CrossEntropyLoss', label_smoothing: 0.1 },
        },
      },
      training: { epochs: 1, batchSize: 32 },
      optimizer: { type: 'Adam', options: { lr: 0.01 } },
      scheduler: null,
      seed: 0,
    });
    const rows = [model(16), model(64)].map(flattenConfig);
    expect(rows[0]).toMatchObject({
      workload: 'model',
      dataset: 'd1',
      'model.hidden.out_features': 16,
      'model.2.in_features': 16,
      'loss.label_smoothing': 0.1,
    });
    expect(sweptColumns(rows)).toEqual(['model.hidden.out_features', 'model.2.in_features']);
  });

  it('keeps as swept only options with two values among the trials that have them', () => {
    const rows = [config(sgd(0.1), 0), config(sgd(0.01), 0), config(adam, 1)].map(flattenConfig);
    // momentum is 0 wherever it exists and betas exists once: neither is swept
    expect(sweptColumns(rows)).toEqual(['optimizer', 'lr', 'seed']);
  });

  it("flattens the API's config rows: the options the configs vary, the best in the objective's direction", () => {
    const { seed: _0, ...small } = config(sgd(0.01), 0);
    const { seed: _1, ...large } = config(sgd(0.1), 0);
    const row = (cfg: Record<string, unknown>, values: number[]) =>
      ({
        rank: 1,
        key: JSON.stringify(cfg),
        config: cfg,
        seeds: [0, 1],
        trialIds: ['a', 'b'],
        n: values.length,
        mean: values.reduce((x, y) => x + y, 0) / values.length,
        std: null,
        min: Math.min(...values),
        max: Math.max(...values),
        interval: null,
        meanFinalLoss: null,
        status: { queued: 0, running: 0, completed: values.length, failed: 0, cancelled: 0, pruned: 0 },
      }) as ConfigSummary;
    const rows = [row(small, [1]), row(large, [4, 2])];
    const { columns, groups } = configColumns(rows, 'min');
    expect(columns).toEqual(['lr']);
    expect(groups.map((g) => [g.config, g.best, g.row])).toEqual([
      [{ lr: 0.01 }, 1, rows[0]],
      [{ lr: 0.1 }, 2, rows[1]],
    ]);
    expect(configColumns(rows, 'max').groups.map((g) => g.best)).toEqual([1, 4]);
  });
});

describe('export rows', () => {
  it('makes one CSV row per trial with the swept options as columns, quoting where RFC 4180 says', () => {
    const trials = [trial(0, config(sgd(0.1), 0), 0.5), trial(1, config(adam, 0), null)];
    const { columns, rows } = trialRows(trials);
    expect(columns).toEqual([
      'trial_id',
      'index',
      'status',
      'optimizer',
      'lr',
      'best_value',
      'best_step',
      'final_loss',
      'steps_done',
      'duration_ms',
      'backend',
      'error',
    ]);
    expect(toCsv(columns, rows).split('\n')).toEqual([
      columns.join(','),
      't0,0,completed,SGD,0.1,0.5,10,0.5,10,5,wasm,',
      't1,1,failed,Adam,0.001,,,,10,5,wasm,"diverged, ""nan"""',
      '',
    ]);
    // A trial's error a spreadsheet would run as a formula is written as text; numbers stay numbers.
    expect(toCsv(['error', 'value'], [{ error: '=HYPERLINK("x")', value: -0.5 }])).toBe(
      'error,value\n"\'=HYPERLINK(""x"")",-0.5\n',
    );
  });
});

describe('sparkline', () => {
  it('scales between min and max and averages steps into the width', () => {
    expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7], 8)).toBe('▁▂▃▄▅▆▇█');
    expect(sparkline([0, 0, 7, 7], 2)).toBe('▁█');
    expect(sparkline([3, 3, 3], 10)).toBe('▄▄▄');
    expect(sparkline([], 10)).toBe('');
  });
});
