import { randomBytes } from 'node:crypto';
import { claimTrial, createPool, findTrial, insertSweep } from '@hypersweep/db';
import { createTestDatabase, type TestDatabase } from '@hypersweep/db/testing';
import {
  createRedis,
  createTrialQueue,
  DEFAULT_REDIS_URL,
  dropKeyPrefix,
  type TrialJobData,
} from '@hypersweep/queue';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RECONCILER_LOCK_KEY, reconcile } from '../src/reconciler.js';

const REDIS_URL = process.env.REDIS_URL || DEFAULT_REDIS_URL;

describe('reconciler (real Postgres and Redis)', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let redis: Redis;
  let queue: Queue<TrialJobData>;
  const prefix = `hsrtest_${randomBytes(5).toString('hex')}`;
  beforeAll(async () => {
    db = await createTestDatabase();
    pool = createPool(db.url);
    redis = createRedis(REDIS_URL);
    queue = createTrialQueue(redis, prefix);
  });
  afterAll(async () => {
    await queue?.close();
    redis?.disconnect();
    await dropKeyPrefix(REDIS_URL, prefix);
    await pool?.end();
    await db?.drop();
  });

  it('hands back trials whose worker went silent and gives every queued trial of a live sweep a job, once', async () => {
    const trials = Array.from({ length: 3 }, (_, i) => ({ config: { i }, configHash: `h${i}` }));
    const base = { spec: {}, objective: { metric: 'val_loss', mode: 'min' as const }, pruner: null, trials };
    const live = await insertSweep(pool, { name: 'live', ...base });
    const cancelled = await insertSweep(pool, { name: 'cancelled', ...base });
    await pool.query(`UPDATE sweeps SET status = 'cancelled' WHERE id = $1`, [cancelled.sweepId]);
    const [silent, alive] = live.trialIds as [string, string, string];
    await claimTrial(pool, silent, 'dead-worker');
    await claimTrial(pool, alive, 'live-worker');
    await pool.query(`UPDATE trials SET heartbeat_at = now() - interval '5 minutes' WHERE id = $1`, [silent]);

    const deps = { pool, queue, leaseMs: 60_000 };
    const first = await reconcile(deps);
    expect(first.ran).toBe(true);
    expect(first.reclaimed).toEqual([{ trialId: silent, sweepId: live.sweepId }]);
    const queued = [silent, live.trialIds[2]!];
    expect(first.enqueued.map((t) => t.trialId).sort()).toEqual(queued.sort());
    expect(await findTrial(pool, silent)).toMatchObject({ status: 'queued', workerId: null });
    expect(await findTrial(pool, alive)).toMatchObject({ status: 'running', workerId: 'live-worker' });
    const jobs = await queue.getJobs(['waiting']);
    expect(jobs.map((job) => job.id).sort()).toEqual(queued.sort());
    expect(jobs.map((job) => job.data.sweepId)).toEqual([live.sweepId, live.sweepId]);

    expect(await reconcile(deps)).toEqual({ ran: true, reclaimed: [], enqueued: [] });
  });

  it('skips its pass while another worker holds the lock', async () => {
    const other = await pool.connect();
    try {
      await other.query('SELECT pg_advisory_lock($1)', [RECONCILER_LOCK_KEY]);
      expect(await reconcile({ pool, queue, leaseMs: 60_000 })).toEqual({
        ran: false,
        reclaimed: [],
        enqueued: [],
      });
      await other.query('SELECT pg_advisory_unlock($1)', [RECONCILER_LOCK_KEY]);
      expect((await reconcile({ pool, queue, leaseMs: 60_000 })).ran).toBe(true);
    } finally {
      other.release();
    }
  });
});
