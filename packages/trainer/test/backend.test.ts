import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { runTrial, selectBackend, TrainerError } from '../src/index.js';
import { mnistTrial, record } from './helpers.js';

describe('selectBackend', () => {
  it('auto falls back quietly past the native bindings that are not installed here', async () => {
    const name = await selectBackend('auto');
    expect(['node-gpu', 'node', 'wasm']).toContain(name);
    expect(tf.getBackend()).toBe(name === 'wasm' ? 'wasm' : 'tensorflow');
  });

  it('an explicit backend that is missing is a clear error; an unknown name too', async () => {
    let nativeInstalled = true;
    try {
      await import('@tensorflow/tfjs-node' as string);
    } catch {
      nativeInstalled = false;
    }
    if (!nativeInstalled) {
      await expect(selectBackend('node')).rejects.toThrow(
        /backend "node" is not available: @tensorflow\/tfjs-node is not installed/,
      );
    }
    await expect(selectBackend('tpu')).rejects.toThrow(TrainerError);
  });

  it('reports the backend that ran with every trial (cpu, from the hooks)', async () => {
    const result = await runTrial(
      {
        workload: { name: 'rosenbrock' },
        training: { epochs: 3, batchSize: 1 },
        optimizer: { type: 'Adam', options: { lr: 0.01 } },
        scheduler: null,
        seed: 0,
      },
      { sink: () => {}, backend: 'cpu' },
    );
    expect(result.backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(await selectBackend('wasm')).toBe('wasm');
  });

  it('reads TFJS_BACKEND when no backend is named', async () => {
    const saved = process.env['TFJS_BACKEND'];
    process.env['TFJS_BACKEND'] = 'cpu';
    try {
      expect(await selectBackend()).toBe('cpu');
    } finally {
      if (saved === undefined) delete process.env['TFJS_BACKEND'];
      else process.env['TFJS_BACKEND'] = saved;
    }
  });

  it('is deterministic and resumes exactly on the cpu backend too', async () => {
    const config = mnistTrial({ scheduler: { type: 'OneCycleLR', options: { max_lr: 0.05 } } });
    const hooks = { backend: 'cpu' as const, checkpointEvery: 5 };
    const full = await record(config, hooks);
    expect(full.result.backend).toBe('cpu');
    expect((await record(config, hooks)).steps).toEqual(full.steps);
    const resumed = await record(config, {
      ...hooks,
      resumeFrom: full.checkpoints.find((c) => c.step === 15)!,
    });
    expect(resumed.steps).toEqual(full.steps.slice(15));
    expect(resumed.checkpoints.at(-1)!.params).toEqual(full.checkpoints.at(-1)!.params);
    await selectBackend('wasm');
  });
});
