import { describe, expect, it } from 'vitest';
import { adapterStatus, describeWebgpu, type GpuLike, probeWebgpu } from '../src/index.js';

/** A fake navigator.gpu whose requestAdapter answers `answer`. */
const gpu = (answer: () => Promise<unknown>): GpuLike => ({
  requestAdapter: answer as GpuLike['requestAdapter'],
});
const h100 = { vendor: 'nvidia', architecture: 'hopper', device: '', description: 'NVIDIA H100 80GB HBM3' };

describe('the WebGPU adapter probe', () => {
  it('names the adapter it finds, from adapter.info or requestAdapterInfo()', async () => {
    const found = await adapterStatus(gpu(async () => ({ info: h100 })));
    expect(found).toEqual({ adapter: h100 });
    expect(describeWebgpu(found)).toBe('nvidia hopper (NVIDIA H100 80GB HBM3)');
    const older = await adapterStatus(
      gpu(async () => ({ requestAdapterInfo: async () => ({ vendor: 'amd', architecture: 'rdna-3' }) })),
    );
    expect(describeWebgpu(older)).toBe('amd rdna-3');
  });

  it('says why there is none: no adapter, a refusal, or no answer in time', async () => {
    const none = await adapterStatus(gpu(async () => null));
    expect(describeWebgpu(none)).toBe('none: no adapter: requestAdapter() returned null');
    const refused = await adapterStatus(
      gpu(async () => {
        throw new Error('shaderUniformBufferArrayDynamicIndexing required');
      }),
    );
    expect(refused).toEqual({
      adapter: null,
      reason: 'requestAdapter() failed: shaderUniformBufferArrayDynamicIndexing required',
    });
    const hung = await adapterStatus(
      gpu(() => new Promise(() => {})),
      5,
    );
    expect(hung).toEqual({ adapter: null, reason: 'requestAdapter() did not answer in 5 ms' });
  });

  it('runs the real probe (Dawn in a child process) to an answer: an adapter, or the reason there is none', async () => {
    const status = await probeWebgpu();
    if (status.adapter === null) expect(status.reason).toMatch(/adapter|installed|Dawn|requestAdapter/);
    else expect(status.adapter.vendor).not.toBe('');
  });
});
