import { objectiveMetrics, type SweepMetric } from '@hypersweep/core';
import type { TrialStatus } from './generated/prisma/enums.js';
import { epochMetricSql } from './metric-reader.js';
import type { Queryable } from './queryable.js';

// Statements behind the comparison routes (/configs, /effects, /curves, the leaderboard CSV).

/** What the comparison reads of every trial of a sweep, besides its (immutable) config. */
export interface TrialResultRow {
  id: string;
  index: number;
  status: TrialStatus;
  bestValue: number | null;
  bestStep: number | null;
  finalLoss: number | null;
  stepsDone: number;
  durationMs: number | null;
  /** A pruned trial: the epochs it recorded before it was stopped (null for other trials). */
  epochsDone: number | null;
}

const RESULT_COLUMNS = `id, index, status, best_value AS "bestValue", best_step AS "bestStep",
  final_loss AS "finalLoss", steps_done AS "stepsDone",
  (extract(epoch FROM COALESCE(finished_at, CASE WHEN status = 'running' THEN now() END) - started_at) * 1000)::int8::float8 AS "durationMs",
  -- epochs count from 0 in epoch_metrics: the last one's number + 1 is how many it trained
  CASE WHEN status = 'pruned' THEN
    (SELECT max(e.epoch) + 1 FROM epoch_metrics e WHERE e.trial_id = trials.id) END AS "epochsDone"`;

/**
 * Every trial of a sweep in grid order, with the columns that change as it trains. A trial's config never
 * changes once inserted, so callers read configs apart (readTrialConfigs) and may keep them.
 */
export async function readTrialResults(db: Queryable, sweepId: string): Promise<TrialResultRow[]> {
  const { rows } = await db.query<TrialResultRow>(
    `SELECT ${RESULT_COLUMNS} FROM trials WHERE sweep_id = $1 ORDER BY index`,
    [sweepId],
  );
  return rows;
}

/** A trial's results with its config. */
export type TrialWithConfig = TrialResultRow & { config: unknown };

/**
 * The trials of some of a sweep's configurations (group keys, see rankConfigGroups) or, with `by: 'id'`,
 * some of its trials, with their configs, in grid order.
 */
export async function readSomeTrials(
  db: Queryable,
  sweepId: string,
  by: 'group' | 'id',
  keys: readonly string[],
): Promise<TrialWithConfig[]> {
  if (keys.length === 0) return [];
  const { rows } = await db.query<TrialWithConfig>(
    `SELECT ${RESULT_COLUMNS}, config FROM trials
     WHERE sweep_id = $1 AND ${by === 'group' ? 'group_key = ANY($2::text[])' : 'id = ANY($2::uuid[])'}
     ORDER BY index`,
    [sweepId, keys],
  );
  return rows;
}

/** The configs (packages/spec TrialConfig, as stored) of the given trials. */
export async function readTrialConfigs(
  db: Queryable,
  trialIds: readonly string[],
): Promise<Array<{ id: string; config: unknown }>> {
  if (trialIds.length === 0) return [];
  const { rows } = await db.query<{ id: string; config: unknown }>(
    'SELECT id, config FROM trials WHERE id = ANY($1::uuid[])',
    [trialIds],
  );
  return rows;
}

/**
 * Curves: step metrics per optimizer step, epoch metrics per epoch; besides these, an external trainer's
 * own epoch metrics (`val_bleu`) by name.
 */
export const curveMetrics = ['loss', 'lr', ...objectiveMetrics] as const;
export type CurveMetric = (typeof curveMetrics)[number] | SweepMetric;

const stepMetric = (metric: string) => metric === 'loss' || metric === 'lr';

function curveSource(metric: CurveMetric): { table: string; x: string; column: string } {
  if (stepMetric(metric)) return { table: 'step_metrics', x: 'step', column: metric };
  return { table: 'epoch_metrics', x: 'epoch', column: epochMetricSql(metric) };
}

/**
 * One group's curve as columns: per kept step (or epoch) the statistics over the group's trials there.
 * Non-finite values (a diverged trial's NaN or Infinity) arrive as strings from Postgres's JSON.
 */
export interface CurveRow {
  group: number;
  /** Points of the group before downsampling. */
  total: number;
  x: number[];
  mean: Array<number | string>;
  min: Array<number | string>;
  max: Array<number | string>;
  /** Sample standard deviation over the trials at this x; null for a single trial. */
  std: Array<number | string | null>;
  /** Trials with a value at this x. */
  n: number[];
}

// One statement for every group: the per-x statistics over each group's trials, then, per group, M4
// downsampling of the mean curve as GET /v1/trials/:id/metrics does it (each of maxPoints/4 equal x ranges
// keeps its first, last, lowest-mean and highest-mean points, so a divergence in the mean is never dropped;
// NaN sorts above every number). A group spanning no more than maxPoints keeps every point.
const curvesSql = ({ table, x, column }: ReturnType<typeof curveSource>) => `
WITH members AS (
  SELECT m.trial_id, m.grp FROM unnest($1::uuid[], $2::int[]) AS m(trial_id, grp)
), per_x AS (
  SELECT members.grp, t.x, avg(t.v) AS mean, min(t.v) AS lo, max(t.v) AS hi, stddev_samp(t.v) AS sd,
         count(*)::int AS n
  FROM members CROSS JOIN LATERAL (
    -- OFFSET 0 keeps this a per-trial primary-key range scan: the planner, not knowing that a trial's
    -- rows lie together, would otherwise scan the whole table into a hash join
    SELECT ${x} AS x, ${column} AS v FROM ${table} WHERE trial_id = members.trial_id AND ${column} IS NOT NULL OFFSET 0
  ) t
  GROUP BY members.grp, t.x
), spans AS (
  SELECT grp, min(x) AS first, max(x) AS last, count(*)::int AS total FROM per_x GROUP BY grp
), kept AS (
  SELECT DISTINCT b.grp, unnest(ARRAY[b.first, b.last, b.lowest, b.highest]) AS x
  FROM (
    SELECT p.grp, min(p.x) AS first, max(p.x) AS last,
           (min(ARRAY[p.mean, p.x::float8]))[2]::int AS lowest, (-(max(ARRAY[p.mean, -p.x::float8]))[2])::int AS highest
    FROM per_x p JOIN spans s ON s.grp = p.grp
    WHERE s.last - s.first + 1 > $3
    GROUP BY p.grp, ((p.x - s.first)::bigint * GREATEST(1, $3 / 4)) / (s.last - s.first + 1)
  ) b
)
SELECT p.grp AS "group", min(s.total) AS total,
  -- one JSON document per group: parsed natively by the driver, where 1,000s of rows would each be objects
  json_build_object('x', json_agg(p.x ORDER BY p.x), 'mean', json_agg(p.mean ORDER BY p.x),
    'min', json_agg(p.lo ORDER BY p.x), 'max', json_agg(p.hi ORDER BY p.x),
    'std', json_agg(p.sd ORDER BY p.x), 'n', json_agg(p.n ORDER BY p.x)) AS columns
FROM per_x p JOIN spans s ON s.grp = p.grp LEFT JOIN kept k ON k.grp = p.grp AND k.x = p.x
WHERE s.last - s.first + 1 <= $3 OR k.x IS NOT NULL
GROUP BY p.grp
ORDER BY p.grp`;

const CURVE_STATEMENTS = new Map<string, string>(
  curveMetrics.map((metric) => [metric, curvesSql(curveSource(metric))]),
);

/** Whether a metric is recorded per epoch (x is the epoch) rather than per optimizer step. */
export const isEpochMetric = (metric: CurveMetric) => !stepMetric(metric);

/**
 * Mean, min, max and sample std per step (or epoch) of each group of trials, downsampled to about
 * `maxPoints` per group, in one statement. `groups[g]` lists group g's trial ids; groups without a point
 * are left out.
 */
export async function readCurves(
  db: Queryable,
  metric: CurveMetric,
  groups: readonly (readonly string[])[],
  maxPoints: number,
): Promise<CurveRow[]> {
  const trialIds = groups.flat();
  const groupOf = groups.flatMap((ids, g) => ids.map(() => g));
  if (trialIds.length === 0) return [];
  const { rows } = await db.query<{
    group: number;
    total: number;
    columns: Omit<CurveRow, 'group' | 'total'>;
  }>(CURVE_STATEMENTS.get(metric) ?? curvesSql(curveSource(metric)), [trialIds, groupOf, maxPoints]);
  return rows.map((row) => ({ group: row.group, total: row.total, ...row.columns }));
}

/**
 * What the inputs of a sweep's effects (its completed trials' values, its pruned trials, how many trials
 * it has) are as of now, in three counts: completed and pruned trials never change again, so their counts
 * change exactly when those inputs do. One index-only scan of the sweep's (sweep_id, status) entries.
 */
export async function readResultCounts(
  db: Queryable,
  sweepId: string,
): Promise<{ trials: number; completed: number; pruned: number }> {
  const { rows } = await db.query<{ trials: number; completed: number; pruned: number }>(
    `SELECT count(*)::int AS trials, count(*) FILTER (WHERE status = 'completed')::int AS completed,
            count(*) FILTER (WHERE status = 'pruned')::int AS pruned
     FROM trials WHERE sweep_id = $1`,
    [sweepId],
  );
  return rows[0]!;
}
