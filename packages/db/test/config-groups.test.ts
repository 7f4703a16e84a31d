import { configKey, groupBySeed, rankGroups, type TrialConfig } from '@hypersweep/spec';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../src/client.js';
import { readSomeTrials } from '../src/compare-store.js';
import { fillGroupKeys, rankConfigGroups } from '../src/config-groups.js';
import { insertTrials } from '../src/sweep-store.js';
import { createTestDatabase, type TestDatabase } from '../src/testing.js';
import { random } from './store-fixture.js';

// rankConfigGroups is @hypersweep/spec rankGroups as one SQL statement: checked here against rankGroups
// itself on a sweep built to hit every rule (ties, NaN and infinite values, running and failed trials,
// groups with only pruned trials at different epochs, groups with nothing), in both directions and by page.

describe('configuration groups in Postgres', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let sweepId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = createPool(db.url);
    sweepId = (
      await pool.query(
        `INSERT INTO sweeps (name, spec, objective_metric, objective_mode, trial_count, status)
         VALUES ('s', '{}', 'val_loss', 'min', 0, 'running') RETURNING id`,
      )
    ).rows[0].id;
    const rand = random(7);
    // 60 configurations x 3 seeds, stored in a shuffled seed order so grid order and seed order differ
    const configs: TrialConfig[] = [];
    for (let c = 0; c < 60; c++) {
      for (const seed of [2, 0, 1]) {
        configs.push({
          optimizer: { type: 'SGD', options: { lr: 10 ** -(c % 7), momentum: Math.floor(c / 7) / 10 } },
          scheduler: null,
          seed,
        } as unknown as TrialConfig);
      }
    }
    await insertTrials(
      pool,
      sweepId,
      0,
      configs.map((config) => ({ config, configHash: `${configKey(config)}-${config.seed}` })),
    );
    const { rows } = await pool.query<{ id: string; index: number }>(
      'SELECT id, index FROM trials WHERE sweep_id = $1 ORDER BY index',
      [sweepId],
    );
    const values = [0.5, 0.25, 0.125, 1, 2, Number.NaN, Number.POSITIVE_INFINITY, 0.75, 1e-12, 3];
    for (const { id, index } of rows) {
      const c = Math.floor(index / 3);
      const r = rand();
      // group kinds by c % 6: completed (ties among groups: the values repeat), completed with a
      // non-finite value among them, all pruned, pruned and running, queued only, failed
      const kind = c % 6;
      const status =
        kind === 0 || kind === 1
          ? 'completed'
          : kind === 2
            ? 'pruned'
            : kind === 3
              ? r < 0.5
                ? 'pruned'
                : 'running'
              : kind === 4
                ? 'queued'
                : 'failed';
      const value = kind === 4 ? null : values[Math.floor(r * values.length)]!;
      await pool.query('UPDATE trials SET status = $2, best_value = $3, final_loss = $3 WHERE id = $1', [
        id,
        status,
        value === null ? null : String(value),
      ]);
      if (status === 'pruned') {
        // epochs 0..k recorded; some pruned trials recorded none
        const epochs = Math.floor(rand() * 4) - 1;
        for (let e = 0; e <= epochs; e++) {
          await pool.query(
            'INSERT INTO epoch_metrics (trial_id, epoch, train_loss, lr) VALUES ($1, $2, 1, 0.1)',
            [id, e],
          );
        }
      }
    }
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  /** rankGroups over every trial of the sweep, read whole. */
  async function expected(mode: 'min' | 'max') {
    const trials = await readSomeTrials(
      pool,
      sweepId,
      'id',
      (await pool.query('SELECT id FROM trials WHERE sweep_id = $1', [sweepId])).rows.map((r) => r.id),
    );
    return rankGroups(groupBySeed(trials.map((t) => ({ ...t, config: t.config as TrialConfig }))), mode);
  }

  it('ranks as rankGroups does, in both directions, page by page, with the totals', async () => {
    for (const mode of ['min', 'max'] as const) {
      const groups = await expected(mode);
      const whole = await rankConfigGroups(pool, sweepId, mode, { limit: 1000, offset: 0 });
      expect(whole.keys).toEqual(groups.map((g) => g.key));
      expect(whole.total).toBe(60);
      expect(whole.prunedTrials).toBe(groups.reduce((n, g) => n + g.pruned.n, 0));
      expect(whole.prunedConfigs).toBe(groups.filter((g) => g.objective.n === 0 && g.pruned.n > 0).length);
      expect(whole.prunedConfigs).toBeGreaterThan(5);
      const pages = [];
      for (let offset = 0; offset < 60; offset += 7) {
        pages.push(...(await rankConfigGroups(pool, sweepId, mode, { limit: 7, offset })).keys);
      }
      expect(pages).toEqual(whole.keys);
    }
  });

  it('gives trials stored without a group key theirs (older rows, an older process), then ranks the same', async () => {
    const before = await rankConfigGroups(pool, sweepId, 'min', { limit: 1000, offset: 0 });
    const stored = await pool.query(
      'SELECT id, group_key, seed FROM trials WHERE sweep_id = $1 ORDER BY id',
      [sweepId],
    );
    await pool.query(
      'UPDATE trials SET group_key = NULL, seed = NULL WHERE sweep_id = $1 AND index % 2 = 0',
      [sweepId],
    );
    expect(await fillGroupKeys(pool, sweepId)).toBe(90);
    expect(await fillGroupKeys(pool, sweepId)).toBe(0);
    const filled = await pool.query(
      'SELECT id, group_key, seed FROM trials WHERE sweep_id = $1 ORDER BY id',
      [sweepId],
    );
    expect(filled.rows).toEqual(stored.rows);
    await pool.query('UPDATE trials SET group_key = NULL, seed = NULL WHERE sweep_id = $1', [sweepId]);
    expect(await rankConfigGroups(pool, sweepId, 'min', { limit: 1000, offset: 0 })).toEqual(before);
  });
});
