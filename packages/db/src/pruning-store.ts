import type { SweepMetric } from '@hypersweep/core';
import { epochMetricSql } from './metric-reader.js';
import type { Queryable } from './queryable.js';

/**
 * Statements of the pruners (@hypersweep/search's Pruner interface): `loadPruningStudy` loads the read
 * model a decision needs, as the pruner's `reads` names it, with bounded, indexed queries (one epoch of
 * the completed trials; the rungs of one bracket); `storePruneDecision` keeps the decision (the
 * trial's rung values; for a pruned trial the rung, its value and the cutoff). Decisions that record
 * rung values run inside `withSweepLock(..., 'rungs')` (search-store.ts), so two trials reporting the
 * same rung at once see each other.
 */

/** What a pruning decision reads for one trial of a sweep (the pruner's `reads`, and the sweep's objective). */
export interface PruningStudyQuery {
  sweepId: string;
  trialId: string;
  objective: { metric: SweepMetric; mode: 'min' | 'max' };
  /** MedianPruner: how many trials completed, and the objective value each completed trial stored at this epoch. */
  completedAt?: number;
  /**
   * Rung pruners: the rungs the trial recorded, and the values the other trials of `bracket` recorded
   * at rungs from the trial's next rung up (`'next'`: the count of rungs it recorded) or at every rung.
   */
  rungs?: { bracket: number; from: 'next' | 'all' };
}

/** The read model every pruner decides over (@hypersweep/search's PruningStudy); what was not asked for is empty. */
export interface PruningStudyRow {
  direction: 'minimize' | 'maximize';
  metric: SweepMetric;
  completedTrials: number;
  /** By epoch: the value of each completed trial that stored one there (NaN as stored, nulls left out). */
  completedValues: Map<number, number[]>;
  trialRungs: number[];
  rungValues: { bracket: number; rung: number; values: number[] }[];
}

export async function loadPruningStudy(db: Queryable, query: PruningStudyQuery): Promise<PruningStudyRow> {
  const { sweepId, trialId, objective } = query;
  const study: PruningStudyRow = {
    direction: objective.mode === 'min' ? 'minimize' : 'maximize',
    metric: objective.metric,
    completedTrials: 0,
    completedValues: new Map(),
    trialRungs: [],
    rungValues: [],
  };
  if (query.completedAt !== undefined) {
    const completed = await completedEpochValues(db, sweepId, query.completedAt, objective.metric);
    study.completedTrials = completed.completedTrials;
    study.completedValues.set(query.completedAt, completed.values);
  }
  if (query.rungs !== undefined) {
    const { bracket, from } = query.rungs;
    study.trialRungs = await readTrialRungs(db, trialId);
    const values = await readRungValues(
      db,
      sweepId,
      bracket,
      from === 'next' ? study.trialRungs.length : 0,
      trialId,
    );
    study.rungValues = [...values].map(([rung, v]) => ({ bracket, rung, values: v }));
  }
  return study;
}

/** A pruner's decision (@hypersweep/search's PruneDecision), as far as it is stored. */
export interface StoredPruneDecision {
  prune: boolean;
  bracket: number;
  records: ReadonlyArray<{ rung: number; value: number }>;
  rung: number | null;
  value: number | null;
  cutoff: number | null;
}

/**
 * Keeps a decision: the trial's rung values (whether pruned or not), and for a pruned trial the rung
 * (MedianPruner: the epoch), its value there (MedianPruner: its best) and the cutoff it missed.
 */
export async function storePruneDecision(
  db: Queryable,
  sweepId: string,
  trialId: string,
  decision: StoredPruneDecision,
): Promise<void> {
  await insertTrialRungs(db, sweepId, trialId, decision.bracket, decision.records);
  if (decision.prune) await recordPruneDecision(db, trialId, decision);
}

/** The rungs a trial has recorded (SuccessiveHalving / Hyperband rung indices, ASHA milestones). */
async function readTrialRungs(db: Queryable, trialId: string): Promise<number[]> {
  const { rows } = await db.query<{ rung: number }>(
    'SELECT rung FROM trial_rungs WHERE trial_id = $1 ORDER BY rung',
    [trialId],
  );
  return rows.map((r) => r.rung);
}

/** The values other trials of the bracket recorded at each rung from `fromRung` up, keyed by rung. */
async function readRungValues(
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
async function insertTrialRungs(
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
async function recordPruneDecision(
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
 * How many trials of the sweep have completed, and `metric` at `epoch` of each completed trial that
 * stored a value there (NaN as stored; nulls left out). One count on trials(sweep_id, status) and one
 * primary-key probe of epoch_metrics per completed trial. The values travel as one text list, which
 * parses faster than a float8[] (at 10,000 completed trials it costs what the SQL median did; the
 * float8[] took 25 % longer) and is exact: Postgres 12+ prints the shortest text that reads back as the
 * same double (extra_float_digits 1, the default; node-postgres reads every float8 that way).
 */
async function completedEpochValues(
  db: Queryable,
  sweepId: string,
  epoch: number,
  metric: SweepMetric,
): Promise<{ completedTrials: number; values: number[] }> {
  const column = epochMetricSql(metric, 'e');
  const { rows } = await db.query<{ completedTrials: number; values: string }>(
    // A protocol's evaluation trials are never pruned and never judge others: its pruners act in the tuning phase.
    `SELECT (SELECT count(*) FROM trials WHERE sweep_id = $1 AND status = 'completed'
               AND phase IS DISTINCT FROM 'evaluation')::int AS "completedTrials",
            COALESCE(string_agg(${column}::text, ','), '') AS values
     FROM epoch_metrics e JOIN trials t ON t.id = e.trial_id
     WHERE t.sweep_id = $1 AND t.status = 'completed' AND t.phase IS DISTINCT FROM 'evaluation' AND e.epoch = $2`,
    [sweepId, epoch],
  );
  const { completedTrials, values } = rows[0]!;
  return { completedTrials, values: values === '' ? [] : values.split(',').map(Number) };
}
