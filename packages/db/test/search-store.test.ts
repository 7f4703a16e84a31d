import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../src/client.js';
import {
  insertSearchTrials,
  insertTrialRungs,
  readFinishedSearchTrials,
  readRungValues,
  readSearchSweep,
  readTrialRungs,
  recordPruneDecision,
  recordSearchSweep,
  withSweepLock,
} from '../src/search-store.js';
import { createTestDatabase, type TestDatabase } from '../src/testing.js';

describe('search store', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let sweepId: string;
  let trialIds: string[];
  beforeAll(async () => {
    db = await createTestDatabase();
    pool = createPool(db.url, { max: 12 });
    const sweep = await pool.query(
      `INSERT INTO sweeps (name, spec, objective_metric, objective_mode, trial_count) VALUES ('s', '{}', 'val_loss', 'min', 2) RETURNING id`,
    );
    sweepId = sweep.rows[0].id;
    const trials = await pool.query(
      `INSERT INTO trials (sweep_id, index, config, config_hash) SELECT $1, i, '{}', 'h' FROM generate_series(0, 1) i RETURNING id`,
      [sweepId],
    );
    trialIds = trials.rows.map((r) => r.id);
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('stores search settings, budget and params, and creates trials from an index on', async () => {
    await recordSearchSweep(pool, sweepId, { type: 'tpe', trials: 8, parallelism: 2, seed: 0 }, 8, [
      { '/optimizers/0/lr': 0.1 },
      null,
    ]);
    const ids = await insertSearchTrials(pool, sweepId, 2, [
      { config: { seed: 0 }, configHash: 'a', params: { '/optimizers/0/lr': 0.01 } },
      { config: { seed: 1 }, configHash: 'b', params: { '/optimizers/0/lr': 0.02 } },
    ]);
    expect(ids).toHaveLength(2);
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
  });

  it('keeps rung values per bracket, the first value of a rung, and why a trial was pruned', async () => {
    const [a, b] = trialIds as [string, string];
    await insertTrialRungs(pool, sweepId, a, 0, [{ rung: 0, value: 0.3 }]);
    await insertTrialRungs(pool, sweepId, a, 0, [{ rung: 0, value: 9 }]);
    await insertTrialRungs(pool, sweepId, b, 1, [
      { rung: 0, value: 0.4 },
      { rung: 1, value: 0.2 },
    ]);
    expect(await readTrialRungs(pool, a)).toEqual([0]);
    expect(await readRungValues(pool, sweepId, 0, 0, b)).toEqual(new Map([[0, [0.3]]]));
    expect(await readRungValues(pool, sweepId, 1, 1, a)).toEqual(new Map([[1, [0.2]]]));
    expect((await readRungValues(pool, sweepId, 0, 0, a)).size).toBe(0);
    await recordPruneDecision(pool, b, { rung: 1, value: 0.2, cutoff: 0.1 });
    const { rows } = await pool.query(
      'SELECT prune_rung, prune_value, prune_cutoff FROM trials WHERE id = $1',
      [b],
    );
    expect(rows[0]).toEqual({ prune_rung: 1, prune_value: 0.2, prune_cutoff: 0.1 });
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

  it('rolls back a decision that throws', async () => {
    await expect(
      withSweepLock(pool, sweepId, 'rungs', async (client) => {
        await insertTrialRungs(client, sweepId, trialIds[1]!, 1, [{ rung: 5, value: 1 }]);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await readTrialRungs(pool, trialIds[1]!)).toEqual([0, 1]);
  });
});
