import { type Settled, type SweepEventBody, trialOperations } from '@hypersweep/core';
import {
  claimTrial,
  createOutboxStore,
  createPool,
  createTrialStore,
  findSweep,
  findTrial,
  insertSweep,
  lostTooOftenError,
} from '@hypersweep/db';
import { createTestDatabase, type TestDatabase } from '@hypersweep/db/testing';
import type { StepRecord, TrialResult } from '@hypersweep/trainer';
import { DelayedError } from 'bullmq';
import type pg from 'pg';
import type { Logger } from 'pino';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunningTrials, StopReason } from '../src/running-trials.js';
import { settleOrLeave, sweepSettler } from '../src/search-proposer.js';
import type { PoolHooks } from '../src/trainer-pool.js';
import { createTrialProcessor, type TrialJob } from '../src/trial-processor.js';

const STEPS = 30;
const steps = (from: number, to: number): StepRecord[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ({
    step: from + i,
    epoch: 0,
    loss: 1 / (from + i),
    lr: 0.1,
    lrs: [0.1],
  }));

/** A trainer pool that "trains" STEPS steps in batches of 10, calling the hooks as the real threads do. */
function fakeTrainers(between: (batch: number) => Promise<void> = async () => {}) {
  return {
    async run(
      _config: unknown,
      options: { resumeFrom?: { step: number } },
      hooks: PoolHooks,
    ): Promise<TrialResult> {
      let done = options.resumeFrom?.step ?? 0;
      for (let batch = 0; done < STEPS; batch++) {
        if (hooks.signal.aborted) break;
        await hooks.sink(steps(done + 1, done + 10));
        done += 10;
        await hooks.onCheckpoint({ step: done } as never);
        await between(batch);
      }
      if (done === STEPS) {
        await hooks.onEpoch({ epoch: 0, step: STEPS, trainLoss: 0.5, valLoss: 0.25, lr: 0.1 } as never);
      }
      return {
        status: done === STEPS ? 'completed' : 'cancelled',
        stepsDone: done,
        epochsDone: 1,
        finalLoss: 1 / done,
        bestValue: 0.25,
        bestStep: STEPS,
        objective: { metric: 'val_loss', mode: 'min' },
        backend: 'fake' as TrialResult['backend'],
        durationMs: 1,
      };
    },
  };
}

/**
 * The processor as the worker wires it (trial-worker.ts): the lifecycle over the real stores, the sweep
 * settled by the real settler. The outbox is real too; after each job its messages are delivered into
 * `events` (with the live ones), where the worker's relay would send them to Redis.
 */
function processorFor(
  pool: pg.Pool,
  workerId: string,
  events: SweepEventBody[],
  options: {
    trainers: ReturnType<typeof fakeTrainers>;
    running?: RunningTrials;
    stopping?: AbortSignal;
    settle?: (sweepId: string) => Promise<Settled>;
    maxLost?: number;
    log?: Logger;
  },
) {
  const log = options.log ?? pino({ level: 'silent' });
  const outbox = createOutboxStore(pool);
  const relay = { kick() {} };
  const lifecycle = trialOperations({
    store: createTrialStore(pool),
    relay,
    settle: settleOrLeave(options.settle ?? sweepSettler({ pool, relay }), log),
    publishLive: (event) => events.push(event),
    ...(options.maxLost !== undefined ? { maxLost: options.maxLost } : {}),
  });
  const processTrial = createTrialProcessor({
    lifecycle,
    db: pool,
    trainers: options.trainers,
    running: options.running ?? new RunningTrials(),
    workerId,
    backend: 'wasm',
    checkpointEvery: 10,
    stopping: options.stopping ?? new AbortController().signal,
    log,
    progressIntervalMs: 0,
  });
  const deliver = async () => {
    while (
      (await outbox.drain(100, async (messages) => {
        for (const { message } of messages) if (message.kind === 'event') events.push(message.event);
      })) > 0
    );
  };
  return async (job: TrialJob) => {
    try {
      return await processTrial(job);
    } finally {
      await deliver();
    }
  };
}

describe('trial processor (fake trainer pool, real Postgres)', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  beforeAll(async () => {
    db = await createTestDatabase();
    pool = createPool(db.url);
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  async function setup(
    options: {
      trainers?: ReturnType<typeof fakeTrainers>;
      trials?: number;
      settle?: (sweepId: string) => Promise<Settled>;
      maxLost?: number;
      log?: Logger;
    } = {},
  ) {
    const { sweepId, trialIds } = await insertSweep(pool, {
      name: 'p',
      spec: {},
      objective: { metric: 'val_loss', mode: 'min' },
      pruner: null,
      trials: Array.from({ length: options.trials ?? 1 }, (_, i) => ({ config: { i }, configHash: `h${i}` })),
    });
    const events: SweepEventBody[] = [];
    const running = new RunningTrials();
    const stopping = new AbortController();
    const process = processorFor(pool, 'me', events, {
      trainers: options.trainers ?? fakeTrainers(),
      running,
      stopping: stopping.signal,
      ...(options.settle ? { settle: options.settle } : {}),
      ...(options.maxLost !== undefined ? { maxLost: options.maxLost } : {}),
      ...(options.log ? { log: options.log } : {}),
    });
    const delayed: number[] = [];
    const job = (trialId: string, attemptsMade = 0): TrialJob => ({
      data: { trialId, sweepId },
      opts: { attempts: 2 },
      attemptsMade,
      moveToDelayed: async (timestamp) => {
        delayed.push(timestamp);
      },
    });
    const stepRows = async (trialId: string) =>
      (
        await pool.query('SELECT step FROM step_metrics WHERE trial_id = $1 ORDER BY step', [trialId])
      ).rows.map((r) => r.step);
    return { sweepId, trialIds, events, running, stopping, process, job, delayed, stepRows };
  }

  it('trains a claimed trial, stores every step, completes the trial and its sweep', async () => {
    const t = await setup();
    const result = await t.process(t.job(t.trialIds[0]!));
    expect(result).toEqual({ status: 'completed', stepsDone: STEPS, backend: 'fake' });
    expect(await t.stepRows(t.trialIds[0]!)).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
    expect(await findTrial(pool, t.trialIds[0]!)).toMatchObject({
      status: 'completed',
      stepsDone: STEPS,
      attempts: 1,
      bestValue: 0.25,
      workerId: 'me',
      heartbeatAt: null,
    });
    expect(await findSweep(pool, t.sweepId)).toMatchObject({ status: 'completed' });
    expect(t.events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['sweep', 'trial.started', 'trial.progress', 'trial.finished']),
    );
    expect(t.events.at(-1)).toMatchObject({ type: 'sweep', status: 'completed' });
    // a duplicate delivery of the finished trial's job does nothing
    expect(await t.process(t.job(t.trialIds[0]!))).toEqual({
      skipped: 'trial cancelled, finished or deleted',
    });
  });

  it('settles the sweep through `settle` when a trial ends, and leaves it for the reconciler when that fails', async () => {
    const settled: Array<{ sweepId: string; trialStatus: string }> = [];
    const settle = sweepSettler({ pool, relay: { kick() {} } });
    const ok = await setup({
      settle: async (sweepId) => {
        settled.push({ sweepId, trialStatus: (await findTrial(pool, ok.trialIds[0]!))!.status });
        return settle(sweepId);
      },
    });
    await ok.process(ok.job(ok.trialIds[0]!));
    // called once the trial was stored as finished; what it completed is announced
    expect(settled).toEqual([{ sweepId: ok.sweepId, trialStatus: 'completed' }]);
    expect(await findSweep(pool, ok.sweepId)).toMatchObject({ status: 'completed' });
    expect(ok.events).toContainEqual({ type: 'sweep', sweepId: ok.sweepId, status: 'completed' });

    const failing = await setup({
      settle: async () => {
        throw new Error('Redis is down');
      },
    });
    expect(await failing.process(failing.job(failing.trialIds[0]!))).toMatchObject({ status: 'completed' });
    // with budget possibly left, the sweep must not look done: the reconciler settles it
    expect(await findSweep(pool, failing.sweepId)).toMatchObject({ status: 'running' });
    expect(failing.events).not.toContainEqual(
      expect.objectContaining({ type: 'sweep', status: 'completed' }),
    );
  });

  it('settles the sweep of a finished trial whose job comes again (its worker died before settling)', async () => {
    const t = await setup();
    const [trialId] = t.trialIds as [string];
    await t.process(t.job(trialId));
    // As if the worker had died between finishing the trial and completing its sweep.
    await pool.query(`UPDATE sweeps SET status = 'running', finished_at = NULL WHERE id = $1`, [t.sweepId]);
    t.events.length = 0;
    expect(await t.process(t.job(trialId, 1))).toEqual({ skipped: 'trial cancelled, finished or deleted' });
    expect(await findSweep(pool, t.sweepId)).toMatchObject({ status: 'completed' });
    expect(t.events).toEqual([{ type: 'sweep', sweepId: t.sweepId, status: 'completed' }]);
    expect(await findTrial(pool, trialId)).toMatchObject({ status: 'completed', stepsDone: STEPS });
  });

  it('fails a trial taken over from vanished workers more than maxLost times instead of training it again', async () => {
    let trained = 0;
    const t = await setup({
      maxLost: 1,
      trainers: fakeTrainers(async () => {
        trained += 1;
      }),
    });
    const [trialId] = t.trialIds as [string];
    // Two workers took it and vanished (their locks ran out, BullMQ delivered the job again).
    await claimTrial(pool, trialId, 'crashed-1', 1);
    await claimTrial(pool, trialId, 'crashed-2', 1);
    expect(await t.process(t.job(trialId, 2))).toEqual({ failed: lostTooOftenError(1) });
    expect(trained).toBe(0);
    expect(await findTrial(pool, trialId)).toMatchObject({ status: 'failed', error: lostTooOftenError(1) });
    expect(t.events).toContainEqual(
      expect.objectContaining({
        type: 'trial.finished',
        trialId,
        status: 'failed',
        error: lostTooOftenError(1),
      }),
    );
    expect(await findSweep(pool, t.sweepId)).toMatchObject({ status: 'completed' });
  });

  it('a sweep deleted while its trial runs (cancelled first, as DELETE does) is no failure: nothing logged, no retry', async () => {
    let t!: Awaited<ReturnType<typeof setup>>;
    // a pool whose trial stores its first steps, is cancelled, and writes its last steps after the rows are gone
    const trainers = {
      async run(_config: unknown, _options: unknown, hooks: PoolHooks): Promise<TrialResult> {
        await hooks.sink(steps(1, 10));
        t.running.stopSweep(t.sweepId, StopReason.cancelled);
        await pool.query('DELETE FROM sweeps WHERE id = $1', [t.sweepId]);
        await hooks.sink(steps(11, 12)); // the cancelled trial's last steps: their trial is gone
        throw new Error('unreachable: the sink refused the steps');
      },
    };
    // every warning the processor logs (the old code logged the deleted rows' foreign-key error as 'trial failed')
    const warnings: unknown[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line)) });
    t = await setup({ trainers: trainers as unknown as ReturnType<typeof fakeTrainers>, log });
    const result = await t.process(t.job(t.trialIds[0]!));
    expect(result).toEqual({ skipped: 'trial taken over or deleted while training' });
    expect(t.delayed).toEqual([]);
    expect(await findTrial(pool, t.trialIds[0]!)).toBeNull();
    expect(warnings).toEqual([]);
  });

  it('stops a trial another worker took over and leaves it to that worker', async () => {
    let trialId = '';
    const t = await setup({
      trainers: fakeTrainers(async (batch) => {
        // the lease ran out and another worker claimed the trial
        if (batch === 0) await pool.query(`UPDATE trials SET worker_id = 'other' WHERE id = $1`, [trialId]);
      }),
    });
    trialId = t.trialIds[0]!;
    expect(await t.process(t.job(trialId))).toEqual({
      skipped: 'trial taken over or deleted while training',
    });
    expect(await findTrial(pool, trialId)).toMatchObject({ status: 'running', workerId: 'other' });
  });

  it('on shutdown hands the trial back and resumes it from its checkpoint', async () => {
    let t!: Awaited<ReturnType<typeof setup>>;
    t = await setup({
      trainers: fakeTrainers(async (batch) => {
        if (batch === 0) t.running.stopAll(StopReason.shutdown);
      }),
    });
    const id = t.trialIds[0]!;
    await expect(t.process(t.job(id))).rejects.toBeInstanceOf(DelayedError);
    expect(t.delayed).toHaveLength(1);
    expect(await findTrial(pool, id)).toMatchObject({ status: 'queued', workerId: null, stepsDone: 10 });
    const again = await setup();
    // the same trial, processed by a fresh processor: resumes at step 11
    const result = await processorFor(pool, 'next', [], { trainers: fakeTrainers() })({
      ...again.job(id),
      data: { trialId: id, sweepId: t.sweepId },
    });
    expect(result).toMatchObject({ status: 'completed', stepsDone: STEPS });
    expect(await t.stepRows(id)).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
    expect(await findTrial(pool, id)).toMatchObject({ status: 'completed', attempts: 2, workerId: 'next' });
  });

  it('a throwing trial is queued for its next attempt, then failed; the sweep still completes', async () => {
    const broken = {
      async run(): Promise<TrialResult> {
        throw new Error('thread crashed');
      },
    };
    const t = await setup({ trainers: broken as never });
    const id = t.trialIds[0]!;
    await expect(t.process(t.job(id, 0))).rejects.toThrow('thread crashed');
    expect(await findTrial(pool, id)).toMatchObject({ status: 'queued', error: 'Error: thread crashed' });
    await expect(t.process(t.job(id, 1))).rejects.toThrow('thread crashed');
    expect(await findTrial(pool, id)).toMatchObject({ status: 'failed', attempts: 2 });
    expect(await findSweep(pool, t.sweepId)).toMatchObject({ status: 'completed' });
    expect(t.events.filter((e) => e.type === 'trial.finished')).toEqual([
      expect.objectContaining({ status: 'failed', error: 'thread crashed' }),
    ]);
  });
});
