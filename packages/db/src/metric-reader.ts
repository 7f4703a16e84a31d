import { isObjectiveMetric, isTrainerMetric, type SweepMetric } from '@hypersweep/core';
import type { Queryable } from './queryable.js';

/** `lrs` as stored, NULL meaning [lr] (migration 20261206181000), given back whole. */
const LRS = 'COALESCE(lrs, ARRAY[lr]) AS lrs';

export interface StoredStep {
  step: number;
  epoch: number;
  loss: number;
  lr: number;
  lrs: number[] | null;
}

export interface StoredEpoch {
  epoch: number;
  trainLoss: number;
  valLoss: number | null;
  valAccuracy: number | null;
  lr: number;
  /** An external trainer's own metrics (a non-finite value as the string "NaN", "Infinity"...); null: none. */
  metrics: Record<string, number | string> | null;
}

/** Steps are Postgres integers. */
export const MAX_STEP = 2_147_483_647;

/**
 * First and last stored step of a trial within [from, to]: two index probes, no scan. Steps are dense
 * (1, 2, 3, ...), so the span bounds the count without counting.
 */
export async function stepSpan(
  db: Queryable,
  trialId: string,
  window: { from?: number; to?: number } = {},
): Promise<{ first: number; last: number } | null> {
  const { rows } = await db.query<{ lo: number | null; hi: number | null }>(
    'SELECT min(step) AS lo, max(step) AS hi FROM step_metrics WHERE trial_id = $1 AND step BETWEEN $2 AND $3',
    [trialId, window.from ?? 0, window.to ?? MAX_STEP],
  );
  const { lo, hi } = rows[0]!;
  return lo === null || hi === null ? null : { first: lo, last: hi };
}

/** Every stored step in [first, last], in order. */
export async function readSteps(
  db: Queryable,
  trialId: string,
  first: number,
  last: number,
): Promise<StoredStep[]> {
  const { rows } = await db.query<StoredStep>(
    `SELECT step, epoch, loss, lr, ${LRS} FROM step_metrics WHERE trial_id = $1 AND step BETWEEN $2 AND $3 ORDER BY step`,
    [trialId, first, last],
  );
  return rows;
}

/** Steps per row of step_metric_blocks (block b holds steps 16b+1 .. 16b+16; the migration's triggers keep it). */
export const STEP_BLOCK = 16;

// Downsampling keeps, for each of `buckets` step ranges, its first and last step and the steps with the
// lowest and highest loss (M4), so a 1,000-point chart of a 100,000-step trial still shows every spike
// (min/max over ARRAY[loss, step] picks the extreme loss and, among ties, the earliest step; NaN sorts above
// every number in Postgres, so a divergence is always kept). The chosen rows are then read by primary key.
const PICK_ROWS = `SELECT step, epoch, loss, lr, ${LRS}, (SELECT sum(n) FROM agg)::int AS total FROM step_metrics
WHERE trial_id = $1 AND step = ANY(ARRAY(SELECT unnest(ARRAY[first, last, lowest, highest]) FROM agg))
ORDER BY step`;

// Short windows: equal step ranges, from every step (one hash aggregate).
const DOWNSAMPLED = `WITH agg AS (
  SELECT count(*) AS n, min(step) AS first, max(step) AS last,
    (min(ARRAY[loss, step::float8]))[2]::int AS lowest, (-(max(ARRAY[loss, -step::float8]))[2])::int AS highest
  FROM step_metrics WHERE trial_id = $1 AND step BETWEEN $2 AND $3
  GROUP BY ((step - $2)::bigint * $4) / ($3 - $2 + 1)
)
${PICK_ROWS}`;

// Long windows: buckets of $4 whole blocks counted from the window's first block ($5; $6 its last), from the
// block summaries; the two edge blocks, which the window may cut, from their steps. 16 times fewer rows.
const DOWNSAMPLED_FROM_BLOCKS = `WITH parts AS (
  SELECT block, n, first_step, last_step, low_step, low_loss, high_step, high_loss
  FROM step_metric_blocks WHERE trial_id = $1 AND block > $5 AND block < $6
  UNION ALL
  SELECT $5, 1, step, step, step, loss, step, loss
  FROM step_metrics WHERE trial_id = $1 AND step BETWEEN $2 AND least($3, ($5 + 1) * ${STEP_BLOCK})
  UNION ALL
  SELECT $6, 1, step, step, step, loss, step, loss
  FROM step_metrics WHERE trial_id = $1 AND step BETWEEN greatest($2, $6 * ${STEP_BLOCK} + 1) AND $3
), agg AS (
  SELECT sum(n) AS n, min(first_step) AS first, max(last_step) AS last,
    (min(ARRAY[low_loss, low_step::float8]))[2]::int AS lowest,
    (-(max(ARRAY[high_loss, -high_step::float8]))[2])::int AS highest
  FROM parts GROUP BY (block - $5) / $4
)
${PICK_ROWS}`;

/**
 * At most 4 steps per bucket of [first, last], at most `buckets` buckets, and how many steps the window
 * holds. A window of at least 2 blocks per bucket is cut into buckets of whole blocks (block-aligned, so
 * there may be fewer buckets) and read from step_metric_blocks; a shorter one into equal step ranges.
 */
export async function readStepsDownsampled(
  db: Queryable,
  trialId: string,
  window: { first: number; last: number; buckets: number },
): Promise<{ rows: StoredStep[]; total: number }> {
  const firstBlock = Math.floor((window.first - 1) / STEP_BLOCK);
  const lastBlock = Math.floor((window.last - 1) / STEP_BLOCK);
  const blocksPerBucket = Math.ceil((lastBlock - firstBlock + 1) / window.buckets);
  const { rows } =
    blocksPerBucket >= 2
      ? await db.query<StoredStep & { total: number }>(DOWNSAMPLED_FROM_BLOCKS, [
          trialId,
          window.first,
          window.last,
          blocksPerBucket,
          firstBlock,
          lastBlock,
        ])
      : await db.query<StoredStep & { total: number }>(DOWNSAMPLED, [
          trialId,
          window.first,
          window.last,
          window.buckets,
        ]);
  return {
    rows: rows.map(({ total: _, ...step }) => step),
    total: rows[0]?.total ?? 0,
  };
}

export async function readEpochs(db: Queryable, trialId: string): Promise<StoredEpoch[]> {
  const { rows } = await db.query<StoredEpoch>(
    `SELECT epoch, train_loss AS "trainLoss", val_loss AS "valLoss", val_accuracy AS "valAccuracy", lr, metrics
     FROM epoch_metrics WHERE trial_id = $1 ORDER BY epoch`,
    [trialId],
  );
  return rows;
}

/**
 * The SQL expression of an epoch metric a sweep's objective can name, on epoch_metrics (alias `table`):
 * the service's metrics are columns; a trainer's own (`val_bleu`, external sweeps) is a float8 read from
 * the `metrics` object, where a non-finite value is stored as the string "NaN" / "Infinity" that float8
 * reads back. The name goes into the SQL text, so only names of objective.ts's narrow pattern pass.
 */
export function epochMetricSql(metric: SweepMetric, table?: string): string {
  const prefix = table === undefined ? '' : `${table}.`;
  if (isObjectiveMetric(metric)) return `${prefix}${metric}`;
  if (!isTrainerMetric(metric)) throw new Error(`not a metric name: ${JSON.stringify(metric)}`);
  return `(${prefix}metrics ->> '${metric}')::float8`;
}
