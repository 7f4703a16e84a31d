import { configKey, type TrialConfig } from '@hypersweep/spec';
import type { Queryable } from './queryable.js';

// A sweep's configurations (its trials grouped regardless of seed) ranked and paged in Postgres: what
// GET /v1/sweeps/:id/configs and /curves?by=config read first, so that a page costs the same on a sweep of
// 100 trials as on one of 100,000. The rows of a page are then built by @hypersweep/spec (groupBySeed) from
// the page's trials alone, so every statistic keeps one definition.

/** What insertTrials stores beside a config: its group's key and its seed (JSON field names of the insert). */
export function groupColumns(config: unknown): { g: string; s: number | null } {
  const trialConfig = config as TrialConfig;
  return { g: configKey(trialConfig), s: Number.isInteger(trialConfig.seed) ? trialConfig.seed : null };
}

/**
 * Gives the sweep's trials stored without a group key (before migration 20261206190000_config_groups, or by
 * a process of an older release during a rolling upgrade) their key and seed, 2,000 at a time. Returns how
 * many it filled; a sweep with none costs one index probe.
 */
export async function fillGroupKeys(db: Queryable, sweepId: string): Promise<number> {
  let filled = 0;
  for (;;) {
    const { rows } = await db.query<{ id: string; config: unknown }>(
      // ORDER BY the index's columns: with many keyless trials elsewhere (an old database) the planner
      // would otherwise expect to find 2,000 soon by reading the whole table
      'SELECT id, config FROM trials WHERE sweep_id = $1 AND group_key IS NULL ORDER BY sweep_id, group_key LIMIT 2000',
      [sweepId],
    );
    if (rows.length === 0) return filled;
    const columns = rows.map((r) => groupColumns(r.config));
    await db.query(
      `UPDATE trials SET group_key = v.g, seed = v.s
       FROM unnest($1::uuid[], $2::text[], $3::int[]) AS v(id, g, s) WHERE trials.id = v.id`,
      [rows.map((r) => r.id), columns.map((c) => c.g), columns.map((c) => c.s)],
    );
    filled += rows.length;
  }
}

/** A page of a sweep's configurations in rank order, and what the whole ranking holds. */
export interface RankedGroupsPage {
  /** Configurations in the sweep. */
  total: number;
  /** Pruned trials in the sweep, and configurations whose trials were all pruned (no completed one). */
  prunedTrials: number;
  prunedConfigs: number;
  /** The page's group keys, best first. */
  keys: string[];
}

// @hypersweep/spec rankGroups as one statement (keep the two in step: the API's tests compare them):
// - the mean objective of a group's completed trials with a finite value, summed in seed order as
//   summarize() sums (avg's float8 state adds in its input's order), best first in the objective's direction;
// - then groups without such a trial but with pruned ones, by their furthest pruned trial: the most epochs
//   trained (none recorded counts as -1), then its best finite value; then groups with neither;
// - ties by the group's first grid position.
const rankSql = (mode: 'min' | 'max') => {
  const dir = mode === 'min' ? 'ASC' : 'DESC';
  return `
WITH c AS (
  -- read from the index on (sweep_id, group_key, seed, index, status, best_value) alone, in its order
  SELECT group_key, avg(v ORDER BY seed, index) FILTER (WHERE status = 'completed') AS mean,
         count(v) FILTER (WHERE status = 'completed') AS n, min(index) AS first_index
  FROM (SELECT group_key, seed, index, status,
               CASE WHEN best_value NOT IN ('NaN', 'Infinity', '-Infinity') THEN best_value END AS v
        FROM trials WHERE sweep_id = $1) t
  GROUP BY group_key
), p AS (
  SELECT t.group_key, CASE WHEN t.best_value NOT IN ('NaN', 'Infinity', '-Infinity') THEN t.best_value END AS v,
         COALESCE((SELECT max(e.epoch) + 1 FROM epoch_metrics e WHERE e.trial_id = t.id), -1) AS reach
  FROM trials t WHERE t.sweep_id = $1 AND t.status = 'pruned'
), q AS (
  SELECT group_key, count(*) AS pruned, max(reach) AS reach,
         (array_agg(v ORDER BY reach DESC, v ${dir} NULLS LAST))[1] AS reach_value
  FROM p GROUP BY group_key
), g AS (
  SELECT c.*, COALESCE(q.pruned, 0) AS pruned, q.reach, q.reach_value FROM c LEFT JOIN q USING (group_key)
)
SELECT (SELECT count(*)::int FROM g) AS total,
       (SELECT COALESCE(sum(pruned), 0)::int FROM g) AS "prunedTrials",
       (SELECT count(*)::int FROM g WHERE n = 0 AND pruned > 0) AS "prunedConfigs",
       ARRAY(SELECT group_key FROM g
             ORDER BY mean IS NULL, mean ${dir}, CASE WHEN mean IS NULL THEN pruned = 0 END,
                      CASE WHEN mean IS NULL THEN reach END DESC,
                      CASE WHEN mean IS NULL THEN reach_value END ${dir} NULLS LAST, first_index
             LIMIT $2 OFFSET $3) AS keys`;
};
const RANK_STATEMENTS = { min: rankSql('min'), max: rankSql('max') };

/** The sweep's configurations ranked as @hypersweep/spec rankGroups ranks them; `keys` holds one page. */
export async function rankConfigGroups(
  db: Queryable,
  sweepId: string,
  mode: 'min' | 'max',
  page: { limit: number; offset: number },
): Promise<RankedGroupsPage> {
  await fillGroupKeys(db, sweepId);
  const { rows } = await db.query<RankedGroupsPage>(RANK_STATEMENTS[mode], [
    sweepId,
    page.limit,
    page.offset,
  ]);
  return rows[0]!;
}
