import { validateSweepSpec } from '@hypersweep/spec';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  packKey,
  runPackedTrials,
  selectBackend,
  TrainerError,
  type TrialConfig,
  workloadInfos,
} from '../src/index.js';
import { type Recorded, record, recordPacked } from './helpers.js';

/** The trials a spec with a model on the built-in mnist makes (as POST /v1/sweeps makes them). */
function trials(model: unknown[], spec: Record<string, unknown>): TrialConfig[] {
  const result = validateSweepSpec(
    {
      workload: {
        dataset: { id: 'mnist', target: 'label', val: 0.2 },
        model,
        loss: { type: 'CrossEntropyLoss', label_smoothing: 0.1 },
      },
      // 40 of the epoch's 160 steps (8,000 training digits, batch 50).
      training: { epochs: 1, batchSize: 50, maxSteps: 40 },
      ...spec,
    },
    { workloads: workloadInfos() },
  );
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.trials;
}

/** Pools, Flatten, Linear and activations: a model whose every layer packs. */
const DENSE = [
  { type: 'MaxPool2d', kernel_size: 2 },
  { type: 'Flatten' },
  { type: 'Linear', out_features: 16, name: 'hidden' },
  { type: 'GELU' },
  { type: 'Linear', out_features: 10, name: 'classifier' },
];

/** Three trials of DENSE that differ in what may differ: seed, optimizer, param groups, scheduler. */
const mixed = () =>
  trials(DENSE, {
    optimizers: [
      { type: 'SGD', lr: 0.05, momentum: 0.9 },
      { type: 'Adam', lr: 0.003, param_groups: [{ params: 'classifier', lr: 0.001 }] },
    ],
    schedulers: [{ type: 'StepLR', step_size: 1, gamma: 0.5 }],
    seeds: [1, 2],
  }).slice(0, 3);

const observable = (run: Recorded) => ({ ...run, result: { ...run.result, durationMs: 0 }, sinkCalls: 0 });

describe.each(['cpu', 'wasm'] as const)('model trials packed on %s', (backend) => {
  it('give each trial exactly what it gets alone: every step, the validation, checkpoints', async () => {
    await selectBackend(backend);
    const configs = mixed();
    expect(new Set(configs.map((config) => packKey(config))).size).toBe(1);
    const hooks = { checkpointEvery: 10 };
    await record(configs[0]!, hooks); // kernels' first use may keep constants of their own
    const before = tf.memory().numTensors;
    const packed = await recordPacked(configs.map((config) => ({ config, hooks })));
    expect(tf.memory().numTensors).toBe(before);
    for (const [k, config] of configs.entries()) {
      const alone = await record(config, hooks);
      expect(packed[k]!.steps).toHaveLength(40);
      expect(observable(packed[k]!)).toEqual(observable(alone));
    }
  });
});

describe('which model trials pack', () => {
  it('those of one model, dataset and training; a layer that does not pack keeps its trials alone', async () => {
    await selectBackend('wasm');
    const [dense] = mixed();
    const wider = trials(
      DENSE.map((l) => (l.name === 'hidden' ? { ...l, out_features: 32 } : l)),
      {
        optimizers: [{ type: 'SGD', lr: 0.05 }],
      },
    )[0]!;
    expect(packKey(wider)).not.toBe(packKey(dense!));
    const conv = trials(
      [{ type: 'Conv2d', out_channels: 4, kernel_size: 3 }, { type: 'Flatten' }, DENSE[4]],
      {
        optimizers: [{ type: 'SGD', lr: 0.05 }],
      },
    )[0]!;
    expect(packKey(conv)).toBeNull();
    const error = await runPackedTrials([
      { config: conv, hooks: { sink: () => {} } },
      { config: conv, hooks: { sink: () => {} } },
    ]).then(
      () => null,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(TrainerError);
    expect((error as TrainerError).path).toBe('workload/options/model');
    expect((error as TrainerError).message).toContain('layer 0 is Conv2d');
  });
});
