import { EPOCH_METRIC_COLUMNS, type EpochMetricName } from './metric-reader.js';
import type { Queryable } from './queryable.js';

/**
 * Statements of the pruners: what a pruning decision reads (the values completed trials reported at
 * an epoch, the values recorded at rungs) and what it stores (a trial's rung values, why it was
 * pruned). Rung decisions run inside `withSweepLock(..., 'rungs')` (search-store.ts).
 */

/** The rungs a trial has recorded (SuccessiveHalving / Hyperband rung indices, ASHA milestones). */
export async function readTrialRungs(db: Queryable, trialId: string): Promise<number[]> {
  const { rows } = await db.query<{ rung: number }>(
    'SELECT rung FROM trial_rungs WHERE trial_id = $1 ORDER BY rung',
    [trialId],
  );
  return rows.map((r) => r.rung);
}

/** The values other trials of the bracket recorded at each rung from `fromRung` up, keyed by rung. */
export async function readRungValues(
  db: Queryable,
  sweepId: string,
  bracket: number,
  fromRung: number,
  exceptTrialId: string,
): Promise<Map<number, number[]>> {
  const { rows } = await db.query<{ rung: number; values: number[] }>(
    `SELECT rung, array_agg(value) AS values FROM trial_rungs
     WHERE sweep_id = $1 AND bracket = $2 AND rung >= $3 AND trial_id <> $4
     GROUP BY rung`,
    [sweepId, bracket, fromRung, exceptTrialId],
  );
  return new Map(rows.map((r) => [r.rung, r.values]));
}

/** Records a trial's values at rungs (one statement); a rung already recorded keeps its first value. */
export async function insertTrialRungs(
  db: Queryable,
  sweepId: string,
  trialId: string,
  bracket: number,
  records: ReadonlyArray<{ rung: number; value: number }>,
): Promise<void> {
  if (records.length === 0) return;
  await db.query(
    `INSERT INTO trial_rungs (trial_id, sweep_id, bracket, rung, value)
     SELECT $1::uuid, $2::uuid, $3, r.rung, r.value FROM unnest($4::int[], $5::float8[]) AS r(rung, value)
     ON CONFLICT (trial_id, rung) DO NOTHING`,
    [trialId, sweepId, bracket, records.map((r) => r.rung), records.map((r) => r.value)],
  );
}

/** Why a pruner stopped a trial: the rung, the trial's value there and the cutoff it missed. */
export async function recordPruneDecision(
  db: Queryable,
  trialId: string,
  decision: { rung: number | null; value: number | null; cutoff: number | null },
): Promise<void> {
  await db.query('UPDATE trials SET prune_rung = $2, prune_value = $3, prune_cutoff = $4 WHERE id = $1', [
    trialId,
    decision.rung,
    decision.value,
    decision.cutoff,
  ]);
}

/**
 * The median of `metric` at `epoch` over the sweep's completed trials (NaN and missing values left out),
 * how many values it is the median of, and how many trials of the sweep have completed: what a median
 * pruner compares against.
 */
export async function completedEpochMedian(
  db: Queryable,
  sweepId: string,
  epoch: number,
  metric: EpochMetricName,
): Promise<{ completedTrials: number; median: number | null; values: number }> {
  const column = EPOCH_METRIC_COLUMNS[metric];
  const { rows } = await db.query<{ completedTrials: number; median: number | null; values: number }>(
    `SELECT (SELECT count(*) FROM trials WHERE sweep_id = $1 AND status = 'completed')::int AS "completedTrials",
            percentile_cont(0.5) WITHIN GROUP (ORDER BY e.${column}) AS median, count(*)::int AS "values"
     FROM epoch_metrics e JOIN trials t ON t.id = e.trial_id
     WHERE t.sweep_id = $1 AND t.status = 'completed' AND e.epoch = $2
       AND e.${column} IS NOT NULL AND e.${column} <> 'NaN'::float8`,
    [sweepId, epoch],
  );
  return rows[0]!;
}
