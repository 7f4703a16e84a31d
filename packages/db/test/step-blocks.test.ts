import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { readStepsDownsampled, STEP_BLOCK } from '../src/metric-reader.js';
import { type StepMetricRow, writeStepMetrics } from '../src/metric-writer.js';
import { random, seedSweep, useStoreDatabase } from './store-fixture.js';

/** Losses with ties (two decimals), spikes, infinities and NaN: what Postgres orders and M4 must keep. */
function loss(next: () => number): number {
  const u = next();
  if (u < 0.002) return Number.NaN;
  if (u < 0.004) return Number.POSITIVE_INFINITY;
  if (u < 0.006) return -50;
  if (u < 0.01) return 1e6;
  return Math.round(next() * 100) / 100;
}

const row = (step: number, value: number): StepMetricRow => ({
  step,
  epoch: Math.floor(step / 1000),
  loss: value,
  lr: 0.1,
  lrs: [0.1],
});

/** Postgres's order of floats: NaN above every number (and equal to itself). */
const compare = (a: number, b: number) =>
  Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : Number.isNaN(b) ? -1 : a < b ? -1 : a > b ? 1 : 0;

/** M4 over buckets of whole blocks counted from the window's first block: the steps it keeps. */
function reference(losses: Map<number, number>, first: number, last: number, buckets: number): number[] {
  const firstBlock = Math.floor((first - 1) / STEP_BLOCK);
  const lastBlock = Math.floor((last - 1) / STEP_BLOCK);
  const per = Math.ceil((lastBlock - firstBlock + 1) / buckets);
  const groups = new Map<number, number[]>();
  for (const step of [...losses.keys()].sort((a, b) => a - b)) {
    if (step < first || step > last) continue;
    const key = Math.floor((Math.floor((step - 1) / STEP_BLOCK) - firstBlock) / per);
    groups.set(key, [...(groups.get(key) ?? []), step]);
  }
  const kept = new Set<number>();
  for (const steps of groups.values()) {
    let low = steps[0]!;
    let high = steps[0]!;
    for (const step of steps) {
      if (compare(losses.get(step)!, losses.get(low)!) < 0) low = step;
      if (compare(losses.get(step)!, losses.get(high)!) > 0) high = step;
    }
    for (const step of [steps[0]!, steps.at(-1)!, low, high]) kept.add(step);
  }
  return [...kept].sort((a, b) => a - b);
}

describe('step blocks (the downsampling summaries kept by triggers)', () => {
  let pool: pg.Pool;
  useStoreDatabase((store) => {
    pool = store.pool;
  });

  const blocksOf = async (trialId: string) =>
    (
      await pool.query(
        `SELECT block, n, first_step, last_step, low_step, low_loss, high_step, high_loss
         FROM step_metric_blocks WHERE trial_id = $1 ORDER BY block`,
        [trialId],
      )
    ).rows;
  /** The same summaries computed from scratch. */
  const summarised = async (trialId: string) =>
    (
      await pool.query(
        `SELECT block, n, first_step, last_step, lo[2]::int AS low_step, lo[1] AS low_loss,
                (-hi[2])::int AS high_step, hi[1] AS high_loss
         FROM (SELECT (step - 1) / ${STEP_BLOCK} AS block, count(*)::int AS n, min(step) AS first_step,
                      max(step) AS last_step, min(ARRAY[loss, step::float8]) AS lo, max(ARRAY[loss, -step::float8]) AS hi
               FROM step_metrics WHERE trial_id = $1 GROUP BY 1) g ORDER BY block`,
        [trialId],
      )
    ).rows;

  it('stay equal to a summary of the stored steps through out-of-order batches, rewrites and retries', async () => {
    const { trialIds } = await seedSweep(pool, 2);
    const [trialId, other] = trialIds as [string, string];
    const next = random(7);
    const steps = Array.from({ length: 5000 }, (_, i) => i + 1);
    // shuffled, so batches fill blocks in pieces and out of order
    for (let i = steps.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [steps[i], steps[j]] = [steps[j]!, steps[i]!];
    }
    const losses = new Map<number, number>();
    for (let i = 0; i < steps.length; i += 700) {
      const batch = steps.slice(i, i + 700).map((step) => row(step, loss(next)));
      for (const r of batch) losses.set(r.step, r.loss);
      await writeStepMetrics(pool, trialId, batch);
    }
    await writeStepMetrics(pool, other, [row(1, 5), row(2, 6)]);
    expect(await blocksOf(trialId)).toEqual(await summarised(trialId));
    expect(await blocksOf(trialId)).toHaveLength(Math.ceil(5000 / STEP_BLOCK));

    // A retried trial rewrites steps it stored before, some with other losses (an extreme may move), and
    // sends a batch again unchanged: its blocks follow.
    const rewritten = Array.from({ length: 300 }, () => 1 + Math.floor(next() * 5000)).map((step) =>
      row(step, next() < 0.5 ? losses.get(step)! : loss(next)),
    );
    const unique = [...new Map(rewritten.map((r) => [r.step, r])).values()];
    for (const r of unique) losses.set(r.step, r.loss);
    await writeStepMetrics(pool, trialId, unique);
    await writeStepMetrics(pool, trialId, unique);
    expect(await blocksOf(trialId)).toEqual(await summarised(trialId));
    expect((await blocksOf(trialId)).reduce((sum, block) => sum + block.n, 0)).toBe(5000);
    expect(await blocksOf(other)).toEqual([
      { block: 0, n: 2, first_step: 1, last_step: 2, low_step: 1, low_loss: 5, high_step: 2, high_loss: 6 },
    ]);

    // Long windows read the blocks: M4 over block-aligned buckets, exactly, wherever the window is cut.
    for (const [first, last, buckets] of [
      [1, 5000, 50],
      [37, 4999, 40],
      [17, 4000, 7],
      [100, 133, 1],
    ] as const) {
      const { rows, total } = await readStepsDownsampled(pool, trialId, { first, last, buckets });
      expect(total, `${first}-${last}`).toBe(last - first + 1);
      expect(
        rows.map((r) => r.step),
        `${first}-${last}`,
      ).toEqual(reference(losses, first, last, buckets));
      expect(rows.length).toBeLessThanOrEqual(4 * buckets);
      for (const r of rows)
        expect(Object.is(r.loss, losses.get(r.step)) || r.loss === losses.get(r.step)).toBe(true);
    }

    // Deleting a trial deletes its blocks.
    await pool.query('DELETE FROM trials WHERE id = $1', [trialId]);
    expect(await blocksOf(trialId)).toEqual([]);
    expect(await blocksOf(other)).toHaveLength(1);
  });
});
