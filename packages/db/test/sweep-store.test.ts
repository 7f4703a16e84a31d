import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import {
  cancelSweep,
  completeSweepIfDone,
  countTrialsByStatus,
  deleteSweep,
  findSweep,
  listSweeps,
  markSweepRunning,
} from '../src/sweep-store.js';
import { claimTrial, finishTrial } from '../src/trial-store.js';
import { seedSweep, useStoreDatabase } from './store-fixture.js';

describe('sweep store', () => {
  let pool: pg.Pool;
  useStoreDatabase((store) => {
    pool = store.pool;
  });

  it('cancels a sweep while a report holds one of its trials, without a deadlock', async () => {
    // What an external trainer's report does: it updates its trial twice in one transaction, and the
    // second update checks the trial's foreign key to the sweep (KEY SHARE on the sweep row). A cancel
    // that locked the sweep row FOR UPDATE and then waited for the trial deadlocked with it.
    const { sweepId, trialIds } = await seedSweep(pool, 2);
    await claimTrial(pool, trialIds[0]!, 'w');
    const report = await pool.connect();
    try {
      await report.query('BEGIN');
      await report.query('UPDATE trials SET heartbeat_at = now() WHERE id = $1', [trialIds[0]]);
      const cancelling = cancelSweep(pool, sweepId);
      // wait until the cancel waits for the trial the report holds
      const reportPid = (await report.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
      for (;;) {
        const { rows } = await pool.query(
          'SELECT count(*)::int AS n FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))',
          [reportPid],
        );
        if (rows[0].n > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await report.query('UPDATE trials SET steps_done = 3 WHERE id = $1', [trialIds[0]]);
      await report.query('COMMIT');
      expect(await cancelling).toMatchObject({
        kind: 'cancelled',
        cancelledTrialIds: [trialIds[1]],
        runningTrials: 1,
      });
    } finally {
      report.release();
    }
  });

  it('inserts a sweep with its trials in grid order and reads it back', async () => {
    const { sweepId, trialIds } = await seedSweep(pool, 3, { pruner: { type: 'MedianPruner' } });
    expect(trialIds).toHaveLength(3);
    const indexes = await pool.query(
      'SELECT id, index, config, config_hash FROM trials WHERE sweep_id = $1',
      [sweepId],
    );
    for (const row of indexes.rows) {
      expect(trialIds[row.index]).toBe(row.id);
      expect(row.config).toEqual({ seed: row.index });
      expect(row.config_hash).toBe(`h${row.index}`);
    }
    const sweep = await findSweep(pool, sweepId);
    expect(sweep).toMatchObject({
      id: sweepId,
      name: 'store test',
      spec: { workload: 'rosenbrock', note: 'verbatim' },
      status: 'queued',
      objectiveMetric: 'val_loss',
      objectiveMode: 'min',
      trialCount: 3,
      pruner: { type: 'MedianPruner' },
      startedAt: null,
      finishedAt: null,
      error: null,
    });
    expect(sweep!.createdAt).toBeInstanceOf(Date);
    expect(await findSweep(pool, '00000000-0000-0000-0000-000000000000')).toBeNull();
  });

  it('rolls the whole sweep back when a trial cannot be stored', async () => {
    const before = (await pool.query('SELECT count(*)::int AS n FROM sweeps')).rows[0].n;
    await expect(
      seedSweep(pool, 2, {
        trials: [
          { config: {}, configHash: 'a' },
          { config: {}, configHash: '\u0000' },
        ],
      }),
    ).rejects.toThrow();
    expect((await pool.query('SELECT count(*)::int AS n FROM sweeps')).rows[0].n).toBe(before);
  });

  it('lists newest first, pages with the last row, filters by status', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await seedSweep(pool, 1, { name: `page ${i}` })).sweepId);
    await markSweepRunning(pool, ids[1]!);
    const first = await listSweeps(pool, { limit: 2 });
    expect(first.map((s) => s.name)).toEqual(['page 2', 'page 1']);
    const second = await listSweeps(pool, { limit: 2, after: first[1]! });
    expect(second[0]!.name).toBe('page 0');
    const running = await listSweeps(pool, { limit: 10, status: 'running' });
    expect(running.map((s) => s.id)).toEqual([ids[1]]);
  });

  it('marks running once, counts trials per status, completes only when no trial is left to run', async () => {
    const { sweepId, trialIds } = await seedSweep(pool, 2);
    expect(await markSweepRunning(pool, sweepId)).toBe(true);
    expect(await markSweepRunning(pool, sweepId)).toBe(false);
    expect((await findSweep(pool, sweepId))!.startedAt).toBeInstanceOf(Date);
    await claimTrial(pool, trialIds[0]!, 'w');
    expect(await countTrialsByStatus(pool, sweepId)).toEqual({ queued: 1, running: 1 });
    expect(await completeSweepIfDone(pool, sweepId)).toBe(false);
    const outcome = {
      status: 'completed' as const,
      stepsDone: 1,
      bestValue: null,
      bestStep: null,
      finalLoss: 1,
      backend: 'cpu',
      error: null,
    };
    await finishTrial(pool, trialIds[0]!, 'w', outcome);
    await claimTrial(pool, trialIds[1]!, 'w');
    await finishTrial(pool, trialIds[1]!, 'w', { ...outcome, status: 'failed', error: 'x' });
    expect(await completeSweepIfDone(pool, sweepId)).toBe(true);
    expect(await completeSweepIfDone(pool, sweepId)).toBe(false);
    expect(await findSweep(pool, sweepId)).toMatchObject({ status: 'completed' });
  });

  it('cancels waiting trials at once and leaves running ones to their worker', async () => {
    const { sweepId, trialIds } = await seedSweep(pool, 3);
    await claimTrial(pool, trialIds[2]!, 'w');
    const result = await cancelSweep(pool, sweepId, (cancelledTrialIds) => [
      { kind: 'cancel', sweepId, cancelledTrialIds },
    ]);
    if (result.kind !== 'cancelled') throw new Error(result.kind);
    expect(result.cancelledTrialIds.sort()).toEqual([trialIds[0], trialIds[1]].sort());
    expect(result.runningTrials).toBe(1);
    expect(await countTrialsByStatus(pool, sweepId)).toEqual({ cancelled: 2, running: 1 });
    expect(await findSweep(pool, sweepId)).toMatchObject({ status: 'cancelled' });
    // the notice for the workers is in the outbox, written by the same transaction
    const outbox = await pool.query('SELECT message FROM outbox WHERE id = ANY($1::bigint[])', [
      result.outbox,
    ]);
    expect(outbox.rows[0].message.cancelledTrialIds.sort()).toEqual(result.cancelledTrialIds);
    // cancelling again changes nothing and owes nothing; a completed sweep refuses; an unknown one is missing
    expect(
      await cancelSweep(pool, sweepId, () => [{ kind: 'cancel', sweepId, cancelledTrialIds: [] }]),
    ).toEqual({
      kind: 'cancelled',
      cancelledTrialIds: [],
      runningTrials: 0,
      outbox: [],
    });
    const done = await seedSweep(pool, 1);
    await pool.query(`UPDATE sweeps SET status = 'completed' WHERE id = $1`, [done.sweepId]);
    expect(await cancelSweep(pool, done.sweepId)).toEqual({ kind: 'refused', status: 'completed' });
    expect(await cancelSweep(pool, '00000000-0000-4000-8000-000000000000')).toEqual({ kind: 'missing' });
  });

  it('deletes a sweep with its trials', async () => {
    const { sweepId } = await seedSweep(pool, 2);
    expect(await deleteSweep(pool, sweepId)).toBe(true);
    expect(await deleteSweep(pool, sweepId)).toBe(false);
    expect(
      (await pool.query('SELECT count(*)::int AS n FROM trials WHERE sweep_id = $1', [sweepId])).rows[0].n,
    ).toBe(0);
  });
});
