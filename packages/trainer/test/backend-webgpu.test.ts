import type { WebgpuStatus } from '@hypersweep/optim';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { selectBackend, TrainerError, webgpuAdapterNote } from '../src/index.js';

// The selection logic around webgpu, with the probe's answer injected (this machine has no GPU).
const none: WebgpuStatus = { adapter: null, reason: 'no adapter: requestAdapter() returned null' };
const h100: WebgpuStatus = {
  adapter: { vendor: 'nvidia', architecture: 'hopper', device: '', description: 'NVIDIA H100 80GB HBM3' },
};

describe('selectBackend and webgpu', () => {
  it('auto skips webgpu when the probe finds no adapter, and says so', async () => {
    expect(webgpuAdapterNote()).toBe('not probed');
    const name = await selectBackend('auto', { webgpuStatus: async () => none });
    expect(['node', 'wasm']).toContain(name);
    expect(webgpuAdapterNote()).toBe('none: no adapter: requestAdapter() returned null');
  });

  it('webgpu named explicitly without an adapter is an error giving the reason', async () => {
    const error = await selectBackend('webgpu', { webgpuStatus: async () => none }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrainerError);
    expect((error as Error).message).toBe(
      'backend "webgpu" is not available: no adapter: requestAdapter() returned null',
    );
  });

  it('an adapter found that then fails to start is an error naming the adapter and why; the backend stays', async () => {
    const before = tf.getBackend();
    // The probe (injected) says an H100 is there; Dawn, asked again by tfjs, finds none here.
    const error = await selectBackend('webgpu', { webgpuStatus: async () => h100 }).catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      'backend "webgpu" is not available: Could not initialize the webgpu backend',
    );
    expect(webgpuAdapterNote()).toBe(
      'nvidia hopper (NVIDIA H100 80GB HBM3), but it did not start: Could not initialize the webgpu backend',
    );
    expect(tf.getBackend()).toBe(before);
  });
});
