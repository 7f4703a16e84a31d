import type pg from 'pg';

export interface StepMetricRow {
  step: number;
  epoch: number;
  loss: number;
  /** lr of param group 0 */
  lr: number;
  /** lr of every param group (same length for every row of a trial) */
  lrs: number[];
}

export interface EpochMetricRow {
  epoch: number;
  trainLoss: number;
  valLoss?: number | null;
  valAccuracy?: number | null;
  lr: number;
  /** An external trainer's own metrics by name (stored in the `metrics` object). */
  metrics?: Record<string, number> | null;
}

// One statement per batch: the columns travel as arrays and unnest turns them into rows. `lrs` travels flat
// (a trial has the same number of groups at every step) and each row takes its slice, stored NULL when it
// is exactly [lr] (step_lrs_stored, migration 20261206181000; readers give it back). ON CONFLICT makes a
// retried trial overwrite its own earlier rows instead of duplicating them.
const INSERT_STEPS = `INSERT INTO step_metrics (trial_id, step, epoch, loss, lr, lrs)
SELECT $1::uuid, u.step, u.epoch, u.loss, u.lr, step_lrs_stored(u.lr, ($6::float8[])[(u.ord - 1) * $7 + 1 : u.ord * $7])
FROM unnest($2::int[], $3::int[], $4::float8[], $5::float8[]) WITH ORDINALITY AS u(step, epoch, loss, lr, ord)
ON CONFLICT (trial_id, step) DO UPDATE
SET epoch = EXCLUDED.epoch, loss = EXCLUDED.loss, lr = EXCLUDED.lr, lrs = EXCLUDED.lrs`;

// An external trainer's retried report: the steps already stored stay as they are (the first report wins).
const INSERT_NEW_STEPS = `${INSERT_STEPS.slice(0, INSERT_STEPS.indexOf('ON CONFLICT'))}ON CONFLICT (trial_id, step) DO NOTHING`;

const INSERT_EPOCHS = `INSERT INTO epoch_metrics (trial_id, epoch, train_loss, val_loss, val_accuracy, lr, metrics)
SELECT $1::uuid, u.epoch, u.train_loss, u.val_loss, u.val_accuracy, u.lr, u.metrics
FROM unnest($2::int[], $3::float8[], $4::float8[], $5::float8[], $6::float8[], $7::jsonb[]) AS u(epoch, train_loss, val_loss, val_accuracy, lr, metrics)
ON CONFLICT (trial_id, epoch) DO UPDATE
SET train_loss = EXCLUDED.train_loss, val_loss = EXCLUDED.val_loss, val_accuracy = EXCLUDED.val_accuracy, lr = EXCLUDED.lr,
    metrics = EXCLUDED.metrics`;

/** JSON has no NaN or Infinity: those travel as the strings Postgres's float8 reads back. */
function metricsJson(metrics: Record<string, number> | null | undefined): string | null {
  if (metrics === null || metrics === undefined) return null;
  return JSON.stringify(metrics, (_key, value) =>
    typeof value === 'number' && !Number.isFinite(value) ? String(value) : value,
  );
}

type Queryable = Pick<pg.Pool, 'query'>;

/**
 * Writes one trial's step metrics in one statement. Returns the number of rows written. A step already
 * stored is overwritten (a retried trial of the service's), or with `onConflict: 'ignore'` kept.
 */
export async function writeStepMetrics(
  db: Queryable,
  trialId: string,
  rows: readonly StepMetricRow[],
  options: { onConflict?: 'update' | 'ignore' } = {},
): Promise<number> {
  if (rows.length === 0) return 0;
  const groups = rows[0]!.lrs.length;
  const n = rows.length;
  const steps = new Array<number>(n);
  const epochs = new Array<number>(n);
  const losses = new Array<number>(n);
  const lrs = new Array<number>(n);
  const flat = new Array<number>(n * groups);
  for (let i = 0; i < n; i++) {
    const row = rows[i]!;
    if (row.lrs.length !== groups) {
      throw new Error(
        `step ${row.step} has ${row.lrs.length} group lrs; earlier rows of the batch have ${groups}`,
      );
    }
    steps[i] = row.step;
    epochs[i] = row.epoch;
    losses[i] = row.loss;
    lrs[i] = row.lr;
    for (let g = 0; g < groups; g++) flat[i * groups + g] = row.lrs[g]!;
  }
  const statement = options.onConflict === 'ignore' ? INSERT_NEW_STEPS : INSERT_STEPS;
  const result = await db.query(statement, [trialId, steps, epochs, losses, lrs, flat, groups]);
  return result.rowCount ?? n;
}

/** Writes one trial's epoch metrics in one statement. */
export async function writeEpochMetrics(
  db: Queryable,
  trialId: string,
  rows: readonly EpochMetricRow[],
): Promise<number> {
  if (rows.length === 0) return 0;
  const result = await db.query(INSERT_EPOCHS, [
    trialId,
    rows.map((row) => row.epoch),
    rows.map((row) => row.trainLoss),
    rows.map((row) => row.valLoss ?? null),
    rows.map((row) => row.valAccuracy ?? null),
    rows.map((row) => row.lr),
    rows.map((row) => metricsJson(row.metrics)),
  ]);
  return result.rowCount ?? rows.length;
}
