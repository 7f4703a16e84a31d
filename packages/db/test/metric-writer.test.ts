import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../src/client.js';
import { writeEpochMetrics, writeStepMetrics } from '../src/metric-writer.js';
import { createTestDatabase, type TestDatabase } from '../src/testing.js';

describe('bulk metric writer', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let trialId: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    pool = createPool(db.url);
    const sweep = await pool.query(
      `INSERT INTO sweeps (name, spec, objective_metric, objective_mode, trial_count) VALUES ('s', '{}', 'val_loss', 'min', 1) RETURNING id`,
    );
    const trial = await pool.query(
      `INSERT INTO trials (sweep_id, index, config, config_hash) VALUES ($1, 0, '{}', 'h') RETURNING id`,
      [sweep.rows[0].id],
    );
    trialId = trial.rows[0].id;
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('writes a batch in one statement and a retried batch overwrites instead of duplicating', async () => {
    const rows = Array.from({ length: 1000 }, (_, i) => ({
      step: i + 1,
      epoch: Math.floor(i / 100),
      loss: 1 / (i + 1),
      lr: 0.1 * 0.5 ** Math.floor(i / 100),
      lrs: [0.1 * 0.5 ** Math.floor(i / 100), 0.01],
    }));
    expect(await writeStepMetrics(pool, trialId, rows)).toBe(1000);
    // a retry re-sends steps 501..1000 with other values
    const retried = rows.slice(500).map((r) => ({ ...r, loss: r.loss * 2 }));
    await writeStepMetrics(pool, trialId, retried);
    const { rows: stored } = await pool.query(
      'SELECT step, epoch, loss, lr, lrs FROM step_metrics WHERE trial_id = $1 ORDER BY step',
      [trialId],
    );
    expect(stored).toHaveLength(1000);
    expect(stored[0]).toEqual({ step: 1, epoch: 0, loss: 1, lr: 0.1, lrs: [0.1, 0.01] });
    expect(stored[999]).toEqual({
      step: 1000,
      epoch: 9,
      loss: 2 / 1000,
      lr: 0.1 * 0.5 ** 9,
      lrs: [0.1 * 0.5 ** 9, 0.01],
    });
    expect(stored[499].loss).toBe(1 / 500);
  });

  it('rejects a batch whose rows disagree on the number of groups', async () => {
    await expect(
      writeStepMetrics(pool, trialId, [
        { step: 1, epoch: 0, loss: 1, lr: 1, lrs: [1] },
        { step: 2, epoch: 0, loss: 1, lr: 1, lrs: [1, 2] },
      ]),
    ).rejects.toThrow(/step 2 has 2 group lrs/);
  });

  it('writes epoch metrics with optional validation values', async () => {
    await writeEpochMetrics(pool, trialId, [
      { epoch: 0, trainLoss: 1.5, valLoss: 1.2, valAccuracy: 0.6, lr: 0.1 },
      { epoch: 1, trainLoss: 1.1, lr: 0.05 },
    ]);
    const { rows } = await pool.query(
      'SELECT epoch, train_loss, val_loss, val_accuracy, lr FROM epoch_metrics WHERE trial_id = $1 ORDER BY epoch',
      [trialId],
    );
    expect(rows).toEqual([
      { epoch: 0, train_loss: 1.5, val_loss: 1.2, val_accuracy: 0.6, lr: 0.1 },
      { epoch: 1, train_loss: 1.1, val_loss: null, val_accuracy: null, lr: 0.05 },
    ]);
  });
});
