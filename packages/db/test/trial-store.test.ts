import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { writeStepMetrics } from '../src/metric-writer.js';
import { cancelSweep, markSweepRunning } from '../src/sweep-store.js';
import {
  cancelTrialOfCancelledSweep,
  claimTrial,
  countAllTrialsByStatus,
  countTrials,
  failLostTrial,
  failTrial,
  findTrial,
  finishTrial,
  heartbeat,
  listTrialsByObjective,
  lostTooOftenError,
  queuedTrialsOfLiveSweeps,
  reclaimExpiredTrials,
  recordProgress,
  requeueTrial,
  saveCheckpoint,
} from '../src/trial-store.js';
import { seedSweep, useStoreDatabase } from './store-fixture.js';

const outcome = {
  status: 'completed' as const,
  stepsDone: 10,
  bestValue: 0.5,
  bestStep: 7,
  finalLoss: 0.6,
  backend: 'wasm',
  error: null,
};

describe('trial store', () => {
  let pool: pg.Pool;
  useStoreDatabase((store) => {
    pool = store.pool;
  });

  it('claims a queued trial once per attempt, with what the worker needs', async () => {
    const { sweepId, trialIds } = await seedSweep(pool, 1, { pruner: { type: 'MedianPruner' } });
    const id = trialIds[0]!;
    const claimed = await claimTrial(pool, id, 'w1');
    expect(claimed).toEqual({
      index: 0,
      config: { seed: 0 },
      checkpoint: null,
      objectiveMetric: 'val_loss',
      objectiveMode: 'min',
      pruner: { type: 'MedianPruner' },
    });
    const trial = await findTrial(pool, id);
    expect(trial).toMatchObject({ sweepId, status: 'running', attempts: 1, workerId: 'w1' });
    expect(trial!.heartbeatAt).toBeInstanceOf(Date);
    // a redelivered job (its worker died) takes the running trial over
    expect(await claimTrial(pool, id, 'w2')).not.toBeNull();
    expect(await findTrial(pool, id)).toMatchObject({ attempts: 2, workerId: 'w2' });
    await finishTrial(pool, id, 'w2', outcome);
    expect(await claimTrial(pool, id, 'w3')).toBeNull();
  });

  it('fences every write to the worker holding the trial', async () => {
    const { trialIds } = await seedSweep(pool, 1);
    const id = trialIds[0]!;
    await claimTrial(pool, id, 'old');
    await claimTrial(pool, id, 'new');
    const progress = { stepsDone: 5, bestValue: 1, bestStep: 5 };
    expect(await recordProgress(pool, id, 'old', progress)).toBeNull();
    expect(await saveCheckpoint(pool, id, 'old', { step: 5 })).toBe(false);
    expect(await finishTrial(pool, id, 'old', outcome)).toBe(false);
    expect(await failTrial(pool, id, 'old', { final: true, error: 'x' })).toBeNull();
    expect(await requeueTrial(pool, id, 'old')).toBe(false);
    expect(await heartbeat(pool, 'old', [id])).toEqual([]);
    expect(await findTrial(pool, id)).toMatchObject({ status: 'running', workerId: 'new', stepsDone: 0 });
  });

  it('records progress and checkpoints, and reports a cancelled sweep', async () => {
    const { sweepId, trialIds } = await seedSweep(pool, 1);
    const id = trialIds[0]!;
    await claimTrial(pool, id, 'w');
    await markSweepRunning(pool, sweepId);
    expect(await recordProgress(pool, id, 'w', { stepsDone: 3, bestValue: 0.2, bestStep: 2 })).toEqual({
      sweepStatus: 'running',
    });
    expect(await findTrial(pool, id)).toMatchObject({ stepsDone: 3, bestValue: 0.2, bestStep: 2 });
    expect(await saveCheckpoint(pool, id, 'w', { step: 4 })).toBe(true);
    const row = await pool.query('SELECT checkpoint, steps_done FROM trials WHERE id = $1', [id]);
    expect(row.rows[0]).toEqual({ checkpoint: { step: 4 }, steps_done: 4 });
    await cancelSweep(pool, sweepId);
    expect(await recordProgress(pool, id, 'w', { stepsDone: 5, bestValue: 0.2, bestStep: 2 })).toEqual({
      sweepStatus: 'cancelled',
    });
  });

  it('finishes a trial and drops its checkpoint', async () => {
    const { trialIds } = await seedSweep(pool, 1);
    const id = trialIds[0]!;
    await claimTrial(pool, id, 'w');
    await saveCheckpoint(pool, id, 'w', { step: 4 });
    expect(
      await finishTrial(pool, id, 'w', { ...outcome, status: 'pruned', error: 'pruned at epoch 1' }),
    ).toBe(true);
    expect(await findTrial(pool, id)).toMatchObject({
      status: 'pruned',
      stepsDone: 10,
      bestValue: 0.5,
      bestStep: 7,
      finalLoss: 0.6,
      backend: 'wasm',
      error: 'pruned at epoch 1',
      heartbeatAt: null,
    });
    expect(
      (await pool.query('SELECT checkpoint FROM trials WHERE id = $1', [id])).rows[0].checkpoint,
    ).toBeNull();
  });

  it('a failed attempt goes back to the queue counting the steps stored; the last one fails the trial', async () => {
    const { trialIds } = await seedSweep(pool, 1);
    const id = trialIds[0]!;
    await claimTrial(pool, id, 'w');
    await writeStepMetrics(
      pool,
      id,
      [1, 2, 3].map((step) => ({ step, epoch: 0, loss: 1, lr: 0.1, lrs: [0.1] })),
    );
    expect(await failTrial(pool, id, 'w', { final: false, error: 'Error: boom' })).toBe(3);
    expect(await findTrial(pool, id)).toMatchObject({
      status: 'queued',
      workerId: null,
      error: 'Error: boom',
    });
    await claimTrial(pool, id, 'w');
    expect(await failTrial(pool, id, 'w', { final: true, error: 'Error: boom' })).toBe(3);
    const failed = await findTrial(pool, id);
    expect(failed).toMatchObject({ status: 'failed', workerId: 'w', stepsDone: 3 });
    expect(failed!.finishedAt).toBeInstanceOf(Date);
  });

  it('hands back a trial on shutdown and ends a trial of a cancelled sweep', async () => {
    const { sweepId, trialIds } = await seedSweep(pool, 2);
    await claimTrial(pool, trialIds[0]!, 'w');
    expect(await requeueTrial(pool, trialIds[0]!, 'w')).toBe(true);
    expect(await findTrial(pool, trialIds[0]!)).toMatchObject({ status: 'queued', workerId: null });
    expect(await cancelTrialOfCancelledSweep(pool, trialIds[1]!)).toBe(false);
    await claimTrial(pool, trialIds[1]!, 'w');
    await cancelSweep(pool, sweepId);
    expect(await cancelTrialOfCancelledSweep(pool, trialIds[1]!)).toBe(true);
    expect(await findTrial(pool, trialIds[1]!)).toMatchObject({ status: 'cancelled' });
  });

  it('sorts the leaderboard by the objective with empty values last, and counts', async () => {
    const { sweepId, trialIds } = await seedSweep(pool, 4, {
      objective: { metric: 'val_accuracy', mode: 'max' },
    });
    const values = [0.5, null, 0.9, 0.5];
    for (const [i, value] of values.entries()) {
      await claimTrial(pool, trialIds[i]!, 'w');
      await finishTrial(pool, trialIds[i]!, 'w', { ...outcome, bestValue: value });
    }
    const max = await listTrialsByObjective(pool, sweepId, { mode: 'max', limit: 10, offset: 0 });
    expect(max.map((t) => t.index)).toEqual([2, 0, 3, 1]);
    const min = await listTrialsByObjective(pool, sweepId, { mode: 'min', limit: 2, offset: 1 });
    expect(min.map((t) => t.index)).toEqual([3, 2]);
    expect(await countTrials(pool, sweepId)).toBe(4);
    expect(await countTrials(pool, sweepId, 'queued')).toBe(0);
    expect((await countAllTrialsByStatus(pool)).completed).toBeGreaterThanOrEqual(4);
  });

  it('pages the leaderboard by position as by offset: ties, trials without a value, a status, both directions', async () => {
    const { sweepId, trialIds } = await seedSweep(pool, 23);
    const values = [3, null, 1, 2, 2, null, 5, 1, 2, 0.5, null, 4, 2, 3, 1, null, 6, 2, 7, 0.25, null, 2, 1];
    for (const [i, value] of values.entries()) {
      await claimTrial(pool, trialIds[i]!, 'w');
      if (i % 5 !== 4) await finishTrial(pool, trialIds[i]!, 'w', { ...outcome, bestValue: value });
      else await pool.query('UPDATE trials SET best_value = $2 WHERE id = $1', [trialIds[i], value]);
    }
    for (const mode of ['min', 'max'] as const) {
      for (const status of [undefined, 'completed', 'running'] as const) {
        const filter = status ? { status } : {};
        const whole = await listTrialsByObjective(pool, sweepId, { mode, limit: 100, offset: 0, ...filter });
        for (const limit of [1, 3, 4]) {
          const paged: number[] = [];
          let after: { value: number | null; index: number } | undefined;
          for (;;) {
            const page = await listTrialsByObjective(pool, sweepId, {
              mode,
              limit,
              offset: 0,
              ...filter,
              ...(after ? { after } : {}),
            });
            paged.push(...page.map((t) => t.index));
            const last = page.at(-1);
            if (page.length < limit || !last) break;
            after = { value: last.bestValue, index: last.index };
          }
          expect(paged, `${mode} ${status} by ${limit}`).toEqual(whole.map((t) => t.index));
        }
      }
    }
  });

  it('counts every takeover from a vanished worker, and fails a trial lost more than maxLost times', async () => {
    const { sweepId, trialIds } = await seedSweep(pool, 3);
    const [crasher, expiring, handedBack] = trialIds as [string, string, string];
    const lost = async (id: string) =>
      (await pool.query('SELECT lost FROM trials WHERE id = $1', [id])).rows[0].lost as number;
    // Each claim of a trial still `running` takes it over from a worker that stopped without a word.
    expect(await claimTrial(pool, crasher, 'w1', 2)).not.toBeNull();
    expect(await claimTrial(pool, crasher, 'w2', 2)).not.toBeNull();
    expect(await claimTrial(pool, crasher, 'w3', 2)).not.toBeNull();
    expect(await lost(crasher)).toBe(2);
    expect(await claimTrial(pool, crasher, 'w4', 2)).toBeNull(); // a third loss: not taken over
    expect(await failLostTrial(pool, crasher, 2)).toEqual({ stepsDone: 0, error: lostTooOftenError(2) });
    expect(await findTrial(pool, crasher)).toMatchObject({ status: 'failed', workerId: null, lost: 3 });
    expect(await failLostTrial(pool, crasher, 2)).toBeNull(); // once
    // A trial handed back (SIGTERM) is queued: claiming it again is no loss.
    await claimTrial(pool, handedBack, 'w1', 2);
    await requeueTrial(pool, handedBack, 'w1');
    await claimTrial(pool, handedBack, 'w2', 2);
    expect(await lost(handedBack)).toBe(0);
    // The lease path counts too: requeued while under the limit, failed past it.
    await claimTrial(pool, expiring, 'w1', 1);
    const expire = () =>
      pool.query(`UPDATE trials SET heartbeat_at = now() - interval '5 minutes' WHERE id = $1`, [expiring]);
    await expire();
    expect((await reclaimExpiredTrials(pool, 60_000, 1)).requeued).toContainEqual({
      trialId: expiring,
      sweepId,
    });
    await claimTrial(pool, expiring, 'w2', 1);
    await expire();
    const second = await reclaimExpiredTrials(pool, 60_000, 1);
    expect(second.failed).toEqual([{ trialId: expiring, sweepId }]);
    expect(await findTrial(pool, expiring)).toMatchObject({ status: 'failed', error: lostTooOftenError(1) });
    expect(await lost(expiring)).toBe(2);
  });

  it('heartbeats every trial a worker holds in one statement', async () => {
    const { trialIds } = await seedSweep(pool, 2);
    for (const id of trialIds) await claimTrial(pool, id, 'hb');
    await pool.query(`UPDATE trials SET heartbeat_at = now() - interval '1 hour' WHERE id = ANY($1)`, [
      trialIds,
    ]);
    expect((await heartbeat(pool, 'hb', trialIds)).sort()).toEqual([...trialIds].sort());
    expect((await reclaimExpiredTrials(pool, 60_000)).requeued).not.toContainEqual(
      expect.objectContaining({ trialId: trialIds[0] }),
    );
  });

  it('reclaims running trials whose heartbeat is older than the lease, and lists queued trials of live sweeps', async () => {
    const live = await seedSweep(pool, 3);
    const cancelled = await seedSweep(pool, 2);
    await claimTrial(pool, live.trialIds[0]!, 'dead');
    await claimTrial(pool, live.trialIds[1]!, 'alive');
    await claimTrial(pool, cancelled.trialIds[0]!, 'dead');
    await cancelSweep(pool, cancelled.sweepId);
    await pool.query(
      `UPDATE trials SET heartbeat_at = now() - interval '2 minutes' WHERE worker_id = 'dead'`,
    );
    const reclaimed = await reclaimExpiredTrials(pool, 60_000);
    expect(reclaimed).toEqual({
      requeued: [{ trialId: live.trialIds[0], sweepId: live.sweepId }],
      failed: [],
    });
    expect(await findTrial(pool, live.trialIds[0]!)).toMatchObject({ status: 'queued', workerId: null });
    expect(await findTrial(pool, live.trialIds[1]!)).toMatchObject({ status: 'running', workerId: 'alive' });
    expect(await findTrial(pool, cancelled.trialIds[0]!)).toMatchObject({ status: 'cancelled' });

    const queued: string[] = [];
    let afterId: string | undefined;
    for (;;) {
      const page = await queuedTrialsOfLiveSweeps(pool, { limit: 1, ...(afterId ? { afterId } : {}) });
      if (page.length === 0) break;
      queued.push(...page.filter((t) => t.sweepId === live.sweepId).map((t) => t.trialId));
      afterId = page.at(-1)!.trialId;
    }
    expect(queued.sort()).toEqual([live.trialIds[0], live.trialIds[2]].sort());
  });
});
