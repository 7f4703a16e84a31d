import type { Checkpoint, EpochRecord, StepRecord, TrialConfig, TrialResult } from '@hypersweep/trainer';
import { afterEach, describe, expect, it } from 'vitest';
import { type PoolHooks, TrainerPool, TrialThreadError } from '../src/trainer-pool.js';

/** The built training thread (the test runs the pool from source; a thread needs JavaScript). */
const THREAD = new URL('../dist/trial-thread.js', import.meta.url);

const mnist = (seed: number, overrides: Partial<TrialConfig> = {}): TrialConfig => ({
  workload: { name: 'mnist-mlp', options: { hidden: 16, trainSize: 330, valSize: 64 } },
  training: { epochs: 2, batchSize: 32 },
  optimizer: { type: 'Adam', options: { lr: 0.01 } },
  scheduler: null,
  seed,
  ...overrides,
});

/** Three trials that pack together although they differ in seed, optimizer, param groups and scheduler. */
const mixed = (): TrialConfig[] => [
  mnist(1, {
    optimizer: { type: 'SGD', options: { lr: 0.05, momentum: 0.9 } },
    scheduler: { type: 'OneCycleLR', options: { max_lr: 0.1 } },
  }),
  mnist(2, { scheduler: { type: 'StepLR', options: { step_size: 1, gamma: 0.5 } } }),
  mnist(3, {
    optimizer: {
      type: 'RMSprop',
      options: { lr: 0.01 },
      param_groups: [{ params: 'classifier', lr: 0.001 }],
    },
  }),
];

const OPTIONS = {
  checkpointEvery: 5,
  backend: 'wasm',
  objective: { metric: 'val_loss', mode: 'min' },
} as const;

interface Recorded {
  steps: StepRecord[];
  epochs: EpochRecord[];
  checkpoints: Checkpoint[];
  result?: TrialResult;
  error?: Error;
}

/** Hooks that keep what a trial reports; `sink` may also act on each batch (abort, fail). */
function recording(signal: AbortSignal, sink?: (records: StepRecord[]) => void): [PoolHooks, Recorded] {
  const kept: Recorded = { steps: [], epochs: [], checkpoints: [] };
  const hooks: PoolHooks = {
    signal,
    async sink(records) {
      kept.steps.push(...records);
      sink?.(records);
    },
    async onEpoch(record) {
      kept.epochs.push(record);
    },
    async onCheckpoint(checkpoint) {
      kept.checkpoints.push(checkpoint);
    },
  };
  return [hooks, kept];
}

/** Runs every config through `pool` at once (as a worker's jobs arrive) and keeps what each reports. */
async function trainAll(
  pool: TrainerPool,
  configs: TrialConfig[],
  hooksFor: (k: number) => [PoolHooks, Recorded] = () => recording(new AbortController().signal),
): Promise<Recorded[]> {
  return Promise.all(
    configs.map(async (config, k) => {
      const [hooks, kept] = hooksFor(k);
      try {
        kept.result = { ...(await pool.run(config, OPTIONS, hooks)), durationMs: 0 };
      } catch (error) {
        kept.error = error as Error;
      }
      return kept;
    }),
  );
}

describe('TrainerPool', () => {
  const pools: TrainerPool[] = [];
  const open = (threads: number, packing?: { size: number; waitMs: number }) => {
    const runs: number[] = [];
    const pool = new TrainerPool(threads, (trials) => runs.push(trials), THREAD);
    if (packing) pool.setPacking(packing);
    pools.push(pool);
    return { pool, runs };
  };
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((pool) => pool.close()));
  });

  it('starts its backend at once, and refuses one that cannot start', async () => {
    // A thread told its backend never probes for a WebGPU adapter.
    expect(await open(1).pool.start('wasm')).toEqual({ backend: 'wasm', webgpu: 'not probed' });
    // auto probes for one (in the thread) and says what it found, or why there is none.
    const auto = await open(1).pool.start('auto');
    if (auto.backend === 'webgpu') expect(auto.webgpu).not.toMatch(/^none/);
    else expect(auto.webgpu).toMatch(/^(none: .+|not probed)$/);
    const error = await open(1)
      .pool.start('tpu')
      .catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(TrialThreadError);
    expect((error as Error).message).toMatch(/unknown backend "tpu"/);
  });

  it('trains compatible trials as one pack, each reporting exactly what it reports alone', async () => {
    const packed = open(1, { size: 3, waitMs: 60_000 });
    const together = await trainAll(packed.pool, mixed());
    // A full pack does not wait out its window.
    expect(packed.runs).toEqual([3]);
    const alone = open(1);
    const apart = await trainAll(alone.pool, mixed());
    expect(alone.runs).toEqual([1, 1, 1]);
    expect(together.map((run) => run.result?.status)).toEqual(['completed', 'completed', 'completed']);
    expect(together[0]!.steps).toHaveLength(22);
    expect(together).toEqual(apart);
  });

  it('runs a trial that cannot pack alone, and a pack short of its size once its wait is over', async () => {
    const { pool, runs } = open(1, { size: 3, waitMs: 300 });
    const lbfgs = mnist(4, { optimizer: { type: 'LBFGS', options: { lr: 0.5, max_iter: 2 } } });
    const longer = mnist(5, { training: { epochs: 3, batchSize: 32 } });
    const [a, b] = mixed();
    const trained = await trainAll(pool, [a!, lbfgs, b!, longer]);
    // The LBFGS trial needs no mates: it takes the thread first; then a and b (same key) go together
    // after their wait, and the longer trial, alone of its kind, last.
    expect(runs).toEqual([1, 2, 1]);
    expect(trained.map((run) => run.result?.status)).toEqual([
      'completed',
      'completed',
      'completed',
      'completed',
    ]);
    const alone = await trainAll(open(1).pool, [a!, lbfgs, b!, longer]);
    expect(trained).toEqual(alone);
  });

  it("runs a trial whose config is invalid alone, and rejects it with the trainer's own error", async () => {
    const { pool, runs } = open(1, { size: 3, waitMs: 60_000 });
    const unknown = mnist(1, { workload: { name: 'cifar' } });
    const [trained] = await trainAll(pool, [unknown]);
    expect(runs).toEqual([1]);
    expect(trained!.error).toBeInstanceOf(TrialThreadError);
    expect(trained!.error!.name).toBe('TrainerError');
    expect(trained!.error!.message).toMatch(/unknown workload "cifar"/);
  });

  it('starts a trial stopped while it waits for pack mates at once, and it ends cancelled', async () => {
    const { pool, runs } = open(1, { size: 3, waitMs: 3_600_000 });
    const stop = new AbortController();
    const started = Date.now();
    const [trained] = await trainAll(pool, [mnist(1)], () => {
      setTimeout(() => stop.abort('worker shutting down'), 200);
      return recording(stop.signal);
    });
    expect(runs).toEqual([1]);
    expect(trained!.result).toMatchObject({ status: 'cancelled', stepsDone: 0 });
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('stops an aborted trial and fails a trial whose hook fails, alone, while its pack goes on', async () => {
    const { pool, runs } = open(2, { size: 3, waitMs: 60_000 });
    const abort = new AbortController();
    const trained = await trainAll(pool, mixed(), (k) =>
      k === 0
        ? recording(abort.signal, (records) => {
            if (records.at(-1)!.step >= 7) abort.abort('sweep cancelled');
          })
        : k === 1
          ? recording(new AbortController().signal, (records) => {
              if (records.at(-1)!.step >= 9) throw new Error('disk full');
            })
          : recording(new AbortController().signal),
    );
    expect(runs).toEqual([3]);
    expect(trained[0]!.result?.status).toBe('cancelled');
    // Cancelled at a step boundary with a checkpoint to resume from.
    expect(trained[0]!.checkpoints.at(-1)!.step).toBe(trained[0]!.result!.stepsDone);
    expect(trained[1]!.error).toBeInstanceOf(TrialThreadError);
    expect(trained[1]!.error!.message).toBe('disk full');
    expect(trained[2]!.result?.status).toBe('completed');
    const alone = await trainAll(open(1).pool, [mixed()[2]!]);
    expect(trained[2]).toEqual(alone[0]);
  });

  it('queues trials beyond its threads and hands back those still waiting when it closes', async () => {
    const { pool, runs } = open(1);
    const first = pool.run(mnist(1), OPTIONS, recording(new AbortController().signal)[0]);
    const second = pool.run(mnist(2), OPTIONS, recording(new AbortController().signal)[0]);
    expect(runs).toEqual([1]);
    const settled = Promise.allSettled([first, second]);
    await pool.close();
    const [running, waiting] = await settled;
    expect((running as PromiseRejectedResult).reason.message).toMatch(/exited/);
    expect((waiting as PromiseRejectedResult).reason.message).toBe('the training threads are closed');
    await expect(pool.run(mnist(3), OPTIONS, recording(new AbortController().signal)[0])).rejects.toThrow(
      'the training threads are closed',
    );
  });
});
