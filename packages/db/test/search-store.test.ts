import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../src/client.js';
import {
  growSearchBudget,
  readFinishedSearchTrials,
  readSearchSweep,
  sweepsToSettle,
  withSweepLock,
} from '../src/search-store.js';
import { findSweep, insertSweep, insertTrials } from '../src/sweep-store.js';
import { createTestDatabase, type TestDatabase } from '../src/testing.js';
import { findTrial } from '../src/trial-store.js';

/** A one-trial grid sweep (no search settings). */
const insertGridSweep = (pool: pg.Pool) =>
  insertSweep(pool, {
    name: 'g',
    spec: {},
    objective: { metric: 'val_loss', mode: 'min' },
    pruner: null,
    trials: [{ config: {}, configHash: 'g' }],
  });

describe('search store', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let sweepId: string;
  let trialIds: string[];
  beforeAll(async () => {
    db = await createTestDatabase();
    pool = createPool(db.url, { max: 12 });
    const search = { type: 'tpe', trials: 8, parallelism: 2, seed: 0, options: null };
    ({ sweepId, trialIds } = await insertSweep(pool, {
      name: 's',
      spec: {},
      objective: { metric: 'val_loss', mode: 'min' },
      pruner: null,
      search,
      trialCount: 8,
      trials: [
        { config: { seed: 0 }, configHash: 'h0', params: { '/optimizers/0/lr': 0.1 } },
        { config: { seed: 1 }, configHash: 'h1', params: null },
      ],
    }));
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('stores search settings, budget and params, and creates trials from an index on', async () => {
    expect(await findSweep(pool, sweepId)).toMatchObject({
      trialCount: 8,
      search: { type: 'tpe', trials: 8 },
    });
    expect((await findTrial(pool, trialIds[0]!))?.params).toEqual({ '/optimizers/0/lr': 0.1 });
    expect((await findTrial(pool, trialIds[1]!))?.params).toBeNull();
    // SQL NULL, not a JSON null: queries test `params IS NULL`
    const stored = await pool.query('SELECT params IS NULL AS none FROM trials WHERE id = $1', [trialIds[1]]);
    expect(stored.rows[0].none).toBe(true);
    // two configs in flight of parallelism 2: owed nothing yet
    expect(await sweepsToSettle(pool, 10)).toEqual([]);
    const ids = await insertTrials(pool, sweepId, 2, [
      { config: { seed: 0 }, configHash: 'a', params: { '/optimizers/0/lr': 0.01 } },
      { config: { seed: 1 }, configHash: 'b', params: { '/optimizers/0/lr': 0.02 } },
    ]);
    expect(ids).toHaveLength(2);
    expect((await findTrial(pool, ids[1]!))?.index).toBe(3);
    const sweep = await readSearchSweep(pool, sweepId);
    expect(sweep).toMatchObject({
      trialCount: 8,
      created: 4,
      unfinished: 4,
      search: { type: 'tpe', trials: 8 },
    });
    await pool.query(
      `UPDATE trials SET status = 'completed', best_value = 0.5 WHERE index = 0 AND sweep_id = $1`,
      [sweepId],
    );
    await pool.query(`UPDATE trials SET status = 'pruned' WHERE index = 2 AND sweep_id = $1`, [sweepId]);
    await pool.query(
      `INSERT INTO epoch_metrics (trial_id, epoch, train_loss, val_loss, lr) VALUES ($1, 0, 1, 0.9, 0.1), ($1, 1, 1, 0.7, 0.1)`,
      [ids[0]],
    );
    expect(await readFinishedSearchTrials(pool, sweepId, 'val_loss')).toEqual([
      {
        index: 0,
        status: 'completed',
        params: { '/optimizers/0/lr': 0.1 },
        bestValue: 0.5,
        lastEpoch: null,
        lastValue: null,
      },
      {
        index: 2,
        status: 'pruned',
        params: { '/optimizers/0/lr': 0.01 },
        bestValue: null,
        lastEpoch: 1,
        lastValue: 0.7,
      },
    ]);
    // two in flight (indices 1 and 3) of parallelism 2: nothing owed; one more ends: owed a trial
    expect(await sweepsToSettle(pool, 10)).toEqual([]);
    await pool.query(`UPDATE trials SET status = 'failed' WHERE index = 1 AND sweep_id = $1`, [sweepId]);
    expect(await sweepsToSettle(pool, 10)).toEqual([sweepId]);
    // failed trials are read too (TPE observes a config once all its seeds have ended), in index order
    expect(
      (await readFinishedSearchTrials(pool, sweepId, 'val_loss')).map((t) => [t.index, t.status]),
    ).toEqual([
      [0, 'completed'],
      [1, 'failed'],
      [2, 'pruned'],
    ]);
    // a grid sweep is listed once nothing of it is queued or running (its last settle step may have been
    // lost); a cancelled sweep never is
    const grid = await insertGridSweep(pool);
    expect(await sweepsToSettle(pool, 10)).toEqual([sweepId]);
    await pool.query(`UPDATE trials SET status = 'completed' WHERE sweep_id = $1`, [grid.sweepId]);
    expect(await sweepsToSettle(pool, 10)).toEqual([sweepId, grid.sweepId]);
    await pool.query(`UPDATE sweeps SET status = 'cancelled' WHERE id = ANY($1)`, [[sweepId, grid.sweepId]]);
    expect(await sweepsToSettle(pool, 10)).toEqual([]);
    await pool.query(`UPDATE sweeps SET status = 'running' WHERE id = $1`, [sweepId]);
  });

  for (const lock of ['rungs', 'row'] as const) {
    it(`serialises concurrent decisions of one sweep (${lock} lock): each sees every earlier write`, async () => {
      await pool.query('CREATE TABLE IF NOT EXISTS lock_probe (sweep_id uuid, lock text, n int)');
      // Eight workers at once read how many went before, pause inside the transaction, then write.
      const seen = await Promise.all(
        Array.from({ length: 8 }, () =>
          withSweepLock(pool, sweepId, lock, async (client) => {
            const { rows } = await client.query(
              'SELECT count(*)::int AS n FROM lock_probe WHERE sweep_id = $1 AND lock = $2',
              [sweepId, lock],
            );
            await client.query('SELECT pg_sleep(0.02)');
            await client.query('INSERT INTO lock_probe VALUES ($1, $2, $3)', [sweepId, lock, rows[0].n]);
            return rows[0].n as number;
          }),
        ),
      );
      expect([...seen].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    });
  }
});

describe('growing a search budget', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  beforeAll(async () => {
    db = await createTestDatabase();
    pool = createPool(db.url, { max: 4 });
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  const searchSweep = async (trials: number, seeds: number) => {
    const search = { type: 'random', trials, parallelism: null, seed: 7, options: null };
    const { sweepId } = await insertSweep(pool, {
      name: 'r',
      spec: { workload: 'rosenbrock', search },
      objective: { metric: 'train_loss', mode: 'min' },
      pruner: null,
      search,
      trialCount: trials * seeds,
      seeds,
      trials: Array.from({ length: trials * seeds }, (_, i) => ({
        config: { seed: i % seeds },
        configHash: `h${i}`,
        params: { '/optimizers/0/lr': i },
      })),
    });
    return sweepId;
  };

  it('grows trial_count by samples x seeds and trials by samples, reopens a completed sweep, keeps the trials', async () => {
    const sweepId = await searchSweep(3, 2);
    await pool.query(`UPDATE trials SET status = 'completed' WHERE sweep_id = $1`, [sweepId]);
    await pool.query(`UPDATE sweeps SET status = 'completed', finished_at = now() WHERE id = $1`, [sweepId]);
    expect(await sweepsToSettle(pool, 10)).toEqual([]);
    const before = await pool.query(
      'SELECT id, index, params FROM trials WHERE sweep_id = $1 ORDER BY index',
      [sweepId],
    );

    const event = { type: 'sweep' as const, sweepId, status: 'running' as const };
    const outcome = await growSearchBudget(pool, sweepId, 2, 100, (status) => [
      { kind: 'event', event: { ...event, status } },
    ]);
    expect(outcome).toMatchObject({
      kind: 'grown',
      grownBy: 4,
      trialCount: 10,
      samples: 5,
      status: 'running',
    });
    // its event is in the outbox, written by the same transaction
    const outbox = await pool.query('SELECT message FROM outbox WHERE id = ANY($1::bigint[])', [
      outcome.kind === 'grown' ? outcome.outbox : [],
    ]);
    expect(outbox.rows).toEqual([{ message: { kind: 'event', event } }]);
    const sweep = await findSweep(pool, sweepId);
    expect(sweep).toMatchObject({
      status: 'running',
      finishedAt: null,
      trialCount: 10,
      search: { trials: 5 },
    });
    expect(sweep?.spec).toEqual({
      workload: 'rosenbrock',
      search: { type: 'random', trials: 5, parallelism: null, seed: 7, options: null },
    });
    // the proposer's view: 3 of 5 samples (x 2 seeds) created, nothing in flight: the reconciler proposes
    expect(await readSearchSweep(pool, sweepId)).toMatchObject({ trialCount: 10, created: 6, unfinished: 0 });
    expect(await sweepsToSettle(pool, 10)).toEqual([sweepId]);
    const after = await pool.query(
      'SELECT id, index, params FROM trials WHERE sweep_id = $1 ORDER BY index',
      [sweepId],
    );
    expect(after.rows).toEqual(before.rows);
  });

  it('refuses a grown budget over the limit, a cancelled sweep and a grid, and leaves them as they were', async () => {
    const sweepId = await searchSweep(4, 1);
    expect(await growSearchBudget(pool, sweepId, 3, 6)).toEqual({ kind: 'too-many', trialCount: 7 });
    expect(await findSweep(pool, sweepId)).toMatchObject({ trialCount: 4, search: { trials: 4 } });
    expect(await growSearchBudget(pool, sweepId, 2, 6)).toMatchObject({
      kind: 'grown',
      trialCount: 6,
    });
    await pool.query(`UPDATE sweeps SET status = 'cancelled' WHERE id = $1`, [sweepId]);
    expect(await growSearchBudget(pool, sweepId, 1, 100)).toEqual({
      kind: 'refused',
      status: 'cancelled',
    });
    expect(await findSweep(pool, sweepId)).toMatchObject({ trialCount: 6, search: { trials: 6 } });
    const grid = await insertGridSweep(pool);
    expect(await growSearchBudget(pool, grid.sweepId, 1, 100)).toEqual({ kind: 'not-search' });
    expect(await growSearchBudget(pool, '00000000-0000-4000-8000-000000000000', 1, 100)).toEqual({
      kind: 'missing',
    });
  });
});
