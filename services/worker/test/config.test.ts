import { describe, expect, it } from 'vitest';
import { loadWorkerConfig } from '../src/config.js';

describe('worker configuration', () => {
  it('has defaults that point at localhost', () => {
    const config = loadWorkerConfig({});
    expect(config).toMatchObject({
      databaseUrl: 'postgresql://postgres@127.0.0.1:5432/hypersweep',
      redisUrl: 'redis://127.0.0.1:6379',
      queuePrefix: 'hypersweep',
      backend: 'auto',
      checkpointEvery: 200,
      lockDurationMs: 30_000,
    });
    expect(config.concurrency).toBeGreaterThanOrEqual(1);
    // Packing follows the backend unless set.
    expect(config).toMatchObject({ packSize: 'auto', packWaitMs: 200, maxLost: 5 });
    expect(loadWorkerConfig({ WORKER_PACK_SIZE: '8', WORKER_PACK_WAIT_MS: '0' })).toMatchObject({
      packSize: 8,
      packWaitMs: 0,
    });
    expect(loadWorkerConfig({ WORKER_PACK_SIZE: 'auto' }).packSize).toBe('auto');
    expect(config.datasetCacheDir).toMatch(/hypersweep-datasets$/);
    expect(config.datasetCacheMaxBytes).toBe(10 * 1024 ** 3);
    expect(
      loadWorkerConfig({ DATASET_CACHE_DIR: '/var/cache/hs', DATASET_CACHE_MAX_BYTES: '1048576' }),
    ).toMatchObject({ datasetCacheDir: '/var/cache/hs', datasetCacheMaxBytes: 1048576 });
    expect(config.shutdownMs).toBe(30_000);
    expect(loadWorkerConfig({ WORKER_SHUTDOWN_MS: '45000' }).shutdownMs).toBe(45_000);
    expect(() => loadWorkerConfig({ WORKER_SHUTDOWN_MS: '0' })).toThrow(/WORKER_SHUTDOWN_MS/);
  });

  it.each([
    [{ WORKER_CONCURRENCY: '0' }, 'WORKER_CONCURRENCY must be a positive integer, got "0"'],
    [{ DATASET_CACHE_MAX_BYTES: '10GB' }, 'DATASET_CACHE_MAX_BYTES must be a positive integer, got "10GB"'],
    [{ DATASET_CACHE_DIR: 'cache' }, 'DATASET_CACHE_DIR must be an absolute path, got "cache"'],
    [{ CHECKPOINT_EVERY: '1.5' }, 'CHECKPOINT_EVERY must be a positive integer, got "1.5"'],
    [{ WORKER_PACK_SIZE: '0' }, 'WORKER_PACK_SIZE must be auto or a positive integer, got "0"'],
    [{ WORKER_PACK_SIZE: 'max' }, 'WORKER_PACK_SIZE must be auto or a positive integer, got "max"'],
    [{ WORKER_PACK_WAIT_MS: '-5' }, 'WORKER_PACK_WAIT_MS must be an integer >= 0, got "-5"'],
    [{ TRIAL_MAX_LOST: 'many' }, 'TRIAL_MAX_LOST must be an integer >= 0, got "many"'],
    [
      { TFJS_BACKEND: 'gpu' },
      'TFJS_BACKEND must be one of auto, node-gpu, webgpu, node, wasm, cpu, got "gpu"',
    ],
  ])('refuses %j at start-up', (env, message) => {
    expect(() => loadWorkerConfig(env)).toThrow(message);
  });
});
