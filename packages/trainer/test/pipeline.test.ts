import { setImmediate as nextTurn } from 'node:timers/promises';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Checkpoint,
  DatasetCache,
  runTrial,
  type StepRecord,
  selectBackend,
  type TrialConfig,
} from '../src/index.js';
import { StoragePipeline } from '../src/record-buffer.js';
import { BATCHES_ON_FLAG } from '../src/workloads/supervised.js';
import { mnistTrial, record } from './helpers.js';

beforeAll(async () => {
  await selectBackend('wasm');
});

/** A signal that is never aborted and counts how often the trainer checked it: once before each step. */
function countingSignal(): { signal: AbortSignal; checks: () => number } {
  let checks = 0;
  const signal = {
    get aborted() {
      checks += 1;
      return false;
    },
  } as AbortSignal;
  return { signal, checks: () => checks };
}

describe('StoragePipeline', () => {
  it('runs tasks one at a time in order, and makes the caller wait only beyond its window', async () => {
    const pipeline = new StoragePipeline(2);
    const started: number[] = [];
    const finish: Array<() => void> = [];
    const task = (i: number) => () => {
      started.push(i);
      return new Promise<void>((resolve) => {
        finish[i] = resolve;
      });
    };
    await pipeline.enqueue(task(0));
    await pipeline.enqueue(task(1));
    let thirdQueued = false;
    const third = pipeline.enqueue(task(2)).then(() => {
      thirdQueued = true;
    });
    for (let i = 0; i < 10; i++) await nextTurn();
    expect(started).toEqual([0]); // one at a time
    expect(thirdQueued).toBe(false); // three unacknowledged > window 2: the caller waits
    finish[0]!();
    await third;
    expect(pipeline.unacknowledged).toBe(2);
    for (let i = 0; i < 10; i++) await nextTurn();
    expect(started).toEqual([0, 1]);
    finish[1]!();
    for (let i = 0; i < 10; i++) await nextTurn();
    finish[2]!();
    await pipeline.drain();
    expect(started).toEqual([0, 1, 2]);
    expect(pipeline.unacknowledged).toBe(0);
  });

  it('runs nothing after a failed task and throws the failure to the caller', async () => {
    const pipeline = new StoragePipeline(3);
    const ran: string[] = [];
    await pipeline.enqueue(() => {
      throw new Error('storage down');
    });
    await pipeline.enqueue(() => void ran.push('later batch')).catch(() => undefined);
    await expect(pipeline.drain()).rejects.toThrow('storage down');
    await expect(pipeline.enqueue(() => void ran.push('checkpoint'))).rejects.toThrow('storage down');
    expect(ran).toEqual([]);
  });
});

describe('runTrial with storage behind training', () => {
  it('trains ahead of a slow sink by exactly its window of batches, then waits', async () => {
    const window = 2;
    const { signal, checks } = countingSignal();
    let aheadAtFirstBatch: number[] = [];
    const run = await record(mnistTrial({ training: { epochs: 1, batchSize: 32 } }), {
      signal,
      storageWindow: window,
      flushEvery: { records: 1, ms: 60_000 },
      async sink(batch) {
        if (batch[0]!.step !== 1) return;
        // Storage holds batch 1 until training has gone `window` steps past it...
        while (checks() < 1 + window) await nextTurn();
        // ...and then training must wait: it goes no further while batch 1 is unacknowledged.
        for (let i = 0; i < 20; i++) await nextTurn();
        aheadAtFirstBatch = [checks()];
      },
    });
    expect(aheadAtFirstBatch).toEqual([1 + window]);
    expect(run.steps.map((r) => r.step)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
  });

  it('stores every record once and in order, and acknowledges checkpoints only after their steps', async () => {
    const config = mnistTrial({ training: { epochs: 3, batchSize: 32 } });
    const calls: Array<['sink', number[]] | ['checkpoint', number]> = [];
    const slowly = async () => {
      for (let i = 0; i < 3; i++) await nextTurn();
    };
    const run = await record(config, {
      checkpointEvery: 4,
      storageWindow: 3,
      flushEvery: { records: 3, ms: 60_000 },
      async sink(batch) {
        await slowly();
        calls.push(['sink', batch.map((r) => r.step)]);
      },
      async onCheckpoint(checkpoint) {
        await slowly();
        calls.push(['checkpoint', checkpoint.step]);
      },
    });
    // `record` keeps checkpoints in its own list; the sink order is what storage saw.
    const stored = calls.flatMap((call) => (call[0] === 'sink' ? call[1] : []));
    expect(stored).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    let storedUpTo = 0;
    const checkpointSteps: number[] = [];
    for (const call of calls) {
      if (call[0] === 'sink') storedUpTo = call[1].at(-1)!;
      else {
        expect(call[1]).toBeLessThanOrEqual(storedUpTo);
        checkpointSteps.push(call[1]);
      }
    }
    expect(checkpointSteps).toEqual([4, 8, 12, 16, 20, 24, 28]);
    // The same records as a trial that awaits every write.
    const sequential = await record(config, { checkpointEvery: 4, storageWindow: 0 });
    expect(run.steps).toEqual(sequential.steps);
    expect(run.epochs).toEqual(sequential.epochs);
  });

  it('after storage fails mid-trial, resuming from the last stored checkpoint leaves no gap and no duplicate', async () => {
    const config = mnistTrial({ training: { epochs: 3, batchSize: 32 } });
    const full = await record(config);
    // The "database": rows keyed by step (as step_metrics is) and the trial's checkpoint column.
    const rows = new Map<number, StepRecord>();
    let saved: Checkpoint | undefined;
    let failed = false;
    const storage = {
      checkpointEvery: 4,
      storageWindow: 3,
      flushEvery: { records: 3, ms: 60_000 },
      async sink(batch: StepRecord[]) {
        await nextTurn();
        for (const r of batch) rows.set(r.step, r);
      },
      async onCheckpoint(checkpoint: Checkpoint) {
        await nextTurn();
        // The connection drops while the checkpoint of step 16 is written.
        if (checkpoint.step === 16 && !failed) {
          failed = true;
          throw new Error('connection terminated');
        }
        saved = JSON.parse(JSON.stringify(checkpoint));
      },
    };
    await expect(runTrial(config, storage)).rejects.toThrow('connection terminated');
    // Training ran on while storage was behind, but nothing queued after the failure was stored.
    expect([...rows.keys()]).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    expect(saved!.step).toBe(12);
    const resumedSteps: number[] = [];
    await runTrial(config, {
      ...storage,
      resumeFrom: saved!,
      async sink(batch) {
        resumedSteps.push(...batch.map((r) => r.step));
        await storage.sink(batch);
      },
    });
    // Steps 13..16 are written again with the same values; the rows are the uninterrupted run's.
    expect(resumedSteps).toEqual(Array.from({ length: 18 }, (_, i) => i + 13));
    expect([...rows.values()].sort((a, b) => a.step - b.step)).toEqual(full.steps);
  });
});

describe('reading the loss back every K steps', () => {
  const configs: Array<[string, TrialConfig]> = [
    ['Adam + StepLR', mnistTrial({ scheduler: { type: 'StepLR', options: { step_size: 1, gamma: 0.5 } } })],
    [
      'SGD + OneCycleLR per step',
      mnistTrial({
        optimizer: { type: 'SGD', options: { lr: 0.05, momentum: 0.9 } },
        scheduler: { type: 'OneCycleLR', options: { max_lr: 0.1 } },
      }),
    ],
  ];
  it.each(configs)(
    'gives the same records, epochs and checkpoints as reading every step (%s)',
    async (_, config) => {
      const everyStep = await record(config, { lossReadEvery: 1, checkpointEvery: 5 });
      const batched = await record(config, { lossReadEvery: 7, checkpointEvery: 5 });
      expect(batched.steps).toEqual(everyStep.steps);
      expect(batched.epochs).toEqual(everyStep.epochs);
      expect(batched.checkpoints).toEqual(everyStep.checkpoints);
      expect(batched.result).toEqual({ ...everyStep.result, durationMs: batched.result.durationMs });
    },
  );

  it('stops a diverging trial at the same step with the same records, and leaks no tensors', async () => {
    const diverging: TrialConfig = {
      workload: { name: 'rosenbrock' },
      training: { epochs: 30, batchSize: 1 },
      optimizer: { type: 'SGD', options: { lr: 1 } },
      scheduler: null,
      seed: 0,
    };
    const mnistDiverging = mnistTrial({
      training: { epochs: 3, batchSize: 32 },
      optimizer: { type: 'SGD', options: { lr: 1e30 } },
    });
    const before = tf.memory().numTensors;
    for (const config of [diverging, mnistDiverging]) {
      const everyStep = await record(config, { lossReadEvery: 1 });
      const batched = await record(config, { lossReadEvery: 16 });
      expect(everyStep.result.status).toBe('diverged');
      expect(batched.steps).toEqual(everyStep.steps);
      expect(batched.epochs).toEqual(everyStep.epochs);
      expect(batched.result).toEqual({ ...everyStep.result, durationMs: batched.result.durationMs });
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reads the pending losses before a cancel, so the cancel checkpoint resumes exactly', async () => {
    const controller = new AbortController();
    const config = mnistTrial();
    const cancelled = await record(config, {
      lossReadEvery: 4,
      signal: controller.signal,
      flushEvery: { records: 1, ms: 60_000 },
      storageWindow: 0,
      sink: (batch) => {
        if (batch.at(-1)!.step === 2) controller.abort();
      },
    });
    // The abort came while steps 3 and 4 were already trained and unread: they are recorded too.
    expect(cancelled.result).toMatchObject({ status: 'cancelled', stepsDone: 4 });
    expect(cancelled.checkpoints.map((c) => c.step)).toEqual([4]);
    const resumed = await record(config, { resumeFrom: cancelled.checkpoints[0]! });
    const full = await record(config);
    expect([...cancelled.steps, ...resumed.steps]).toEqual(full.steps);
  });
});

describe.each([
  ['host', 2], // wasm's default: the training split as host arrays, validation x and y on the backend
  ['device', 4], // tfjs-node and CUDA's: train and validation x and y on the backend, batches gathered there
] as const)('DatasetCache, batches gathered on the %s', (batchesOn, tensorsPerDataset) => {
  beforeAll(() => tf.env().set(BATCHES_ON_FLAG, batchesOn));
  afterAll(() => tf.env().set(BATCHES_ON_FLAG, 'auto'));

  it('uploads a dataset once for every trial of the same options and seed, with the same results', async () => {
    const datasets = new DatasetCache();
    const before = tf.memory().numTensors;
    const config = mnistTrial();
    const uncached = await record(config);
    const first = await record(config, { datasets });
    expect(datasets.size).toBe(1);
    const held = tf.memory().numTensors;
    expect(held).toBe(before + tensorsPerDataset);
    const second = await record(
      { ...config, optimizer: { type: 'SGD', options: { lr: 0.1 } } },
      { datasets },
    );
    expect(datasets.size).toBe(1);
    expect(tf.memory().numTensors).toBe(held);
    expect(first.steps).toEqual(uncached.steps);
    expect(first.epochs).toEqual(uncached.epochs);
    expect(second.steps).toEqual(
      (await record({ ...config, optimizer: { type: 'SGD', options: { lr: 0.1 } } })).steps,
    );
    // Another seed draws another split; another hidden width reuses it (the data does not depend on it).
    await record({ ...config, seed: 2 }, { datasets });
    expect(datasets.size).toBe(2);
    await record(
      { ...config, workload: { name: 'mnist-mlp', options: { hidden: 8, trainSize: 320, valSize: 64 } } },
      {
        datasets,
      },
    );
    expect(datasets.size).toBe(2);
    datasets.clear();
    expect(datasets.size).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('keeps at most maxBytes of datasets no trial is using, dropping the least recently used', async () => {
    const dataBytes = (320 + 64) * (784 + 10) * 4;
    const datasets = new DatasetCache(2 * dataBytes);
    const before = tf.memory().numTensors;
    for (const seed of [1, 2, 1, 3]) await record(mnistTrial({ seed }), { datasets });
    expect(datasets.size).toBe(2); // seeds 1 and 3; 2 was the least recently used
    expect(tf.memory().numTensors).toBe(before + 2 * tensorsPerDataset);
    datasets.clear();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('batches', () => {
  afterAll(() => tf.env().set(BATCHES_ON_FLAG, 'auto'));

  it('are the same rows whether copied on the host or gathered on the backend: the same run bit for bit', async () => {
    const config = mnistTrial({ training: { epochs: 2, batchSize: 24 } }); // 320 rows: a short last batch
    tf.env().set(BATCHES_ON_FLAG, 'host');
    const host = await record(config, { checkpointEvery: 7 });
    tf.env().set(BATCHES_ON_FLAG, 'device');
    const device = await record(config, { checkpointEvery: 7 });
    expect(host.steps.length).toBe(28);
    expect(host.steps).toEqual(device.steps);
    expect(host.epochs).toEqual(device.epochs);
    expect(host.checkpoints.at(-1)!.params).toEqual(device.checkpoints.at(-1)!.params);
  });
});
