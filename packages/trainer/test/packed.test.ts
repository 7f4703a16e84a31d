import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  type Checkpoint,
  packKey,
  runPackedTrials,
  type StepRecord,
  selectBackend,
  TrainerError,
  type TrialConfig,
  type TrialHooks,
  type TrialResult,
} from '../src/index.js';
import { PACKED_MATMUL_FLAG } from '../src/workloads/layers.js';
import { mnistTrial, type Recorded, record, recorder, recordPacked } from './helpers.js';

/** Three mnist-mlp trials that differ in everything that may differ; 330 digits: the last batch is 10. */
const mixed = (): TrialConfig[] => {
  const base = { workload: { name: 'mnist-mlp', options: { hidden: 16, trainSize: 330, valSize: 64 } } };
  return [
    mnistTrial({
      ...base,
      seed: 1,
      optimizer: { type: 'SGD', options: { lr: 0.05, momentum: 0.9 } },
      scheduler: { type: 'OneCycleLR', options: { max_lr: 0.1 } },
    }),
    mnistTrial({
      ...base,
      seed: 2,
      scheduler: { type: 'StepLR', options: { step_size: 1, gamma: 0.5 } },
    }),
    mnistTrial({
      ...base,
      seed: 3,
      optimizer: {
        type: 'RMSprop',
        options: { lr: 0.01 },
        param_groups: [{ params: 'classifier', lr: 0.001 }],
      },
    }),
  ];
};

/** Everything a trial reported except its wall time. */
const observable = (run: Recorded) => ({
  ...run,
  result: { ...run.result, durationMs: 0 },
  sinkCalls: 0,
});

const regression = (seed: number, lr: number): TrialConfig => ({
  workload: { name: 'two-layer-regression' },
  training: { epochs: 12, batchSize: 32 },
  optimizer: { type: 'SGD', options: { lr } },
  scheduler: null,
  seed,
});

describe.each(['cpu', 'wasm'] as const)('runPackedTrials on %s', (backend) => {
  it('gives each trial exactly what runTrial gives it: records, checkpoints every step, result', async () => {
    await selectBackend(backend);
    const hooks = { checkpointEvery: 1 };
    const before = tf.memory().numTensors;
    const packed = await recordPacked(mixed().map((config) => ({ config, hooks })));
    expect(tf.memory().numTensors).toBe(before);
    for (const [k, config] of mixed().entries()) {
      const alone = await record(config, hooks);
      expect(packed[k]!.steps).toHaveLength(22);
      expect(observable(packed[k]!)).toEqual(observable(alone));
    }
  });

  it('packs the logistic and two-layer-regression workloads too, each trial as runTrial trains it', async () => {
    await selectBackend(backend);
    const logistic = (seed: number, type: string): TrialConfig => ({
      workload: { name: 'logistic', options: { trainSize: 100, valSize: 50 } },
      training: { epochs: 2, batchSize: 32 },
      optimizer: { type, options: { lr: 0.05 } },
      scheduler: null,
      seed,
    });
    for (const configs of [
      [logistic(0, 'Adam'), logistic(1, 'Adagrad')],
      [regression(0, 1e-4), regression(1, 3e-4)],
    ]) {
      const packed = await recordPacked(configs.map((config) => ({ config, hooks: { checkpointEvery: 4 } })));
      for (const [k, config] of configs.entries()) {
        expect(observable(packed[k]!)).toEqual(observable(await record(config, { checkpointEvery: 4 })));
      }
    }
  });

  it('ends a diverging trial as runTrial does while the others go on', async () => {
    await selectBackend(backend);
    const configs = [regression(0, 1e-4), regression(1, 1), regression(2, 1e-4)];
    const packed = await recordPacked(configs.map((config) => ({ config })));
    const alone = await Promise.all(configs.map((config) => record(config)));
    expect(alone.map((run) => run.result.status)).toEqual(['completed', 'diverged', 'completed']);
    expect(alone[1]!.result.stepsDone).toBeLessThan(12);
    for (const k of [0, 1, 2]) expect(observable(packed[k]!)).toEqual(observable(alone[k]!));
  });

  it('stops an aborted trial at its step with a checkpoint runTrial resumes, while the others go on', async () => {
    await selectBackend(backend);
    const configs = mixed();
    const controller = new AbortController();
    const before = tf.memory().numTensors;
    const packed = await recordPacked(
      configs.map((config, k) => ({
        config,
        hooks: {
          flushEvery: { records: 1, ms: 60_000 },
          ...(k === 1
            ? {
                signal: controller.signal,
                sink: (batch: StepRecord[]) => {
                  if (batch.at(-1)!.step === 7) controller.abort();
                },
              }
            : {}),
        },
      })),
    );
    expect(tf.memory().numTensors).toBe(before);
    const alone = await Promise.all(configs.map((config) => record(config)));
    expect(packed.map((run) => run.result.status)).toEqual(['completed', 'cancelled', 'completed']);
    for (const k of [0, 2]) expect(packed[k]!.steps).toEqual(alone[k]!.steps);
    for (const k of [0, 2]) expect(packed[k]!.epochs).toEqual(alone[k]!.epochs);
    const cancelled = packed[1]!;
    expect(cancelled.result.stepsDone).toBe(7);
    expect(cancelled.steps).toEqual(alone[1]!.steps.slice(0, 7));
    expect(cancelled.checkpoints.map((c) => c.step)).toEqual([7]);
    const resumed = await record(configs[1]!, { resumeFrom: cancelled.checkpoints[0]! });
    expect([...cancelled.steps, ...resumed.steps]).toEqual(alone[1]!.steps);
    expect(resumed.epochs).toEqual(alone[1]!.epochs);
  });

  it('ends a trial alone, with its error, when its optimizer refuses its config or its sink fails', async () => {
    await selectBackend(backend);
    const [a, b, c] = mixed();
    const before = tf.memory().numTensors;
    const refused = { ...a!, optimizer: { type: 'Adam', options: { lr: -1 } } };
    const failing = recorder({
      flushEvery: { records: 1, ms: 60_000 },
      sink: (batch: StepRecord[]) => {
        if (batch.at(-1)!.step === 9) throw new Error('disk full');
      },
    });
    const healthy = recorder();
    const outcomes = await runPackedTrials([
      { config: refused, hooks: recorder().hooks },
      { config: b!, hooks: failing.hooks },
      { config: c!, hooks: healthy.hooks },
    ]);
    expect(tf.memory().numTensors).toBe(before);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
    const reason = (k: number) => (outcomes[k] as PromiseRejectedResult).reason as Error;
    expect(reason(0).message).toBe('Invalid learning rate: -1');
    await expect(record(refused)).rejects.toThrow(reason(0).message);
    expect(reason(1).message).toBe('disk full');
    const done = failing.done(undefined as never);
    expect(done.steps.at(-1)!.step).toBe(9);
    const alone = await record(c!);
    const kept = healthy.done((outcomes[2] as PromiseFulfilledResult<TrialResult>).value);
    expect(observable(kept)).toEqual(observable(alone));
  });

  it('resumes a pack from runTrial checkpoints exactly as the uninterrupted runs continue', async () => {
    await selectBackend(backend);
    const configs = mixed();
    const full = await Promise.all(configs.map((config) => record(config, { checkpointEvery: 5 })));
    const at = 15; // mid-epoch 1: the order RNG, the epoch's losses and OneCycleLR's position all resume
    const packed = await recordPacked(
      configs.map((config, k) => ({
        config,
        hooks: { checkpointEvery: 5, resumeFrom: full[k]!.checkpoints.find((c) => c.step === at)! },
      })),
    );
    for (const [k, run] of packed.entries()) {
      expect(run.steps).toEqual(full[k]!.steps.slice(at));
      expect(run.epochs).toEqual(full[k]!.epochs.filter((e) => e.step > at));
      expect(run.checkpoints).toEqual(full[k]!.checkpoints.filter((c) => c.step > at));
      expect(run.result).toMatchObject({
        status: 'completed',
        stepsDone: 22,
        bestValue: full[k]!.result.bestValue,
      });
    }
  });
});

describe('runPackedTrials', () => {
  it('refuses trials that cannot pack, naming the field, and leaks nothing', async () => {
    await selectBackend('wasm');
    const before = tf.memory().numTensors;
    const [a] = mixed();
    const refused = async (
      other: TrialConfig,
      path: string,
      hooks: Partial<TrialHooks> = {},
      first: TrialConfig = a!,
    ) => {
      const error = await runPackedTrials([
        { config: first, hooks: { sink: () => {} } },
        { config: other, hooks: { sink: () => {}, ...hooks } },
      ]).then(
        () => null,
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(TrainerError);
      expect((error as TrainerError).path).toBe(path);
    };
    await refused({ ...a!, workload: { name: 'logistic' } }, 'workload/name');
    await refused(
      { ...a!, workload: { name: 'mnist-mlp', options: { hidden: 17, trainSize: 330, valSize: 64 } } },
      'workload/options/hidden',
    );
    await refused({ ...a!, training: { epochs: 3, batchSize: 32 } }, 'training/epochs');
    await refused({ ...a!, training: { epochs: 2, batchSize: 16 } }, 'training/batchSize');
    await refused({ ...a!, training: { epochs: 2, batchSize: 32, maxSteps: 5 } }, 'training/maxSteps');
    await refused({ ...a!, optimizer: { type: 'LBFGS', options: { lr: 1 } } }, 'optimizer/type');
    await refused(a!, 'backend', { backend: 'cpu' });
    const { checkpoints } = await record(a!, { checkpointEvery: 3 });
    await refused(a!, 'resumeFrom/step', { resumeFrom: checkpoints[0]! });
    // Options are compared with their defaults filled in: the default hidden width is 200.
    const defaults = mnistTrial({ workload: { name: 'mnist-mlp', options: { trainSize: 64, valSize: 32 } } });
    const explicit = mnistTrial({
      workload: { name: 'mnist-mlp', options: { hidden: 200, trainSize: 64, valSize: 32 } },
    });
    const runs = await recordPacked([{ config: defaults }, { config: explicit }]);
    expect(runs.map((run) => run.result.status)).toEqual(['completed', 'completed']);
    // A workload without a dense network to stack is refused before anything is built.
    const rosenbrock: TrialConfig = {
      workload: { name: 'rosenbrock' },
      training: { epochs: 3, batchSize: 1 },
      optimizer: { type: 'SGD', options: { lr: 1e-3 } },
      scheduler: null,
      seed: 0,
    };
    await refused(rosenbrock, 'workload/name', {}, rosenbrock);
    await expect(runPackedTrials([{ config: rosenbrock, hooks: { sink: () => {} } }])).rejects.toThrow(
      /trial 0's workload.name is rosenbrock, which has no dense network to stack/,
    );
    expect(await runPackedTrials([])).toEqual([]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('keys trials by what they must share: equal keys pack, null runs alone', () => {
    const [a, b, c] = mixed();
    const key = packKey(a!);
    expect(key).not.toBeNull();
    // Seeds, optimizers, param groups and schedulers may differ.
    expect([packKey(b!), packKey(c!)]).toEqual([key, key]);
    // Options compare with their defaults filled in.
    const defaults = mnistTrial({ workload: { name: 'mnist-mlp', options: { trainSize: 64 } } });
    const explicit = mnistTrial({ workload: { name: 'mnist-mlp', options: { hidden: 200, trainSize: 64 } } });
    expect(packKey(defaults)).toBe(packKey(explicit));
    for (const other of [
      { ...a!, workload: { name: 'mnist-mlp', options: { hidden: 17, trainSize: 330, valSize: 64 } } },
      { ...a!, training: { epochs: 3, batchSize: 32 } },
      { ...a!, training: { epochs: 2, batchSize: 32, maxSteps: 5 } },
    ]) {
      expect(packKey(other)).not.toBe(key);
    }
    expect(packKey(a!, { backend: 'cpu' })).not.toBe(key);
    expect(packKey(a!, { resumeFrom: { step: 3 } as Checkpoint })).not.toBe(key);
    expect(packKey(a!, { resumeFrom: { step: 0 } as Checkpoint })).toBe(key);
    expect(packKey({ ...a!, optimizer: { type: 'LBFGS', options: { lr: 1 } } })).toBeNull();
    expect(packKey({ ...a!, workload: { name: 'rosenbrock' } })).toBeNull();
  });

  it('slices packed matmuls on wasm: its batched kernel rounds differently from the 2-D one runTrial uses', async () => {
    // tfjs-backend-wasm runs a 2-D matmul on XNNPACK and a batch of them on slow_batch_matmul, which sums
    // in blocks of 48. Measured on these trials (22 steps): losses first differ at step 2 to 9, by up to
    // 3e-7 relative; parameters by up to 9e-6 absolute. Hence PACKED_MATMUL_FLAG's 'slices' there.
    await selectBackend('wasm');
    const configs = mixed();
    tf.env().set(PACKED_MATMUL_FLAG, 'batched');
    try {
      const batched = await recordPacked(configs.map((config) => ({ config })));
      const alone = await Promise.all(configs.map((config) => record(config)));
      for (const [k, run] of batched.entries()) {
        const losses = run.steps.map((r) => r.loss);
        const exact = alone[k]!.steps.map((r) => r.loss);
        expect(losses).not.toEqual(exact);
        const worst = Math.max(...losses.map((loss, i) => Math.abs(loss - exact[i]!) / exact[i]!));
        expect(worst).toBeLessThan(1e-5);
      }
    } finally {
      tf.env().set(PACKED_MATMUL_FLAG, 'auto');
    }
  });
});
