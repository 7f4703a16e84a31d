import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  epochMetricSql,
  readEpochs,
  readSteps,
  readStepsDownsampled,
  stepSpan,
} from '../src/metric-reader.js';
import { writeEpochMetrics, writeStepMetrics } from '../src/metric-writer.js';
import { openStoreDatabase, seedSweep } from './store-fixture.js';

describe('metric reader', () => {
  let store: Awaited<ReturnType<typeof openStoreDatabase>>;
  let pool: pg.Pool;
  let trialId: string;
  beforeAll(async () => {
    store = await openStoreDatabase();
    pool = store.pool;
    trialId = (await seedSweep(pool, 1)).trialIds[0]!;
    const losses = Array.from({ length: 100 }, (_, i) => (i === 41 ? 50 : i === 77 ? -3 : 1 / (i + 1)));
    await writeStepMetrics(
      pool,
      trialId,
      losses.map((loss, i) => ({ step: i + 1, epoch: Math.floor(i / 10), loss, lr: 0.1, lrs: [0.1, 0.2] })),
    );
  });
  afterAll(async () => {
    await store?.close();
  });

  it('finds the span of stored steps in a window', async () => {
    expect(await stepSpan(pool, trialId)).toEqual({ first: 1, last: 100 });
    expect(await stepSpan(pool, trialId, { from: 10, to: 20 })).toEqual({ first: 10, last: 20 });
    expect(await stepSpan(pool, trialId, { from: 500 })).toBeNull();
  });

  it('reads steps in order', async () => {
    const rows = await readSteps(pool, trialId, 3, 5);
    expect(rows).toEqual([
      { step: 3, epoch: 0, loss: 1 / 3, lr: 0.1, lrs: [0.1, 0.2] },
      { step: 4, epoch: 0, loss: 1 / 4, lr: 0.1, lrs: [0.1, 0.2] },
      { step: 5, epoch: 0, loss: 1 / 5, lr: 0.1, lrs: [0.1, 0.2] },
    ]);
  });

  it('downsamples keeping each bucket first, last and extreme steps (the spikes survive)', async () => {
    const { rows, total } = await readStepsDownsampled(pool, trialId, { first: 1, last: 100, buckets: 4 });
    expect(total).toBe(100);
    expect(rows.length).toBeLessThanOrEqual(16);
    const steps = rows.map((r) => r.step);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    for (const step of [1, 100, 42, 78]) expect(steps).toContain(step);
  });

  it('reads epochs', async () => {
    const { trialIds } = await seedSweep(pool, 1);
    await writeEpochMetrics(pool, trialIds[0]!, [{ epoch: 1, trainLoss: 1, valLoss: 0.4, lr: 0.1 }]);
    expect(await readEpochs(pool, trialIds[0]!)).toEqual([
      { epoch: 1, trainLoss: 1, valLoss: 0.4, valAccuracy: null, lr: 0.1, metrics: null },
    ]);
  });

  it("keeps a trainer's own metrics, non-finite ones as the strings float8 reads back", async () => {
    const { trialIds } = await seedSweep(pool, 1);
    const id = trialIds[0]!;
    await writeEpochMetrics(pool, id, [
      { epoch: 1, trainLoss: 1, lr: 0.1, metrics: { val_bleu: 12.5, chrf: Number.NaN, ppl: Infinity } },
      { epoch: 2, trainLoss: 0.5, lr: 0.1, metrics: { val_bleu: 20 } },
    ]);
    expect((await readEpochs(pool, id)).map((e) => e.metrics)).toEqual([
      { val_bleu: 12.5, chrf: 'NaN', ppl: 'Infinity' },
      { val_bleu: 20 },
    ]);
    const { rows } = await pool.query(
      `SELECT ${epochMetricSql('val_bleu')} AS bleu, ${epochMetricSql('ppl', 'e')} AS ppl,
              ${epochMetricSql('val_loss', 'e')} AS val_loss
       FROM epoch_metrics e WHERE trial_id = $1 ORDER BY epoch`,
      [id],
    );
    expect(rows).toEqual([
      { bleu: 12.5, ppl: Infinity, val_loss: null },
      { bleu: 20, ppl: null, val_loss: null },
    ]);
  });

  it('refuses a metric name that could change the SQL it goes into', () => {
    for (const name of ["x' OR 1=1 --", 'Val_Bleu', 'epoch', '1st', '']) {
      expect(() => epochMetricSql(name)).toThrow(/not a metric name/);
    }
    expect(epochMetricSql('val_bleu', 'e')).toBe(`(e.metrics ->> 'val_bleu')::float8`);
  });
});
