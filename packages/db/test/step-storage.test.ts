import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../src/client.js';
import { readSteps, readStepsDownsampled } from '../src/metric-reader.js';
import { writeStepMetrics } from '../src/metric-writer.js';
import { applyMigrations, DEFAULT_MIGRATIONS_DIR } from '../src/migrate.js';
import { deleteSweep } from '../src/sweep-store.js';
import { createTestDatabase, type TestDatabase } from '../src/testing.js';
import { seedSweep } from './store-fixture.js';

const STORAGE_MIGRATION = '20261206181000_step_storage';

// Every stored step as the API reads it, to the bit: floats as their 8 bytes, lrs as the list given back
// (before the migration a NULL lrs read as no list, after it as [lr]).
const SNAPSHOT = (lrs: string) => `SELECT trial_id, step, epoch, encode(float8send(loss), 'hex') AS loss,
  encode(float8send(lr), 'hex') AS lr,
  (SELECT array_agg(encode(float8send(x), 'hex') ORDER BY i) FROM unnest(${lrs}) WITH ORDINALITY AS u(x, i)) AS lrs
  FROM step_metrics ORDER BY trial_id, step`;

describe('step storage (migration 20261206181000)', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let dir: string;
  beforeAll(async () => {
    // Today's schema: every migration before this one.
    dir = mkdtempSync(join(tmpdir(), 'migrations-'));
    cpSync(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
    rmSync(join(dir, STORAGE_MIGRATION), { recursive: true });
    db = await createTestDatabase({ migrationsDir: dir });
    pool = createPool(db.url);
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('migrates a database of the previous schema keeping every step, and drops only lrs equal to [lr]', async () => {
    const { trialIds } = await seedSweep(pool, 3);
    const [a, b, c] = trialIds as [string, string, string];
    // 2,000 one-group steps, 500 two-group ones, and the edges: an lrs that is not [lr], -0 against 0, NaN,
    // infinities, an empty list and a NULL (never written by the service, but allowed by the column).
    await pool.query(
      `INSERT INTO step_metrics (trial_id, step, epoch, loss, lr, lrs)
       SELECT $1, s, s / 100, 1.0 / s, 0.1 * 0.5 ^ (s / 250), ARRAY[0.1 * 0.5 ^ (s / 250)] FROM generate_series(1, 2000) s`,
      [a],
    );
    await pool.query(
      `INSERT INTO step_metrics (trial_id, step, epoch, loss, lr, lrs)
       SELECT $1, s, 0, s, 0.1, ARRAY[0.1, 0.01] FROM generate_series(1, 500) s`,
      [b],
    );
    await pool.query(
      `INSERT INTO step_metrics (trial_id, step, epoch, loss, lr, lrs) VALUES
         ($1, 1, 0, 1, 0.1, ARRAY[0.2]), ($1, 2, 0, 'NaN', '-0', ARRAY[0::float8]), ($1, 3, 0, 1, 0, ARRAY['-0'::float8]),
         ($1, 4, 0, 1, 'NaN', ARRAY['NaN'::float8]), ($1, 5, 0, '-Infinity', 'Infinity', ARRAY['Infinity'::float8]),
         ($1, 6, 0, 1, 0.1, '{}'), ($1, 7, 0, 1, 0.1, NULL), ($1, 8, 0, 1, 0.1, ARRAY[0.1, 0.1])`,
      [c],
    );
    const before = (await pool.query(SNAPSHOT(`COALESCE(lrs, '{}')`))).rows;
    const blocksBefore = (await pool.query('SELECT * FROM step_metric_blocks ORDER BY trial_id, block')).rows;
    expect(before).toHaveLength(2508);

    expect((await applyMigrations(db.url)).applied).toEqual([STORAGE_MIGRATION]);

    expect((await pool.query(SNAPSHOT('COALESCE(lrs, ARRAY[lr])'))).rows).toEqual(before);
    expect((await pool.query('SELECT * FROM step_metric_blocks ORDER BY trial_id, block')).rows).toEqual(
      blocksBefore,
    );
    // stored NULL: trial a's 2,000 steps, and the NaN and infinite ones (one bit pattern each in Postgres);
    // -0 against 0 and the other edges keep their list
    const nulls = await pool.query(
      'SELECT trial_id, step FROM step_metrics WHERE lrs IS NULL AND trial_id <> $1 ORDER BY step',
      [a],
    );
    expect(nulls.rows).toEqual([
      { trial_id: c, step: 4 },
      { trial_id: c, step: 5 },
    ]);
    expect(
      (
        await pool.query('SELECT count(*)::int AS n FROM step_metrics WHERE trial_id = $1 AND lrs IS NULL', [
          a,
        ])
      ).rows[0].n,
    ).toBe(2000);
    // the reader gives each list back: [lr] for those stored NULL, [] for the NULL that became '{}'
    const edges = await readSteps(pool, c, 1, 8);
    expect(edges.map((step) => step.lrs)).toEqual([
      [0.2],
      [0],
      [-0],
      [Number.NaN],
      [Infinity],
      [],
      [],
      [0.1, 0.1],
    ]);
    expect((await readSteps(pool, a, 1, 1))[0]!.lrs).toEqual([0.1]);
  });

  it('writes lrs NULL when it is [lr] and reads it back whole, downsampled too', async () => {
    const { trialIds } = await seedSweep(pool, 2);
    const [one, two] = trialIds as [string, string];
    const steps = Array.from({ length: 100 }, (_, i) => ({
      step: i + 1,
      epoch: 0,
      loss: 1 / (i + 1),
      lr: 0.1 / (i + 1),
      lrs: [0.1 / (i + 1)],
    }));
    await writeStepMetrics(pool, one, steps);
    await writeStepMetrics(
      pool,
      two,
      steps.map((s) => ({ ...s, lrs: [s.lr, 0.5] })),
    );
    await writeStepMetrics(pool, one, [{ step: 101, epoch: 1, loss: 1, lr: 0.1, lrs: [0.3] }]);
    const stored = await pool.query(
      'SELECT trial_id, count(*)::int AS n FROM step_metrics WHERE lrs IS NULL GROUP BY 1 ORDER BY 1',
    );
    expect(stored.rows.filter((r) => trialIds.includes(r.trial_id))).toEqual([{ trial_id: one, n: 100 }]);
    const read = await readSteps(pool, one, 1, 101);
    expect(read.map((s) => s.lrs)).toEqual([...steps.map((s) => s.lrs), [0.3]]);
    const picked = await readStepsDownsampled(pool, one, { first: 1, last: 101, buckets: 4 });
    for (const s of picked.rows) expect(s.lrs).toEqual(s.step === 101 ? [0.3] : [0.1 / s.step]);
    expect((await readSteps(pool, two, 1, 100)).map((s) => s.lrs)).toEqual(steps.map((s) => [s.lr, 0.5]));
  });

  it('deletes a sweep in statements of a few trials each, every step and block of it, none of others', async () => {
    const doomed = await seedSweep(pool, 5);
    const kept = await seedSweep(pool, 1);
    const rows = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ step: i + 1, epoch: 0, loss: 1, lr: 0.1, lrs: [0.1] }));
    for (const id of [...doomed.trialIds, ...kept.trialIds]) await writeStepMetrics(pool, id, rows(40));
    await pool.query('UPDATE trials SET steps_done = 40');
    const statements: string[] = [];
    const counting = {
      query: (text: string, values?: unknown[]) => {
        statements.push(text);
        return pool.query(text, values);
      },
    } as Pick<pg.Pool, 'query'>;
    expect(await deleteSweep(counting, doomed.sweepId, 100)).toBe(true);
    // 5 trials of 41 "steps" (steps_done + 1) in chunks of 100: trials {1, 2}, {3, 4}, {5}
    expect(statements.filter((s) => s.startsWith('DELETE FROM step_metrics'))).toHaveLength(3);
    const left = await pool.query(
      `SELECT (SELECT count(*)::int FROM step_metrics WHERE trial_id = ANY($1)) AS steps,
              (SELECT count(*)::int FROM step_metric_blocks WHERE trial_id = ANY($1)) AS blocks,
              (SELECT count(*)::int FROM step_metrics WHERE trial_id = ANY($2)) AS kept`,
      [doomed.trialIds, kept.trialIds],
    );
    expect(left.rows[0]).toEqual({ steps: 0, blocks: 0, kept: 40 });
  });
});
