import type { TrialSummary } from '@hypersweep/client';
import { describe, expect, it } from 'vitest';
import { toCsv, trialRows } from '../src/commands/export.js';
import { flattenConfig, groupBySeed, sweptColumns } from '../src/config-columns.js';
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
      'scheduler.step_size': 2,
      'scheduler.gamma': 0.5,
      'scheduler.interval': 'epoch',
      seed: 3,
    });
  });

  it('keeps as swept only options with two values among the trials that have them', () => {
    const rows = [config(sgd(0.1), 0), config(sgd(0.01), 0), config(adam, 1)].map(flattenConfig);
    // momentum is 0 wherever it exists and betas exists once: neither is swept
    expect(sweptColumns(rows)).toEqual(['optimizer', 'lr', 'seed']);
  });

  it('groups trials that differ only by seed, best mean first, ignoring trials without a value', () => {
    const trials = [
      trial(0, config(sgd(0.1), 0), 4),
      trial(1, config(sgd(0.1), 1), 2),
      trial(2, config(sgd(0.01), 0), 1),
      trial(3, config(sgd(0.01), 1), null),
    ];
    const { columns, groups } = groupBySeed(trials, 'min');
    expect(columns).toEqual(['lr']);
    expect(groups.map((g) => [g.config.lr, g.mean, g.best, g.trials.length])).toEqual([
      [0.01, 1, 1, 2],
      [0.1, 3, 2, 2],
    ]);
    expect(groups[1]!.std).toBeCloseTo(Math.SQRT2, 12);
    expect(groups[0]!.std).toBeNull();
    expect(groupBySeed(trials, 'max').groups[0]!.config.lr).toBe(0.1);
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
