import {
  extendableSweepStatuses,
  growBudget,
  type OutboxMessage,
  type SearchGrowth,
  type SweepMetric,
} from '@hypersweep/core';
import type { SweepStatus } from './generated/prisma/enums.js';
import { epochMetricSql } from './metric-reader.js';
import { appendOutbox } from './outbox-store.js';
import { inTransaction, type Queryable, type Transactional } from './queryable.js';
import { LIVE_SWEEP, UNFINISHED_TRIAL } from './sql-statuses.js';
import { REOPEN_SWEEP } from './sweep-store.js';

/**
 * Statements of random / TPE search and of the rung-based pruners (SuccessiveHalving, Hyperband,
 * ASHA). A sampled sweep's settings, budget and first trials are stored by `insertSweep` and its later
 * trials by `insertTrials` (sweep-store.ts). Decisions that must not race (creating the next trials,
 * judging a rung) run inside `withSweepLock`: a transaction holding the sweep's row lock (proposals)
 * or a per-sweep advisory lock (rungs), so two workers finishing or reporting at once see each other's
 * writes.
 */
/** An objective metric: a column of epoch_metrics, or a trainer's own in its `metrics` (metric-reader.ts). */
export type ObjectiveColumn = SweepMetric;

/**
 * Runs `work` in a transaction; `lock` "row" takes the sweep row FOR NO KEY UPDATE (every writer of the
 * sweep waits for it, while a statement on one of its trials may still check the trial's foreign key to it:
 * FOR UPDATE would block that check, and a transaction that holds a trial and then checks the key would
 * deadlock with one that holds the sweep and then waits for the trial), "rungs" an advisory lock.
 */
export function withSweepLock<T>(
  pool: Transactional,
  sweepId: string,
  lock: 'row' | 'rungs',
  work: (db: Queryable) => Promise<T>,
): Promise<T> {
  return inTransaction(pool, async (db) => {
    if (lock === 'row') await db.query('SELECT 1 FROM sweeps WHERE id = $1 FOR NO KEY UPDATE', [sweepId]);
    else await db.query(`SELECT pg_advisory_xact_lock(hashtextextended($1::text || '/rungs', 0))`, [sweepId]);
    return work(db);
  });
}

/**
 * Live sweeps whose last step may have been lost: any sweep with nothing queued or running (its last
 * trial's worker died before completing it), and random / tpe sweeps with fewer configs in flight than
 * their parallelism allows while trials remain to create (a worker died between ending a trial and
 * proposing the next ones), and every live protocol sweep (each entry has a budget of its own). The reconciler proposes for each, then completes it if nothing is left (both
 * decide under locks or conditions of their own, so asking for a sweep that is owed nothing is harmless).
 */
export async function sweepsToSettle(db: Queryable, limit: number): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT s.id FROM sweeps s
     CROSS JOIN LATERAL (
       SELECT count(*)::int AS created,
              (count(*) FILTER (WHERE t.status IN (${UNFINISHED_TRIAL})))::int AS unfinished
       FROM trials t WHERE t.sweep_id = s.id
     ) c
     WHERE s.status IN (${LIVE_SWEEP})
       AND (c.unfinished = 0 OR s.protocol IS NOT NULL
            OR (s.search->>'type' IN ('random', 'tpe')
                AND greatest(ceil(c.created::numeric / s.seeds), s.samples_drawn) < (s.search->>'trials')::int
                AND ceil(c.unfinished::numeric / s.seeds)
                    < COALESCE((s.search->>'parallelism')::int, (s.search->>'trials')::int)))
     ORDER BY s.created_at LIMIT $1`,
    [limit],
  );
  return rows.map((row) => row.id);
}

export interface SearchSweepRow {
  spec: unknown;
  search: { type: string; trials: number | null; parallelism: number | null; seed: number } | null;
  status: string;
  objectiveMetric: ObjectiveColumn;
  objectiveMode: 'min' | 'max';
  trialCount: number;
  /** Trials created so far (the next index); counted for a random or tpe search only (null for others). */
  created: number | null;
  /** Created trials that have not ended (queued or running); a random or tpe search only, as `created`. */
  unfinished: number | null;
  /** Configs sampled so far, skipped ones included: the next sample's number (0 until first recorded). */
  samplesDrawn: number;
  /** Trials per config. */
  seeds: number;
  /** Its trials are claimed over REST (workload.external). */
  external: boolean;
}

/** Records how many configs a search has sampled (the proposer, under the sweep's row lock). */
export async function recordSamplesDrawn(db: Queryable, sweepId: string, drawn: number): Promise<void> {
  await db.query('UPDATE sweeps SET samples_drawn = $2 WHERE id = $1', [sweepId, drawn]);
}

export async function readSearchSweep(db: Queryable, sweepId: string): Promise<SearchSweepRow | null> {
  const { rows } = await db.query<SearchSweepRow>(
    `SELECT s.spec, s.search, s.status, s.objective_metric AS "objectiveMetric", s.objective_mode AS "objectiveMode",
            s.trial_count AS "trialCount", s.samples_drawn AS "samplesDrawn", s.seeds, s.external,
            -- counted for a search only: every trial's end reads this under the sweep's row lock, and a
            -- grid's counts (a scan of its trials) would make each end of a big grid wait on the last
            CASE WHEN s.search->>'type' IN ('random', 'tpe') THEN
              (SELECT count(*) FROM trials WHERE sweep_id = s.id)::int END AS created,
            CASE WHEN s.search->>'type' IN ('random', 'tpe') THEN
              (SELECT count(*) FROM trials WHERE sweep_id = s.id AND status IN (${UNFINISHED_TRIAL}))::int END AS unfinished
     FROM sweeps s WHERE s.id = $1`,
    [sweepId],
  );
  return rows[0] ?? null;
}

export interface FinishedSearchTrial {
  index: number;
  status: 'completed' | 'pruned' | 'failed' | 'cancelled';
  params: Record<string, number> | null;
  bestValue: number | null;
  lastEpoch: number | null;
  lastValue: number | null;
}

/**
 * The ended trials of a sweep (completed, pruned, failed, cancelled) in trial order, with each one's best
 * objective value and its last epoch's value (what a pruned trial reported last): TPE observes a config
 * once all its seeds have ended (packages/core's seed-observations.ts).
 */
export async function readFinishedSearchTrials(
  db: Queryable,
  sweepId: string,
  objective: ObjectiveColumn,
): Promise<FinishedSearchTrial[]> {
  const { rows } = await db.query<FinishedSearchTrial>(
    `SELECT t.index, t.status, t.params, t.best_value AS "bestValue", e.epoch AS "lastEpoch", e.value AS "lastValue"
     FROM trials t
     LEFT JOIN LATERAL (
       SELECT epoch, ${epochMetricSql(objective)} AS value FROM epoch_metrics WHERE trial_id = t.id ORDER BY epoch DESC LIMIT 1
     ) e ON true
     WHERE t.sweep_id = $1 AND t.status IN ('completed', 'pruned', 'failed', 'cancelled')
     ORDER BY t.index`,
    [sweepId],
  );
  return rows;
}

/**
 * Grows a random / TPE search's budget by `samples` configs (each once per seed), under the sweep's row
 * lock: `trial_count` grows by samples x seeds and the search settings' `trials` (the sweeps column and
 * the stored spec's `search`) by `samples`, so the proposer, the reconciler and the API agree on it. A
 * completed sweep runs again. No trial is created here: the workers' proposer creates the new ones
 * after the existing ones (config numbers continue, so random sample k is the same as if the budget
 * had been there from the start). Refused when the sweep cannot grow or the grown budget exceeds
 * `maxTrials`. `messages` (given the status after) go to the outbox.
 */
export function growSearchBudget(
  pool: Transactional,
  sweepId: string,
  samples: number,
  maxTrials: number,
  messages: (status: SweepStatus) => OutboxMessage[] = () => [],
): Promise<SearchGrowth> {
  return withSweepLock(pool, sweepId, 'row', async (db): Promise<SearchGrowth> => {
    const { rows } = await db.query<{
      status: SweepStatus;
      seeds: number;
      type: string | null;
      trials: number | null;
      parallelism: number | null;
    }>(
      `SELECT status, seeds, search->>'type' AS type, (search->>'trials')::int AS trials,
              (search->>'parallelism')::int AS parallelism
       FROM sweeps WHERE id = $1`,
      [sweepId],
    );
    const row = rows[0];
    if (!row) return { kind: 'missing' };
    if ((row.type !== 'random' && row.type !== 'tpe') || !row.trials) return { kind: 'not-search' };
    if (!(extendableSweepStatuses as readonly string[]).includes(row.status))
      return { kind: 'refused', status: row.status };
    const growth = growBudget(
      { samples: row.trials, seeds: row.seeds, parallelism: row.parallelism },
      samples,
      maxTrials,
    );
    if (!growth.ok) return { kind: 'too-many', trialCount: growth.trialCount };
    const updated = await db.query<{ status: SweepStatus; trialCount: number; samples: number }>(
      `UPDATE sweeps SET trial_count = $2, ${REOPEN_SWEEP},
         search = jsonb_set(search, '{trials}', to_jsonb($3::int)),
         spec = CASE WHEN jsonb_typeof(spec->'search') = 'object'
                     THEN jsonb_set(spec, '{search,trials}', to_jsonb($3::int))
                     ELSE spec END
       WHERE id = $1
       RETURNING status, trial_count AS "trialCount", (search->>'trials')::int AS samples`,
      [sweepId, growth.trialCount, growth.budget.samples],
    );
    const grown = updated.rows[0]!;
    const outbox = await appendOutbox(db, messages(grown.status));
    return { kind: 'grown', grownBy: growth.grownBy, ...grown, outbox };
  });
}

export type { SearchGrowth };

/** A protocol sweep under its row lock: its plan and where each entry's tuning and evaluation stand. */
export async function readProtocolSweep(db: Queryable, sweepId: string) {
  const { rows } = await db.query<{
    protocol: ProtocolColumn | null;
    status: SweepStatus;
    objectiveMetric: ObjectiveColumn;
    objectiveMode: 'min' | 'max';
    seeds: number;
    created: number;
    counts: Array<{ phase: string; entry: number; created: number; unfinished: number }> | null;
  }>(
    `SELECT s.protocol, s.status, s.objective_metric AS "objectiveMetric", s.objective_mode AS "objectiveMode", s.seeds,
            -- counted for a protocol sweep only (read under the sweep's row lock at every trial's end)
            CASE WHEN s.protocol IS NOT NULL THEN (SELECT count(*) FROM trials WHERE sweep_id = s.id)::int END AS created,
            CASE WHEN s.protocol IS NOT NULL THEN (SELECT jsonb_agg(c) FROM (
               SELECT phase, entry, count(*)::int AS created,
                      (count(*) FILTER (WHERE status IN (${UNFINISHED_TRIAL})))::int AS unfinished
               FROM trials WHERE sweep_id = s.id AND phase IS NOT NULL GROUP BY phase, entry) c) END AS counts
     FROM sweeps s WHERE s.id = $1`,
    [sweepId],
  );
  const row = rows[0];
  if (!row || row.protocol === null) return null;
  const count = (phase: string, entry: number) =>
    row.counts?.find((c) => c.phase === phase && c.entry === entry) ?? { created: 0, unfinished: 0 };
  return {
    status: row.status,
    objectiveMetric: row.objectiveMetric,
    objectiveMode: row.objectiveMode,
    seeds: row.seeds,
    created: row.created,
    protocol: row.protocol,
    entries: row.protocol.entries.map((e) => ({
      entry: e.entry,
      oneShot: e.oneShot,
      search: e.search,
      searchType: row.protocol!.tuning.search,
      samples: row.protocol!.tuning.trials,
      parallelism: e.parallelism,
      drawn: e.drawn ?? 0,
      tuningCreated: count('tuning', e.entry).created,
      tuningUnfinished: count('tuning', e.entry).unfinished,
      evaluationCreated: count('evaluation', e.entry).created,
    })),
  };
}

/** The stored protocol plan, as far as settling reads it (packages/spec ProtocolPlan). */
export interface ProtocolColumn {
  tuning: { search: 'grid' | 'random' | 'tpe'; trials: number; seeds: number[] };
  evaluation: { seeds: number[]; top: number };
  entries: Array<{
    entry: number;
    oneShot: boolean;
    search: unknown | null;
    parallelism: number | null;
    /** Configs the entry has sampled (skipped ones included); set by its proposer. */
    drawn?: number;
  }>;
}

/** Records how many configs a protocol entry has sampled (under the sweep's row lock). */
export async function recordEntryDrawn(db: Queryable, sweepId: string, entry: number, drawn: number) {
  await db.query(
    `UPDATE sweeps SET protocol = jsonb_set(protocol, ARRAY['entries', idx::text, 'drawn'], to_jsonb($3::int))
     FROM (SELECT (e.ordinality - 1) AS idx FROM sweeps s2, jsonb_array_elements(s2.protocol->'entries') WITH ORDINALITY e
           WHERE s2.id = $1 AND (e.value->>'entry')::int = $2) found
     WHERE id = $1`,
    [sweepId, entry, drawn],
  );
}

/** A protocol entry's ended tuning trials in trial order, as readFinishedSearchTrials plus config. */
export async function readEndedTuningTrials(
  db: Queryable,
  sweepId: string,
  entry: number,
  objective: ObjectiveColumn,
) {
  const { rows } = await db.query<{
    index: number;
    status: 'completed' | 'pruned' | 'failed';
    config: unknown;
    params: Record<string, number> | null;
    bestValue: number | null;
    lastEpoch: number | null;
    lastValue: number | null;
  }>(
    `SELECT t.index, t.status, t.config, t.params, t.best_value AS "bestValue", e.epoch AS "lastEpoch", e.value AS "lastValue"
     FROM trials t
     LEFT JOIN LATERAL (
       SELECT epoch, ${epochMetricSql(objective)} AS value FROM epoch_metrics WHERE trial_id = t.id ORDER BY epoch DESC LIMIT 1
     ) e ON true
     WHERE t.sweep_id = $1 AND t.phase = 'tuning' AND t.entry = $2 AND t.status IN ('completed', 'pruned', 'failed')
     ORDER BY t.index`,
    [sweepId, entry],
  );
  return rows;
}
