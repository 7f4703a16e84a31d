import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Parameter } from '../src/autograd/parameter.js';
import { useBackend } from '../src/backend.js';
import { OptimError } from '../src/errors.js';
import { createOptimizer } from '../src/optimizers/create-optimizer.js';
import { referenceDir } from '../src/parity/reference-dir.js';
import { previewSchedule, type SchedulePreviewInput } from '../src/preview.js';
import { createScheduler } from '../src/schedulers/create-scheduler.js';

beforeAll(() => useBackend('cpu'));

const GOLDENS = join(referenceDir(), 'schedulers');
const files = existsSync(GOLDENS) ? readdirSync(GOLDENS).filter((file) => file.endsWith('.json')) : [];

function expectClose(got: number[][] | undefined, want: number[][], rtol: number): void {
  expect(got).toBeDefined();
  expect(got!.length).toBe(want.length);
  want.forEach((row, step) => {
    row.forEach((value, group) => {
      const actual = got![step]![group]!;
      expect(
        Math.abs(actual - value),
        `step ${step}, group ${group}: got ${actual}, want ${value}`,
      ).toBeLessThanOrEqual(rtol * Math.abs(value));
    });
  });
}

describe('previewSchedule reproduces the PyTorch reference rows', () => {
  it('finds the reference cases', () => expect(files.length).toBeGreaterThanOrEqual(24));

  it.each(files)('%s', (file) => {
    const golden = JSON.parse(readFileSync(join(GOLDENS, file), 'utf8'));
    const preview = previewSchedule({
      optimizer: { ...golden.optimizer, group_lrs: golden.group_lrs },
      scheduler: golden.scheduler,
      steps: golden.epochs,
      metrics: golden.metrics ?? undefined,
    });
    const rows = golden.rows as Array<{ lrs: number[]; momentum?: number[]; beta1?: number[] }>;
    expectClose(
      preview.lrs,
      rows.map((row) => row.lrs),
      1e-12,
    );
    const options = golden.scheduler.options;
    const cycles =
      ['CyclicLR', 'OneCycleLR'].includes(golden.scheduler.type) && options.cycle_momentum !== false;
    const series = rows[0]!.beta1 !== undefined ? 'beta1' : 'momentum';
    if (cycles)
      expectClose(
        preview[series],
        rows.map((row) => row[series]!),
        1e-12,
      );
    else expect(preview).toEqual({ lrs: preview.lrs });
  });
});

describe('previewSchedule equals what a real optimizer sees', () => {
  const cases: Array<[string, SchedulePreviewInput]> = [
    [
      'StepLR over two SGD groups',
      {
        optimizer: { type: 'SGD', options: { lr: 0.1 }, group_lrs: [0.1, 0.02] },
        scheduler: { type: 'StepLR', options: { step_size: 3, gamma: 0.5 } },
        steps: 12,
      },
    ],
    [
      'LambdaLR per group',
      {
        optimizer: { type: 'SGD', options: { lr: 0.1 }, group_lrs: [0.1, 0.05] },
        scheduler: { type: 'LambdaLR', options: { lr_lambda: ['min(1, (epoch + 1) / 4)', '0.9 ** epoch'] } },
        steps: 10,
      },
    ],
    [
      'SequentialLR warmup then cosine',
      {
        optimizer: { type: 'SGD', options: { lr: 0.2 } },
        scheduler: {
          type: 'SequentialLR',
          options: {
            schedulers: [
              { type: 'LinearLR', options: { start_factor: 0.1, total_iters: 3 } },
              { type: 'CosineAnnealingLR', options: { T_max: 9 } },
            ],
            milestones: [3],
          },
        },
        steps: 12,
      },
    ],
    [
      'ReduceLROnPlateau on a stalled metric',
      {
        optimizer: { type: 'SGD', options: { lr: 0.1 } },
        scheduler: { type: 'ReduceLROnPlateau', options: { patience: 1, factor: 0.5 } },
        steps: 10,
        metrics: [1, 0.9, 0.9, 0.9, 0.9, 0.9, 0.8, 0.8, 0.8, 0.8],
      },
    ],
    [
      'OneCycleLR cycling SGD momentum',
      {
        optimizer: { type: 'SGD', options: { lr: 0.1, momentum: 0.9 } },
        scheduler: { type: 'OneCycleLR', options: { max_lr: 0.5, total_steps: 10 } },
        steps: 10,
      },
    ],
    [
      'CyclicLR cycling Adam beta1',
      {
        optimizer: { type: 'Adam', options: { lr: 0.001 } },
        scheduler: { type: 'CyclicLR', options: { base_lr: 0.001, max_lr: 0.01, step_size_up: 2 } },
        steps: 10,
      },
    ],
    ['no scheduler', { optimizer: { type: 'Adagrad', options: { lr: 0.05 } }, scheduler: null, steps: 4 }],
  ];

  it.each(cases)('%s', (_name, input) => {
    const tensorsBefore = tf.memory().numTensors;
    const preview = previewSchedule(input);
    const groupLrs = input.optimizer.group_lrs ?? [input.optimizer.options!['lr'] as number];
    const params = groupLrs.map((_lr, index) => new Parameter(`p${index}`, [0]));
    const optimizer = createOptimizer(params, {
      type: input.optimizer.type,
      options: { ...input.optimizer.options, lr: groupLrs[0] },
      param_groups: groupLrs.slice(1).map((lr, index) => ({ params: [`p${index + 1}`], lr })),
    });
    const scheduler = input.scheduler === null ? null : createScheduler(optimizer, input.scheduler);
    const plainSgd = input.optimizer.type === 'SGD' && !input.optimizer.options?.['momentum'];
    for (let step = 0; step < input.steps; step += 1) {
      const groups = optimizer.paramGroups;
      expect(groups.map((group) => group.lr)).toEqual(preview.lrs[step]);
      if (preview.momentum) expect(groups.map((group) => group['momentum'])).toEqual(preview.momentum[step]);
      if (preview.beta1)
        expect(groups.map((group) => (group['betas'] as number[])[0])).toEqual(preview.beta1[step]);
      if (plainSgd) {
        // The update of plain SGD with a unit gradient is -lr (in float32): the lr the optimizer really used.
        for (const param of params) {
          tf.tidy(() => param.variable.assign(tf.zeros([1])));
          param.grad = tf.ones([1]);
        }
        optimizer.step();
        params.forEach((param, group) => {
          const update = -(param.variable.dataSync()[0] as number);
          expect(update).toBe(Math.fround(preview.lrs[step]![group]!));
        });
        optimizer.zeroGrad();
      }
      scheduler?.step(input.metrics?.[step]);
    }
    for (const param of params) param.variable.dispose();
    optimizer.dispose();
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });
});

describe('previewSchedule input errors', () => {
  const valid: SchedulePreviewInput = {
    optimizer: { type: 'SGD', options: { lr: 0.1 } },
    scheduler: { type: 'StepLR', options: { step_size: 2 } },
    steps: 5,
  };
  it.each([
    ['steps', { ...valid, steps: 0 }, /steps must be an integer from 1 to 100000/],
    ['steps', { ...valid, steps: 1.5 }, /steps must be an integer/],
    [
      'scheduler/options/gamma',
      { ...valid, scheduler: { type: 'StepLR', options: { step_size: 2, gamma: 'x' } } },
      /Invalid gamma/,
    ],
    ['scheduler/type', { ...valid, scheduler: { type: 'StepLr' } }, /Unknown scheduler type 'StepLr'/],
    [
      'scheduler/options/lr_lambda',
      { ...valid, scheduler: { type: 'LambdaLR', options: { lr_lambda: 'epoch +' } } },
      /position 7/,
    ],
    [
      'scheduler/options/total_steps',
      { ...valid, steps: 7, scheduler: { type: 'OneCycleLR', options: { max_lr: 1, total_steps: 5 } } },
      /Tried to step 7 times. The specified number of total steps is 5/,
    ],
    [
      'scheduler/options/lr_lambda',
      { ...valid, scheduler: { type: 'LambdaLR', options: { lr_lambda: '1 / (epoch - 3)' } } },
      /at position 2: division by zero \(for epoch = 3\)/,
    ],
    [
      'metrics/1',
      { ...valid, scheduler: { type: 'ReduceLROnPlateau' }, metrics: [1, '2', 3, 4] },
      /metrics\[1\] must be a number, got "2"/,
    ],
    [
      'optimizer/options/lr',
      { ...valid, optimizer: { type: 'SGD', options: { lr: -1 } } },
      /Invalid learning rate/,
    ],
    [
      'metrics',
      { ...valid, scheduler: { type: 'ReduceLROnPlateau' } },
      /ReduceLROnPlateau needs a metric for every step but the last: 4 values, got 0/,
    ],
  ] as const)('%s', (path, input, message) => {
    let caught: unknown;
    try {
      previewSchedule(input as SchedulePreviewInput);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(OptimError);
    expect((caught as OptimError).message).toMatch(message);
    expect((caught as OptimError).path).toBe(path);
  });
});
