import type { TrialOutcome, TrialRef } from '@hypersweep/core';
import type { SweepStatus, TrialStatus } from './generated/prisma/enums.js';
import type { Queryable } from './queryable.js';
import { LIVE_SWEEP, UNFINISHED_TRIAL } from './sql-statuses.js';

/** A trial as the API shows it (the checkpoint stays in the database). */
export interface TrialRow {
  id: string;
  sweepId: string;
  index: number;
  status: TrialStatus;
  config: Record<string, unknown>;
  attempts: number;
  /** Times the trial was taken over from a worker that stopped without handing it back. */
  lost: number;
  workerId: string | null;
  backend: string | null;
  stepsDone: number;
  bestValue: number | null;
  bestStep: number | null;
  finalLoss: number | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  heartbeatAt: Date | null;
  error: string | null;
  /** Sampled parameters of a random / tpe trial, null for a grid's. */
  params: Record<string, number> | null;
  /** Why a rung pruner stopped the trial: the rung, its value there and the cutoff it missed (else null). */
  pruneRung: number | null;
  pruneValue: number | null;
  pruneCutoff: number | null;
}

const TRIAL_COLUMNS = `id, sweep_id AS "sweepId", index, status, config, attempts, lost, worker_id AS "workerId", backend,
  steps_done AS "stepsDone", best_value AS "bestValue", best_step AS "bestStep", final_loss AS "finalLoss",
  started_at AS "startedAt", finished_at AS "finishedAt", heartbeat_at AS "heartbeatAt", error,
  params, prune_rung AS "pruneRung", prune_value AS "pruneValue", prune_cutoff AS "pruneCutoff"`;

/** A trial and its job: what the queue carries and the reconciler hands back. */
export type { TrialRef };

export async function findTrial(db: Queryable, id: string): Promise<TrialRow | null> {
  const { rows } = await db.query<TrialRow>(`SELECT ${TRIAL_COLUMNS} FROM trials WHERE id = $1`, [id]);
  return rows[0] ?? null;
}

/** Where a leaderboard page ends: its last trial's best value and index (the next page starts after it). */
export interface LeaderboardPosition {
  value: number | null;
  index: number;
}

/**
 * The sweep's trials best first by the objective (trials without a value last, then by index): `offset`
 * trials on, or after the trial at `after` (keyset paging: a page deep in a 100,000-trial sweep costs what
 * the first does, where OFFSET reads every trial before it).
 */
export async function listTrialsByObjective(
  db: Queryable,
  sweepId: string,
  query: {
    mode: 'min' | 'max';
    status?: TrialStatus;
    limit: number;
    offset: number;
    after?: LeaderboardPosition;
  },
): Promise<TrialRow[]> {
  const order = query.mode === 'max' ? 'DESC' : 'ASC';
  const beyond = query.mode === 'max' ? '<' : '>';
  const after = query.after;
  // the trials with a value, from the index on (sweep_id, best_value) in order, then those without one
  const { rows } = await db.query<TrialRow>(
    `SELECT * FROM (
       (SELECT ${TRIAL_COLUMNS} FROM trials
        WHERE sweep_id = $1 AND ($2::"TrialStatus" IS NULL OR status = $2::"TrialStatus")
          AND best_value IS NOT NULL AND $5::boolean
          AND ($6::float8 IS NULL OR (best_value ${beyond}= $6 AND (best_value ${beyond} $6 OR index > $7)))
        ORDER BY best_value ${order}, index LIMIT $3::int + $4::int)
       UNION ALL
       (SELECT ${TRIAL_COLUMNS} FROM trials
        WHERE sweep_id = $1 AND ($2::"TrialStatus" IS NULL OR status = $2::"TrialStatus")
          AND best_value IS NULL AND index > $8::int
        ORDER BY index LIMIT $3::int + $4::int)
     ) page
     ORDER BY "bestValue" ${order} NULLS LAST, index LIMIT $3 OFFSET $4`,
    [
      sweepId,
      query.status ?? null,
      query.limit,
      query.offset,
      after === undefined || after.value !== null,
      after?.value ?? null,
      after?.index ?? -1,
      after !== undefined && after.value === null ? after.index : -1,
    ],
  );
  return rows;
}

export async function countTrials(db: Queryable, sweepId: string, status?: TrialStatus): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM trials WHERE sweep_id = $1 AND ($2::"TrialStatus" IS NULL OR status = $2::"TrialStatus")`,
    [sweepId, status ?? null],
  );
  return rows[0]!.n;
}

/** Trials of every sweep by status, for /metrics. */
export async function countAllTrialsByStatus(db: Queryable): Promise<Partial<Record<TrialStatus, number>>> {
  const { rows } = await db.query<{ status: TrialStatus; n: number }>(
    'SELECT status, count(*)::int AS n FROM trials GROUP BY status',
  );
  return Object.fromEntries(rows.map((row) => [row.status, row.n]));
}

/** What a worker needs to train a trial it claimed. */
export interface ClaimedTrial {
  index: number;
  config: unknown;
  /** The latest checkpoint to resume from, or null to start at step 1. */
  checkpoint: unknown | null;
  objectiveMetric: string;
  objectiveMode: 'min' | 'max';
  pruner: unknown | null;
}

/** No limit on takeovers (a Postgres integer). */
const UNLIMITED = 2_147_483_647;

/**
 * Takes a queued (or abandoned running) trial of a live sweep for `workerId`: one more attempt, its
 * heartbeat starts. Taking a `running` trial over counts as losing it (`lost`): one already lost
 * `maxLost` times is not taken (failLostTrial fails it). Null when the trial is finished, cancelled,
 * deleted, lost too often, or its sweep is not live.
 */
export async function claimTrial(
  db: Queryable,
  trialId: string,
  workerId: string,
  maxLost: number = UNLIMITED,
): Promise<ClaimedTrial | null> {
  const { rows } = await db.query<ClaimedTrial>(
    `UPDATE trials t SET status = 'running', attempts = t.attempts + 1, worker_id = $2,
            lost = t.lost + (t.status = 'running')::int,
            started_at = COALESCE(t.started_at, now()), heartbeat_at = now(), error = NULL
     FROM sweeps s
     WHERE t.id = $1 AND s.id = t.sweep_id AND s.status IN (${LIVE_SWEEP}) AND NOT s.external
       AND (t.status = 'queued' OR (t.status = 'running' AND t.lost < $3))
     RETURNING t.index, t.config, t.checkpoint, s.objective_metric AS "objectiveMetric",
               s.objective_mode AS "objectiveMode",
               -- pruners act in a protocol's tuning phase only
               CASE WHEN t.phase = 'evaluation' THEN NULL ELSE s.pruner END AS pruner`,
    [trialId, workerId, maxLost],
  );
  return rows[0] ?? null;
}

/** Why a trial lost more than `maxLost` times fails. */
export const lostTooOftenError = (maxLost: number) =>
  `its worker stopped without handing it back more than ${maxLost} times (crashed, was killed or lost its lock while training it); not taken over again (TRIAL_MAX_LOST)`;

/**
 * A running trial of a live sweep already lost `maxLost` times fails instead of being taken over once
 * more: a trial that crashes every worker that trains it must not take them all down in turn. Returns its
 * steps done and error when this call failed it, else null.
 */
export async function failLostTrial(
  db: Queryable,
  trialId: string,
  maxLost: number,
): Promise<{ stepsDone: number; error: string } | null> {
  const { rows } = await db.query<{ stepsDone: number }>(
    `UPDATE trials t SET status = 'failed', finished_at = now(), worker_id = NULL, heartbeat_at = NULL,
            checkpoint = NULL, error = $3, lost = t.lost + 1
     FROM sweeps s
     WHERE t.id = $1 AND s.id = t.sweep_id AND s.status IN (${LIVE_SWEEP}) AND NOT s.external
       AND t.status = 'running' AND t.lost >= $2
     RETURNING t.steps_done AS "stepsDone"`,
    [trialId, maxLost, lostTooOftenError(maxLost)],
  );
  const row = rows[0];
  return row ? { stepsDone: row.stepsDone, error: lostTooOftenError(maxLost) } : null;
}

/**
 * A trial left queued or running in a cancelled sweep (its worker died after the cancel) ends cancelled.
 * True when this call changed it.
 */
export async function cancelTrialOfCancelledSweep(db: Queryable, trialId: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE trials t SET status = 'cancelled', finished_at = now() FROM sweeps s
     WHERE t.id = $1 AND s.id = t.sweep_id AND s.status = 'cancelled' AND t.status IN (${UNFINISHED_TRIAL})`,
    [trialId],
  );
  return (rowCount ?? 0) > 0;
}

/**
 * Steps done and best value so far, and a heartbeat, for a trial `workerId` holds. Returns the sweep's
 * status (a cancel the worker missed shows here), or null when the trial is no longer this worker's
 * (deleted, or handed to another worker after its lease ran out).
 */
export async function recordProgress(
  db: Queryable,
  trialId: string,
  workerId: string,
  progress: { stepsDone: number; bestValue: number | null; bestStep: number | null },
): Promise<{ sweepStatus: SweepStatus } | null> {
  const { rows } = await db.query<{ sweepStatus: SweepStatus }>(
    `UPDATE trials t SET steps_done = $3, best_value = $4, best_step = $5, heartbeat_at = now() FROM sweeps s
     WHERE t.id = $1 AND t.worker_id = $2 AND t.status = 'running' AND s.id = t.sweep_id
     RETURNING s.status AS "sweepStatus"`,
    [trialId, workerId, progress.stepsDone, progress.bestValue, progress.bestStep],
  );
  return rows[0] ?? null;
}

/** One heartbeat for every trial a worker runs (one statement). Returns the ids still held by it. */
export async function heartbeat(
  db: Queryable,
  workerId: string,
  trialIds: readonly string[],
): Promise<string[]> {
  if (trialIds.length === 0) return [];
  const { rows } = await db.query<{ id: string }>(
    `UPDATE trials SET heartbeat_at = now() WHERE id = ANY($1::uuid[]) AND worker_id = $2 AND status = 'running'
     RETURNING id`,
    [trialIds, workerId],
  );
  return rows.map((row) => row.id);
}

/** Stores the trial's latest checkpoint. False when the trial is no longer this worker's. */
export async function saveCheckpoint(
  db: Queryable,
  trialId: string,
  workerId: string,
  checkpoint: { step: number },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE trials SET checkpoint = $3, steps_done = $4, heartbeat_at = now()
     WHERE id = $1 AND worker_id = $2 AND status = 'running'`,
    [trialId, workerId, JSON.stringify(checkpoint), checkpoint.step],
  );
  return (rowCount ?? 0) > 0;
}

/** A worker shutting down hands its trial back: queued again, it resumes from its last checkpoint. */
export async function requeueTrial(db: Queryable, trialId: string, workerId: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE trials SET status = 'queued', worker_id = NULL, heartbeat_at = NULL
     WHERE id = $1 AND worker_id = $2 AND status = 'running'`,
    [trialId, workerId],
  );
  return (rowCount ?? 0) > 0;
}

/** The trial's outcome; its checkpoint is dropped. False when the trial is no longer this worker's. */
export async function finishTrial(
  db: Queryable,
  trialId: string,
  workerId: string,
  outcome: TrialOutcome,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE trials SET status = $3::"TrialStatus", steps_done = $4, best_value = $5, best_step = $6, final_loss = $7,
            backend = $8, error = $9, finished_at = now(), checkpoint = NULL, heartbeat_at = NULL
     WHERE id = $1 AND worker_id = $2 AND status = 'running'`,
    [
      trialId,
      workerId,
      outcome.status,
      outcome.stepsDone,
      outcome.bestValue,
      outcome.bestStep,
      outcome.finalLoss,
      outcome.backend,
      outcome.error,
    ],
  );
  return (rowCount ?? 0) > 0;
}

/**
 * A trial that threw: `failed` for good when `final`, otherwise queued for its next attempt. The steps
 * written before the throw are kept, so steps_done counts them (progress updates lag). Returns steps_done,
 * or null when the trial is no longer this worker's.
 */
export async function failTrial(
  db: Queryable,
  trialId: string,
  workerId: string,
  failure: { final: boolean; error: string },
): Promise<number | null> {
  const { rows } = await db.query<{ steps_done: number }>(
    // $3 is typed once, as the enum: used untyped in both places, Postgres deduces text for one and
    // "TrialStatus" for the other and refuses the statement.
    `UPDATE trials SET status = $3::"TrialStatus", error = $4, heartbeat_at = NULL,
            worker_id = CASE WHEN $3::"TrialStatus" = 'failed' THEN worker_id END,
            finished_at = CASE WHEN $3::"TrialStatus" = 'failed' THEN now() END,
            steps_done = COALESCE((SELECT max(step) FROM step_metrics WHERE trial_id = $1), 0)
     WHERE id = $1 AND worker_id = $2 AND status = 'running'
     RETURNING steps_done`,
    [trialId, workerId, failure.final ? 'failed' : 'queued', failure.error],
  );
  return rows[0]?.steps_done ?? null;
}

/**
 * Queued trials of live sweeps, in id order after `afterId`: what must have a job on the queue. Read in
 * pages so a huge backlog never sits in memory at once.
 */
export async function queuedTrialsOfLiveSweeps(
  db: Queryable,
  page: { limit: number; afterId?: string },
): Promise<TrialRef[]> {
  const { rows } = await db.query<TrialRef>(
    `SELECT t.id AS "trialId", t.sweep_id AS "sweepId" FROM trials t JOIN sweeps s ON s.id = t.sweep_id
     WHERE t.status = 'queued' AND s.status IN (${LIVE_SWEEP}) AND NOT s.external AND ($1::uuid IS NULL OR t.id > $1::uuid)
     ORDER BY t.id LIMIT $2`,
    [page.afterId ?? null, page.limit],
  );
  return rows;
}

/**
 * Running trials whose worker stopped heart-beating more than `leaseMs` ago go back to `queued` (they
 * resume from their last checkpoint on whichever worker takes them), each loss counted; one already lost
 * `maxLost` times fails instead; in a cancelled sweep they end cancelled. Returns the queued ones (they
 * need a job) and the failed ones of live sweeps.
 */
export async function reclaimExpiredTrials(
  db: Queryable,
  leaseMs: number,
  maxLost: number = UNLIMITED,
): Promise<{ requeued: TrialRef[]; failed: TrialRef[] }> {
  const { rows } = await db.query<TrialRef & { live: boolean; failed: boolean }>(
    `UPDATE trials t SET
       status = CASE WHEN s.status NOT IN (${LIVE_SWEEP}) THEN 'cancelled'
                     WHEN t.lost >= $2 THEN 'failed' ELSE 'queued' END::"TrialStatus",
       finished_at = CASE WHEN s.status IN (${LIVE_SWEEP}) AND t.lost < $2 THEN NULL ELSE now() END,
       lost = t.lost + 1,
       error = CASE WHEN s.status IN (${LIVE_SWEEP}) AND t.lost >= $2 THEN $3 ELSE t.error END,
       checkpoint = CASE WHEN s.status IN (${LIVE_SWEEP}) AND t.lost >= $2 THEN NULL ELSE t.checkpoint END,
       worker_id = NULL, heartbeat_at = NULL
     FROM sweeps s
     WHERE s.id = t.sweep_id AND t.status = 'running' AND (NOT s.external OR s.status NOT IN (${LIVE_SWEEP}))
       AND (t.heartbeat_at IS NULL OR t.heartbeat_at < now() - make_interval(secs => $1::float8 / 1000))
     RETURNING t.id AS "trialId", t.sweep_id AS "sweepId", s.status IN (${LIVE_SWEEP}) AS live,
               t.status = 'failed' AS failed`,
    [leaseMs, maxLost, lostTooOftenError(maxLost)],
  );
  const ref = ({ trialId, sweepId }: TrialRef) => ({ trialId, sweepId });
  return {
    requeued: rows.filter((row) => row.live && !row.failed).map(ref),
    failed: rows.filter((row) => row.live && row.failed).map(ref),
  };
}
