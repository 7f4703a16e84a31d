import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../src/client.js';
import { type CurveRow, readCurves, readTrialConfigs, readTrialResults } from '../src/compare-store.js';
import { writeEpochMetrics, writeStepMetrics } from '../src/metric-writer.js';
import { extendSweepTrials } from '../src/sweep-store.js';
import { createTestDatabase, type TestDatabase } from '../src/testing.js';

/** The columns of readCurves as one object per point, for assertions. */
const pointsOf = (rows: CurveRow[]) =>
  rows.flatMap((r) =>
    r.x.map((x, i) => ({
      group: r.group,
      total: r.total,
      x,
      mean: r.mean[i] as number,
      min: r.min[i] as number,
      max: r.max[i] as number,
      std: r.std[i] as number | null,
      n: r.n[i]!,
    })),
  );

describe('compare store', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let sweepId: string;
  let trialIds: string[];

  // three trials: a loss per step that a test can recompute, with a spike at step 137 of trial 2
  const loss = (trial: number, step: number) => (trial === 2 && step === 137 ? 50 : (1 + trial) / step);
  const STEPS = 400;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = createPool(db.url);
    const sweep = await pool.query(
      `INSERT INTO sweeps (name, spec, objective_metric, objective_mode, trial_count, status, finished_at)
       VALUES ('s', '{"seeds": [0]}', 'val_loss', 'min', 3, 'completed', now()) RETURNING id`,
    );
    sweepId = sweep.rows[0].id;
    const trials = await pool.query(
      `INSERT INTO trials (sweep_id, index, config, config_hash, status, best_value)
       SELECT $1, i, jsonb_build_object('seed', i), 'h' || i, 'completed', i FROM generate_series(0, 2) i
       RETURNING id, index`,
      [sweepId],
    );
    trialIds = trials.rows.sort((a, b) => a.index - b.index).map((r) => r.id);
    for (const [t, id] of trialIds.entries()) {
      // trial 1 stops early: at later steps only two trials have a value
      const steps = t === 1 ? 300 : STEPS;
      await writeStepMetrics(
        pool,
        id,
        Array.from({ length: steps }, (_, i) => ({
          step: i + 1,
          epoch: Math.floor(i / 100),
          loss: loss(t, i + 1),
          lr: 0.1,
          lrs: [0.1],
        })),
      );
      await writeEpochMetrics(
        pool,
        id,
        [0, 1, 2].map((epoch) => ({
          epoch,
          trainLoss: 1,
          valLoss: t === 0 && epoch === 2 ? null : t + epoch,
          valAccuracy: null,
          lr: 0.1,
        })),
      );
    }
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('reads every trial of a sweep in grid order, and configs by trial id', async () => {
    const rows = await readTrialResults(pool, sweepId);
    expect(rows.map((r) => [r.id, r.index, r.status, r.bestValue])).toEqual(
      trialIds.map((id, i) => [id, i, 'completed', i]),
    );
    const configs = await readTrialConfigs(pool, [trialIds[2]!, trialIds[0]!]);
    expect(new Map(configs.map((c) => [c.id, c.config]))).toEqual(
      new Map([
        [trialIds[0], { seed: 0 }],
        [trialIds[2], { seed: 2 }],
      ]),
    );
    expect(await readTrialConfigs(pool, [])).toEqual([]);
  });

  it('gives mean, min, max, sample std and n per step for each group, computed independently here', async () => {
    const groups = [[trialIds[0]!, trialIds[1]!, trialIds[2]!], [trialIds[1]!]];
    const points = pointsOf(await readCurves(pool, 'loss', groups, 10_000));
    const g0 = points.filter((p) => p.group === 0);
    const g1 = points.filter((p) => p.group === 1);
    expect(g0.map((p) => p.x)).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
    expect(g1.map((p) => p.x)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    for (const p of g0) {
      const ys = [0, 1, 2].filter((t) => t !== 1 || p.x <= 300).map((t) => loss(t, p.x));
      const mean = ys.reduce((a, b) => a + b) / ys.length;
      const std = Math.sqrt(ys.reduce((s, y) => s + (y - mean) ** 2, 0) / (ys.length - 1));
      expect(p.n).toBe(ys.length);
      expect(p.mean).toBeCloseTo(mean, 12);
      expect(p.min).toBe(Math.min(...ys));
      expect(p.max).toBe(Math.max(...ys));
      expect(p.std).toBeCloseTo(std, 12);
      expect(p.total).toBe(STEPS);
    }
    // one trial: its own curve, no spread
    expect(g1.every((p) => p.n === 1 && p.std === null && p.min === p.max && p.mean === p.max)).toBe(true);
  });

  it('downsamples each group to about maxPoints, keeping the first and last step and every spike of the mean', async () => {
    const points = pointsOf(await readCurves(pool, 'loss', [trialIds], 40));
    expect(points.length).toBeLessThanOrEqual(40);
    expect(points.length).toBeGreaterThan(10);
    const xs = points.map((p) => p.x);
    expect(xs[0]).toBe(1);
    expect(xs.at(-1)).toBe(STEPS);
    expect(xs).toContain(137);
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
    expect(points[0]!.total).toBe(STEPS);
  });

  it('reads validation metrics per epoch, leaving out epochs a trial did not measure', async () => {
    const points = pointsOf(await readCurves(pool, 'val_loss', [trialIds], 1000));
    expect(points.map((p) => [p.x, p.n, p.mean])).toEqual([
      [0, 3, 1],
      [1, 3, 2],
      [2, 2, 3.5],
    ]);
    expect(await readCurves(pool, 'val_accuracy', [trialIds], 1000)).toEqual([]);
    expect(await readCurves(pool, 'loss', [], 1000)).toEqual([]);
  });

  it('extends a sweep with new cells only, reopens a completed sweep, with its messages in the outbox', async () => {
    const candidates = ['h1', 'new-a', 'h2', 'new-b', 'new-a'].map((configHash) => ({
      config: { hash: configHash },
      configHash,
    }));
    const outcome = await extendSweepTrials(pool, sweepId, candidates, { seeds: [0, 1] }, (added, status) => [
      { kind: 'enqueue', trials: added },
      { kind: 'event', event: { type: 'sweep', sweepId, status } },
    ]);
    if (outcome.kind !== 'extended') throw new Error(outcome.kind);
    expect(outcome.added.map((a) => a.index)).toEqual([3, 4]);
    expect(outcome.reused).toBe(3);
    expect(outcome.trialCount).toBe(5);
    expect(outcome.status).toBe('running');
    const stored = await pool.query(
      'SELECT s.status, s.finished_at, s.spec, array_agg(t.config_hash ORDER BY t.index) AS hashes FROM sweeps s JOIN trials t ON t.sweep_id = s.id WHERE s.id = $1 GROUP BY s.id',
      [sweepId],
    );
    expect(stored.rows[0]).toMatchObject({
      status: 'running',
      finished_at: null,
      spec: { seeds: [0, 1] },
      hashes: ['h0', 'h1', 'h2', 'new-a', 'new-b'],
    });
    const outbox = await pool.query('SELECT message FROM outbox WHERE id = ANY($1::bigint[]) ORDER BY id', [
      outcome.outbox,
    ]);
    expect(outbox.rows.map((row) => row.message)).toEqual([
      { kind: 'enqueue', trials: outcome.added.map((a) => ({ trialId: a.id, sweepId })) },
      { kind: 'event', event: { type: 'sweep', sweepId, status: 'running' } },
    ]);

    // nothing new: nothing changes; a cancelled sweep is refused; an unknown one is missing
    expect(await extendSweepTrials(pool, sweepId, candidates, { seeds: [0, 1] })).toMatchObject({
      kind: 'extended',
      added: [],
      reused: 5,
      status: 'running',
    });
    await pool.query(`UPDATE sweeps SET status = 'cancelled' WHERE id = $1`, [sweepId]);
    expect(await extendSweepTrials(pool, sweepId, candidates, {})).toEqual({
      kind: 'refused',
      status: 'cancelled',
    });
    expect(await extendSweepTrials(pool, '00000000-0000-4000-8000-000000000000', candidates, {})).toEqual({
      kind: 'missing',
    });
  });
});
