import { optimizerTypes } from '@hypersweep/optim';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Checkpoint, runTrial, selectBackend, TrainerError, type TrialConfig } from '../src/index.js';
import { mnistTrial, record } from './helpers.js';

beforeAll(async () => {
  await selectBackend('wasm');
});

const rosenbrock = (overrides: Partial<TrialConfig> = {}): TrialConfig => ({
  workload: { name: 'rosenbrock' },
  training: { epochs: 30, batchSize: 1 },
  optimizer: { type: 'SGD', options: { lr: 1e-3 } },
  scheduler: null,
  seed: 0,
  ...overrides,
});

/** The final parameters, read from a checkpoint taken at the trial's last step. */
function finalParams(checkpoints: Checkpoint[], step: number) {
  return checkpoints.find((c) => c.step === step)!.params;
}

describe('runTrial', () => {
  it('trains epochs x batches, numbering steps from 1, with validation each epoch and batched sink calls', async () => {
    const run = await record(mnistTrial());
    expect(run.result).toMatchObject({ status: 'completed', stepsDone: 20, epochsDone: 2, backend: 'wasm' });
    expect(run.steps.map((r) => r.step)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(run.steps.map((r) => r.epoch)).toEqual([...Array(10).fill(0), ...Array(10).fill(1)]);
    expect(run.sinkCalls).toBe(3); // 8 + 8 + the last 4, never one call per step
    expect(run.steps.every((r) => r.lr === 0.01 && r.lrs.length === 1)).toBe(true);
    expect(run.epochs.map((e) => e.step)).toEqual([10, 20]);
    const [first, second] = run.epochs;
    expect(second!.trainLoss).toBeLessThan(first!.trainLoss);
    expect(second!.valLoss).toBeLessThan(first!.valLoss!);
    expect(second!.valAccuracy).toBeGreaterThan(0.3);
    expect(first!.trainLoss).toBeCloseTo(run.steps.slice(0, 10).reduce((s, r) => s + r.loss, 0) / 10, 12);
    expect(run.result.finalLoss).toBe(run.steps[19]!.loss);
    // Default objective: val_loss, min.
    const best = Math.min(first!.valLoss!, second!.valLoss!);
    expect(run.result).toMatchObject({ bestValue: best, bestStep: best === first!.valLoss ? 10 : 20 });
  });

  it('is deterministic: the same config and seed give the same records bit for bit; another seed does not', async () => {
    const config = mnistTrial({ scheduler: { type: 'StepLR', options: { step_size: 1, gamma: 0.5 } } });
    const hooks = { checkpointEvery: 20 };
    const a = await record(config, hooks);
    const b = await record(config, hooks);
    expect(b.steps).toEqual(a.steps);
    expect(b.epochs).toEqual(a.epochs);
    expect(finalParams(b.checkpoints, 20)).toEqual(finalParams(a.checkpoints, 20));
    const other = await record({ ...config, seed: 2 });
    expect(other.steps.map((r) => r.loss)).not.toEqual(a.steps.map((r) => r.loss));
  });

  it('draws a new batch order every epoch (with lr 0 the weights stay, so only the batches change the loss)', async () => {
    const run = await record(
      mnistTrial({ training: { epochs: 3, batchSize: 32 }, optimizer: { type: 'SGD', options: { lr: 0 } } }),
    );
    const lossesOf = (epoch: number) => run.steps.filter((r) => r.epoch === epoch).map((r) => r.loss);
    expect(lossesOf(1)).not.toEqual(lossesOf(0));
    expect(lossesOf(2)).not.toEqual(lossesOf(1));
    // Every epoch still sees every example once: the mean over the whole training set is the same.
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    expect(mean(lossesOf(1))).toBeCloseTo(mean(lossesOf(0)), 5);
  });

  it.each([
    [
      'Adam + StepLR, mid-epoch',
      mnistTrial({ scheduler: { type: 'StepLR', options: { step_size: 1, gamma: 0.5 } } }),
      5,
    ],
    [
      'SGD momentum + OneCycleLR per step, at an epoch boundary',
      mnistTrial({
        optimizer: { type: 'SGD', options: { lr: 0.05, momentum: 0.9 } },
        scheduler: { type: 'OneCycleLR', options: { max_lr: 0.1 } },
      }),
      10,
    ],
    [
      'RMSprop + ReduceLROnPlateau',
      mnistTrial({
        training: { epochs: 3, batchSize: 32 },
        optimizer: { type: 'RMSprop', options: { lr: 0.01 } },
        scheduler: { type: 'ReduceLROnPlateau', options: { mode: 'max', patience: 0, factor: 0.5 } },
      }),
      15,
    ],
  ])(
    'resumes from a checkpoint exactly as the uninterrupted run continues (%s)',
    async (_name, config, at) => {
      const full = await record(config, { checkpointEvery: 5 });
      const total = full.result.stepsDone;
      const checkpoint = full.checkpoints.find((c) => c.step === at)!;
      expect(full.checkpoints.map((c) => c.step).at(-1)).toBe(total);
      const resumed = await record(config, { checkpointEvery: 5, resumeFrom: checkpoint });
      expect(resumed.steps).toEqual(full.steps.slice(at));
      expect(resumed.epochs).toEqual(full.epochs.filter((e) => e.step > at));
      expect(finalParams(resumed.checkpoints, total)).toEqual(finalParams(full.checkpoints, total));
      expect(resumed.result).toMatchObject({
        status: 'completed',
        stepsDone: total,
        bestValue: full.result.bestValue,
        bestStep: full.result.bestStep,
        finalLoss: full.result.finalLoss,
      });
    },
  );

  it('ends as diverged at the first non-finite loss and keeps every record up to it', async () => {
    const run = await record(rosenbrock({ optimizer: { type: 'SGD', options: { lr: 1 } } }));
    expect(run.result.status).toBe('diverged');
    const last = run.steps.at(-1)!;
    expect(Number.isFinite(last.loss)).toBe(false);
    expect(run.steps.slice(0, -1).every((r) => Number.isFinite(r.loss))).toBe(true);
    expect(run.steps.map((r) => r.step)).toEqual(Array.from({ length: last.step }, (_, i) => i + 1));
    expect(run.result.stepsDone).toBe(last.step);
    expect(run.result.stepsDone).toBeLessThan(30);
  });

  it('stops within one step of an abort and checkpoints there, so a resumed run continues exactly', async () => {
    const controller = new AbortController();
    const config = mnistTrial();
    const cancelled = await record(config, {
      signal: controller.signal,
      flushEvery: { records: 1, ms: 60_000 },
      sink: (batch) => {
        if (batch.at(-1)!.step === 7) controller.abort();
      },
    });
    expect(cancelled.result).toMatchObject({ status: 'cancelled', stepsDone: 7 });
    expect(cancelled.steps.map((r) => r.step)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(cancelled.checkpoints.map((c) => c.step)).toEqual([7]);
    const resumed = await record(config, { resumeFrom: cancelled.checkpoints[0]! });
    const full = await record(config);
    expect([...cancelled.steps, ...resumed.steps]).toEqual(full.steps);
    expect(resumed.epochs).toEqual(full.epochs);
  });

  it('notices an abort from a timer while training (the loop yields between steps)', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const run = await record(rosenbrock({ training: { epochs: 1_000_000, batchSize: 1 } }), {
      signal: controller.signal,
    });
    expect(run.result.status).toBe('cancelled');
    expect(run.steps.length).toBe(run.result.stepsDone);
    expect(run.result.stepsDone).toBeLessThan(1_000_000);
  });

  it('leaks no tensors over a whole trial', async () => {
    const before = tf.memory().numTensors;
    const during: number[] = [];
    await record(
      mnistTrial({
        training: { epochs: 4, batchSize: 32 },
        scheduler: { type: 'CosineAnnealingLR', options: { T_max: 4 } },
      }),
      { checkpointEvery: 7, onEpoch: () => void during.push(tf.memory().numTensors) },
    );
    expect(new Set(during).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
    await record(
      rosenbrock({ optimizer: { type: 'LBFGS', options: { lr: 1, line_search_fn: 'strong_wolfe' } } }),
    );
    expect(tf.memory().numTensors).toBe(before);
    // A trial that fails after its workload was built frees it too.
    const invalid = mnistTrial({ optimizer: { type: 'Adam', options: { lr: -1 } } });
    await expect(runTrial(invalid, { sink: () => {} })).rejects.toThrow(/Invalid learning rate/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it.each([...optimizerTypes])('trains mnist-mlp with %s without leaking tensors', async (type) => {
    const before = tf.memory().numTensors;
    const run = await record(
      mnistTrial({
        training: { epochs: 1, batchSize: 32, maxSteps: 3 },
        optimizer: { type, options: { lr: 0.01 } },
      }),
    );
    expect(run.result.status).toBe('completed');
    expect(run.steps.map((r) => r.lr)).toEqual([0.01, 0.01, 0.01]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('runs LBFGS with a closure and records the first loss of each step, as torch returns it', async () => {
    const run = await record(
      rosenbrock({
        training: { epochs: 15, batchSize: 1 },
        optimizer: { type: 'LBFGS', options: { lr: 1, line_search_fn: 'strong_wolfe' } },
      }),
    );
    expect(run.steps[0]!.loss).toBeCloseTo(12.5, 4);
    expect(run.result.finalLoss).toBeLessThan(1e-3);
  });

  it('translates workload parameter groups into optimizer param groups', async () => {
    const run = await record(
      mnistTrial({
        training: { epochs: 1, batchSize: 32, maxSteps: 2 },
        optimizer: {
          type: 'SGD',
          options: { lr: 0.1, momentum: 0.9 },
          param_groups: [{ params: 'classifier', lr: 0.001 }],
        },
      }),
    );
    expect(run.steps[0]!.lrs).toEqual([0.1, 0.001]); // default group (base) first, as createOptimizer orders them
    const both = mnistTrial({
      optimizer: {
        type: 'SGD',
        options: { lr: 0.1 },
        param_groups: [{ params: ['base', 'classifier'], lr: 0.5 }],
      },
      training: { epochs: 1, batchSize: 32, maxSteps: 1 },
    });
    expect((await record(both)).steps[0]!.lrs).toEqual([0.5]);
    const unknown = mnistTrial({
      optimizer: { type: 'SGD', options: { lr: 0.1 }, param_groups: [{ params: 'head', lr: 1 }] },
    });
    await expect(runTrial(unknown, { sink: () => {} })).rejects.toThrow(/unknown parameter group "head"/);
  });

  it('steps epoch schedulers once per epoch and OneCycleLR / CyclicLR once per step', async () => {
    const stepLr = await record(
      mnistTrial({
        training: { epochs: 3, batchSize: 32 },
        scheduler: { type: 'StepLR', options: { step_size: 1, gamma: 0.5 } },
      }),
    );
    expect(stepLr.steps.map((r) => r.lr)).toEqual([
      ...Array(10).fill(0.01),
      ...Array(10).fill(0.005),
      ...Array(10).fill(0.0025),
    ]);
    expect(stepLr.epochs.map((e) => e.lr)).toEqual([0.01, 0.005, 0.0025]);

    // OneCycleLR's total_steps is derived from the trial: 20 steps, from max_lr / 25 up and back down.
    const oneCycle = await record(
      mnistTrial({
        optimizer: { type: 'SGD', options: { lr: 0.1, momentum: 0.9 } },
        scheduler: { type: 'OneCycleLR', options: { max_lr: 0.1 } },
      }),
    );
    const lrs = oneCycle.steps.map((r) => r.lr);
    expect(lrs[0]).toBeCloseTo(0.1 / 25, 12);
    expect(Math.max(...lrs)).toBeCloseTo(0.1, 2);
    expect(lrs[19]).toBeLessThan(lrs[0]!);

    const cyclic = await record(
      mnistTrial({
        training: { epochs: 1, batchSize: 32 },
        optimizer: { type: 'SGD', options: { lr: 0.1 } },
        scheduler: {
          type: 'CyclicLR',
          options: { base_lr: 0.01, max_lr: 0.1, step_size_up: 5, cycle_momentum: false },
        },
      }),
    );
    expect(cyclic.steps.map((r) => r.lr)[5]).toBeCloseTo(0.1, 12);
  });

  it('gives ReduceLROnPlateau the monitored epoch metric', async () => {
    // mode 'max' on a falling val_loss: no improvement after epoch 0, patience 0 -> halve after epoch 1.
    const run = await record(
      mnistTrial({
        training: { epochs: 3, batchSize: 32 },
        scheduler: { type: 'ReduceLROnPlateau', options: { mode: 'max', patience: 0, factor: 0.5 } },
      }),
    );
    expect(run.epochs[1]!.valLoss).toBeLessThan(run.epochs[0]!.valLoss!);
    expect(run.epochs.map((e) => e.lr)).toEqual([0.01, 0.01, 0.005]);
    const withoutValidation = rosenbrock({
      scheduler: { type: 'ReduceLROnPlateau', options: {}, monitor: 'val_loss' },
    });
    await expect(runTrial(withoutValidation, { sink: () => {} })).rejects.toThrow(/no validation set/);
  });

  it('stops at maxSteps, closing the cut-short epoch with an epoch record', async () => {
    const run = await record(mnistTrial({ training: { epochs: 5, batchSize: 32, maxSteps: 13 } }));
    expect(run.result).toMatchObject({ status: 'completed', stepsDone: 13, epochsDone: 2 });
    expect(run.epochs.map((e) => [e.epoch, e.step])).toEqual([
      [0, 10],
      [1, 13],
    ]);
  });

  it('tracks the requested objective', async () => {
    const run = await record(mnistTrial({ training: { epochs: 3, batchSize: 32 } }), {
      objective: { metric: 'val_accuracy', mode: 'max' },
    });
    const best = Math.max(...run.epochs.map((e) => e.valAccuracy!));
    expect(run.result.bestValue).toBe(best);
    expect(run.result.bestStep).toBe(run.epochs.find((e) => e.valAccuracy === best)!.step);
    await expect(
      runTrial(rosenbrock(), { sink: () => {}, objective: { metric: 'val_loss', mode: 'min' } }),
    ).rejects.toThrow(TrainerError);
  });

  it('trains the regression and logistic workloads', async () => {
    const regression = await record({
      workload: { name: 'two-layer-regression' },
      training: { epochs: 30, batchSize: 64 },
      optimizer: { type: 'SGD', options: { lr: 1e-4 } },
      scheduler: null,
      seed: 0,
    });
    expect(regression.steps).toHaveLength(30);
    expect(regression.result.finalLoss).toBeLessThan(regression.steps[0]!.loss / 2);
    const logistic = await record({
      workload: { name: 'logistic', options: { trainSize: 256, valSize: 256 } },
      training: { epochs: 3, batchSize: 32 },
      optimizer: { type: 'Adam', options: { lr: 0.05 } },
      scheduler: null,
      seed: 0,
    });
    expect(logistic.epochs.at(-1)!.valAccuracy).toBeGreaterThan(0.75);
  });

  it('rejects invalid training settings and checkpoints of another trial', async () => {
    await expect(
      runTrial(mnistTrial({ training: { epochs: 0, batchSize: 32 } }), { sink: () => {} }),
    ).rejects.toThrow(/training.epochs must be a positive integer/);
    const { checkpoints } = await record(
      mnistTrial({ training: { epochs: 1, batchSize: 32, maxSteps: 2 } }),
      {
        checkpointEvery: 2,
      },
    );
    await expect(
      runTrial(mnistTrial({ seed: 9 }), { sink: () => {}, resumeFrom: checkpoints[0]! }),
    ).rejects.toThrow(/another trial/);
  });
});
