import { randomBytes } from 'node:crypto';
import { drainOutbox } from '@hypersweep/core';
import {
  claimTrial,
  createOutboxStore,
  createPool,
  findSweep,
  findTrial,
  growSearchBudget,
  insertSweep,
  lostTooOftenError,
} from '@hypersweep/db';
import { createTestDatabase, type TestDatabase } from '@hypersweep/db/testing';
import {
  createOutboxSink,
  createRedis,
  createTrialQueue,
  DEFAULT_REDIS_URL,
  dropKeyPrefix,
  type TrialJobData,
} from '@hypersweep/queue';
import { configHash, proposeSearchConfig, validateSearchSweepSpec } from '@hypersweep/spec';
import { workloadInfos } from '@hypersweep/trainer';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RECONCILER_LOCK_KEY, reconcile } from '../src/reconciler.js';
import { sweepSettler } from '../src/search-proposer.js';

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
  /** Sends what the outbox holds to the real queue, as a worker's relay does after each change. */
  const deliver = () => drainOutbox(createOutboxStore(pool), createOutboxSink({ queue, redis, prefix }));
  const settleSweep = (sweepId: string, log?: { warn(fields: unknown): void }) =>
    sweepSettler({ pool, relay: { kick() {} }, ...(log ? { log } : {}) })(sweepId);
  const deps = () => ({ pool, queue, leaseMs: 60_000, settle: (sweepId: string) => settleSweep(sweepId) });
  afterAll(async () => {
    await queue?.close();
    redis?.disconnect();
    await dropKeyPrefix(REDIS_URL, prefix);
    await pool?.end();
    await db?.drop();
  });

  /** A random / tpe sweep as the API stores it, with the trials created at submission. */
  const insertSearchSweep = (
    spec: unknown,
    valid: Extract<ReturnType<typeof validateSearchSweepSpec>, { ok: true }>,
  ) =>
    insertSweep(pool, {
      name: 'search',
      spec,
      objective: valid.spec.objective,
      pruner: null,
      search: valid.spec.search,
      trialCount: valid.budget,
      seeds: valid.spec.seeds.length,
      trials: valid.trials.map((config, i) => ({
        config,
        configHash: configHash(config),
        params: valid.params[i],
      })),
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

    const first = await reconcile(deps());
    expect(first.ran).toBe(true);
    expect(first.reclaimed).toEqual([{ trialId: silent, sweepId: live.sweepId }]);
    const queued = [silent, live.trialIds[2]!];
    expect(first.enqueued.map((t) => t.trialId).sort()).toEqual(queued.sort());
    expect(await findTrial(pool, silent)).toMatchObject({ status: 'queued', workerId: null });
    expect(await findTrial(pool, alive)).toMatchObject({ status: 'running', workerId: 'live-worker' });
    const jobs = await queue.getJobs(['waiting']);
    expect(jobs.map((job) => job.id).sort()).toEqual(queued.sort());
    expect(jobs.map((job) => job.data.sweepId)).toEqual([live.sweepId, live.sweepId]);

    expect(await reconcile(deps())).toEqual({
      ran: true,
      reclaimed: [],
      failed: [],
      enqueued: [],
      proposed: [],
      completed: [],
    });
  });

  it('skips its pass while another worker holds the lock', async () => {
    const other = await pool.connect();
    try {
      // As another worker's pass holds it: in a transaction (the lock is transaction-scoped).
      await other.query('BEGIN');
      await other.query('SELECT pg_advisory_xact_lock($1)', [RECONCILER_LOCK_KEY]);
      expect(await reconcile(deps())).toEqual({
        ran: false,
        reclaimed: [],
        failed: [],
        enqueued: [],
        proposed: [],
        completed: [],
      });
      await other.query('ROLLBACK');
      expect((await reconcile(deps())).ran).toBe(true);
    } finally {
      other.release();
    }
  });

  it('recovers a random / tpe sweep whose proposing step was lost: creates its owed trials, then completes it', async () => {
    const spec = {
      workload: 'rosenbrock',
      training: { epochs: 1 },
      search: { type: 'random', trials: 4, seed: 3, parallelism: 2 },
      optimizers: [{ type: 'SGD', lr: { loguniform: [1e-4, 1e-1] } }],
    };
    const context = { workloads: workloadInfos() };
    const lazy = validateSearchSweepSpec(spec, context);
    const { parallelism: _all, ...allAtOnce } = spec.search;
    const eager = validateSearchSweepSpec({ ...spec, search: allAtOnce }, context);
    if (!lazy.ok || !eager.ok) throw new Error('invalid test spec');
    expect(lazy.trials).toHaveLength(2);
    const { sweepId, trialIds } = await insertSearchSweep(spec, lazy);
    // Both trials ended, and their workers died before proposing the next ones: nothing is queued.
    await pool.query(`UPDATE trials SET status = 'completed', finished_at = now() WHERE sweep_id = $1`, [
      sweepId,
    ]);
    const first = await reconcile(deps());
    expect(first.proposed).toHaveLength(2);
    expect(first.completed).toEqual([]);
    // their jobs were written to the outbox with them; the relay sends them
    await deliver();
    const jobs = await queue.getJobs(['waiting']);
    for (const id of first.proposed) {
      expect(jobs.map((job) => job.id)).toContain(id);
      expect(await findTrial(pool, id)).toMatchObject({ status: 'queued', sweepId });
    }
    // the configs a worker would have created: the same as creating all four at once
    const configs = await Promise.all(first.proposed.map(async (id) => (await findTrial(pool, id))!.config));
    expect(configs).toEqual(eager.trials.slice(2));
    expect(trialIds).toHaveLength(2);
    // Two in flight of parallelism 2: owed nothing, and not finished.
    expect(await reconcile(deps())).toMatchObject({ proposed: [], completed: [] });
    expect((await findSweep(pool, sweepId))!.status).toBe('queued');
    // The last trials end and their settle step is lost too: the budget is spent, the pass completes it.
    await pool.query(`UPDATE trials SET status = 'completed', finished_at = now() WHERE sweep_id = $1`, [
      sweepId,
    ]);
    expect(await reconcile(deps())).toMatchObject({ proposed: [], completed: [sweepId] });
    expect((await findSweep(pool, sweepId))!.status).toBe('completed');
  });

  it('never loses a search budget grown as the last trial ends: settling sees it, or it reopens the sweep', async () => {
    const spec = {
      workload: 'rosenbrock',
      training: { epochs: 1 },
      search: { type: 'random', trials: 2, seed: 5 },
      optimizers: [{ type: 'SGD', lr: { loguniform: [1e-4, 1e-1] } }],
    };
    const valid = validateSearchSweepSpec(spec, { workloads: workloadInfos() });
    if (!valid.ok) throw new Error('invalid test spec');
    const searchSweep = async () => {
      const { sweepId } = await insertSearchSweep(spec, valid);
      // Both trials ended: the budget is spent.
      await pool.query(`UPDATE sweeps SET status = 'running' WHERE id = $1`, [sweepId]);
      await pool.query(`UPDATE trials SET status = 'completed', finished_at = now() WHERE sweep_id = $1`, [
        sweepId,
      ]);
      return sweepId;
    };
    const trialsOf = async (sweepId: string) =>
      Number((await pool.query('SELECT count(*) FROM trials WHERE sweep_id = $1', [sweepId])).rows[0].count);

    // Grown before the last trial's settle step takes the lock: settling proposes the new samples.
    const before = await searchSweep();
    expect(await growSearchBudget(pool, before, 2, 100)).toMatchObject({
      kind: 'grown',
    });
    const settled = await settleSweep(before);
    expect(settled.completed).toBe(false);
    expect(settled.proposed).toHaveLength(2);
    expect(await findSweep(pool, before)).toMatchObject({ status: 'running' });

    // Grown after it completed the sweep: the sweep runs again and the next pass proposes.
    const after = await searchSweep();
    expect(await settleSweep(after)).toEqual({ proposed: [], completed: true });
    expect(await growSearchBudget(pool, after, 2, 100)).toMatchObject({
      kind: 'grown',
      status: 'running',
    });
    const pass = await reconcile(deps());
    expect(pass.proposed.length).toBeGreaterThanOrEqual(2);
    expect(await trialsOf(after)).toBe(4);
    expect(await findSweep(pool, after)).toMatchObject({ status: 'running' });
  });

  it('skips a sampled config whose options are invalid together, and never draws its number again', async () => {
    // nesterov needs momentum > 0: the samples that pick momentum 0 cannot run.
    const spec = {
      workload: 'rosenbrock',
      training: { epochs: 1 },
      search: { type: 'random', trials: 8, seed: 9, parallelism: 1 },
      optimizers: [{ type: 'SGD', nesterov: true, lr: { loguniform: [1e-4, 1e-1] }, momentum: [0.9, 0] }],
    };
    const context = { workloads: workloadInfos() };
    const samples = Array.from({ length: 8 }, (_, k) => proposeSearchConfig(spec, [], k, context));
    const valid = samples.flatMap((sample) => (sample.ok ? sample.trials : []));
    // The seed gives a mix, starting with a valid sample (submission creates sample 0).
    expect(samples[0]!.ok).toBe(true);
    expect(valid.length).toBeGreaterThan(1);
    expect(valid.length).toBeLessThan(8);
    const submitted = validateSearchSweepSpec(spec, context);
    if (!submitted.ok) throw new Error(JSON.stringify(submitted.errors));
    const { sweepId } = await insertSearchSweep(spec, submitted);
    const warnings: unknown[] = [];
    const log = { warn: (fields: unknown) => warnings.push(fields) };
    for (let round = 0; round < 10; round++) {
      await pool.query(`UPDATE trials SET status = 'completed', finished_at = now() WHERE sweep_id = $1`, [
        sweepId,
      ]);
      if ((await settleSweep(sweepId, log)).completed) break;
    }
    expect(await findSweep(pool, sweepId)).toMatchObject({ status: 'completed' });
    const { rows } = await pool.query('SELECT config FROM trials WHERE sweep_id = $1 ORDER BY index', [
      sweepId,
    ]);
    // Exactly the valid samples, in order, each once: a skip does not make a later sample run twice.
    expect(rows.map((r) => r.config)).toEqual(valid);
    expect(warnings).toHaveLength(8 - valid.length);
    const drawn = await pool.query('SELECT samples_drawn FROM sweeps WHERE id = $1', [sweepId]);
    expect(drawn.rows[0].samples_drawn).toBe(8);
  });

  it('fails a silent trial lost more than TRIAL_MAX_LOST times instead of handing it back, and settles its sweep', async () => {
    const trials = [{ config: { i: 0 }, configHash: 'lost0' }];
    const base = { spec: {}, objective: { metric: 'val_loss', mode: 'min' as const }, pruner: null, trials };
    const { sweepId, trialIds } = await insertSweep(pool, { name: 'crashes workers', ...base });
    const [trialId] = trialIds as [string];
    await claimTrial(pool, trialId, 'crashed-1');
    await claimTrial(pool, trialId, 'crashed-2'); // a takeover: lost once
    await pool.query(`UPDATE trials SET heartbeat_at = now() - interval '5 minutes' WHERE id = $1`, [
      trialId,
    ]);
    const pass = await reconcile({ ...deps(), maxLost: 1 });
    expect(pass).toMatchObject({ reclaimed: [], failed: [{ trialId, sweepId }], completed: [sweepId] });
    expect(await findTrial(pool, trialId)).toMatchObject({ status: 'failed', error: lostTooOftenError(1) });
  });

  it('completes a grid sweep whose last trial ended without settling it, and says so live', async () => {
    const trials = Array.from({ length: 2 }, (_, i) => ({ config: { i }, configHash: `g${i}` }));
    const base = { spec: {}, objective: { metric: 'val_loss', mode: 'min' as const }, pruner: null, trials };
    const open = await insertSweep(pool, { name: 'left open', ...base });
    const busy = await insertSweep(pool, { name: 'still running', ...base });
    // Every trial of `open` ended (its last worker died before completing the sweep); `busy` has one left.
    await pool.query(`UPDATE sweeps SET status = 'running' WHERE id = ANY($1)`, [
      [open.sweepId, busy.sweepId],
    ]);
    await pool.query(`UPDATE trials SET status = 'completed', finished_at = now() WHERE sweep_id = $1`, [
      open.sweepId,
    ]);
    await pool.query(`UPDATE trials SET status = 'failed', finished_at = now() WHERE id = $1`, [
      busy.trialIds[0],
    ]);
    await claimTrial(pool, busy.trialIds[1]!, 'live-worker');
    const result = await reconcile(deps());
    expect(result.completed).toEqual([open.sweepId]);
    // its event was written with the change, for the relay to send
    const announced = await pool.query(
      `SELECT message FROM outbox WHERE message->'event'->>'sweepId' = ANY($1) ORDER BY id`,
      [[open.sweepId, busy.sweepId]],
    );
    expect(announced.rows.map((row) => row.message)).toEqual([
      { kind: 'event', event: { type: 'sweep', sweepId: open.sweepId, status: 'completed' } },
    ]);
    expect(await findSweep(pool, open.sweepId)).toMatchObject({ status: 'completed' });
    expect(await findSweep(pool, busy.sweepId)).toMatchObject({ status: 'running' });
    expect((await reconcile(deps())).completed).toEqual([]);
  });
});
