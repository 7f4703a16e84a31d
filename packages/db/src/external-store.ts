import type {
  ExternalClaimed,
  ExternalHeld,
  ExternalReport,
  ExternalSweepState,
  ExternalTrialStore,
  FinishedTrialStatus,
  TrialRef,
} from '@hypersweep/core';
import { sweepStatusEvent, trialFinishedEvent } from '@hypersweep/core';
import type { AnyPrunerConfig, TrialConfig } from '@hypersweep/spec';
import { writeEpochMetrics, writeStepMetrics } from './metric-writer.js';
import { appendOutbox } from './outbox-store.js';
import { inTransaction, type Queryable, type Transactional } from './queryable.js';
import { pruneReason } from './search-pruners.js';
import { LIVE_SWEEP } from './sql-statuses.js';
import { markSweepRunning } from './sweep-store.js';
import { lostTooOftenError } from './trial-store.js';

/**
 * The statements of external trials (trials of a sweep with `workload.external`, trained by a trainer
 * outside the service, packages/core external-trials.ts). A trial's lease is its `lease_token` plus
 * `heartbeat_at`: it ends `leaseMs` after the last claim or report. Nothing expires it in the background:
 * the next claim takes a trial whose lease ended (counted as lost, as the service's abandoned trials are).
 */

/** A lease that ended `leaseMs` after its heartbeat (SQL, `$n` the lease in milliseconds). */
const expired = (param: string) =>
  `(t.heartbeat_at IS NULL OR t.heartbeat_at < now() - make_interval(secs => ${param}::float8 / 1000))`;

export async function readExternalSweepState(
  db: Queryable,
  sweepId: string,
  leaseMs: number,
): Promise<ExternalSweepState | null> {
  const { rows } = await db.query<ExternalSweepState>(
    `SELECT s.status, s.external,
            (SELECT count(*) FROM trials WHERE sweep_id = s.id AND status = 'queued')::int AS queued,
            (SELECT count(*) FROM trials WHERE sweep_id = s.id AND status = 'running')::int AS running,
            (SELECT ceil(extract(epoch FROM min(heartbeat_at) + make_interval(secs => $2::float8 / 1000) - now()) * 1000)
               FROM trials WHERE sweep_id = s.id AND status = 'running')::float8 AS "nextExpiryMs"
     FROM sweeps s WHERE s.id = $1`,
    [sweepId, leaseMs],
  );
  return rows[0] ?? null;
}

/**
 * One statement: takes the first queued trial of a live external sweep, or a running one whose lease
 * ended and that was lost fewer than `maxLost` times (one more loss), skipping rows another claim holds;
 * it gets a fresh random token, a heartbeat and one more attempt. `resumeFrom` is its last stored step.
 */
export async function claimExternalTrial(
  db: Queryable,
  sweepId: string,
  worker: string,
  leaseMs: number,
  maxLost: number,
): Promise<ExternalClaimed | null> {
  const { rows } = await db.query<ExternalClaimed>(
    `WITH pick AS (
       SELECT t.id FROM trials t JOIN sweeps s ON s.id = t.sweep_id
       WHERE t.sweep_id = $1 AND s.external AND s.status IN (${LIVE_SWEEP})
         AND (t.status = 'queued' OR (t.status = 'running' AND t.lost < $4 AND ${expired('$3')}))
       ORDER BY (t.status = 'running') DESC, t.index
       LIMIT 1 FOR UPDATE OF t SKIP LOCKED
     )
     UPDATE trials t SET status = 'running', attempts = t.attempts + 1, worker_id = $2,
            lost = t.lost + (t.status = 'running')::int, lease_token = gen_random_uuid(),
            started_at = COALESCE(t.started_at, now()), heartbeat_at = now(), error = NULL
     FROM pick WHERE t.id = pick.id
     RETURNING t.id, t.index, t.config, t.params, t.lease_token AS token,
               t.heartbeat_at + make_interval(secs => $3::float8 / 1000) AS "expiresAt",
               COALESCE((SELECT max(step) FROM step_metrics WHERE trial_id = t.id), 0) AS "resumeFrom"`,
    [sweepId, worker, leaseMs, maxLost],
  );
  return rows[0] ?? null;
}

/**
 * Running trials of ended external sweeps (a cancelled one) whose lease ran out: their trainer is gone, and
 * no claim will come for them, so they end `cancelled` here, with their steps so far and their
 * trial.finished events in the outbox (one transaction). At most `limit` at once, skipping trials a report
 * or finish holds. Returns them.
 */
export async function cancelAbandonedExternalTrials(
  pool: Transactional,
  leaseMs: number,
  limit = 500,
): Promise<TrialRef[]> {
  return inTransaction(pool, async (db) => {
    const { rows } = await db.query<{ sweepId: string; trialId: string; stepsDone: number }>(
      `WITH abandoned AS (
         SELECT t.id FROM trials t JOIN sweeps s ON s.id = t.sweep_id
         WHERE t.status = 'running' AND s.external AND s.status NOT IN (${LIVE_SWEEP}) AND ${expired('$1')}
         LIMIT $2 FOR UPDATE OF t SKIP LOCKED
       )
       UPDATE trials t SET status = 'cancelled', finished_at = now(), heartbeat_at = NULL, lease_token = NULL,
              steps_done = COALESCE((SELECT max(step) FROM step_metrics WHERE trial_id = t.id), 0)
       FROM abandoned WHERE t.id = abandoned.id
       RETURNING t.sweep_id AS "sweepId", t.id AS "trialId", t.steps_done AS "stepsDone"`,
      [leaseMs, limit],
    );
    await appendOutbox(
      db,
      rows.map((row) => ({
        kind: 'event' as const,
        event: trialFinishedEvent(row, { status: 'cancelled', stepsDone: row.stepsDone }),
      })),
    );
    return rows.map(({ sweepId, trialId }) => ({ sweepId, trialId }));
  });
}

/**
 * Trials of the external sweep whose lease ended after they were lost `maxLost` times fail (their
 * trial.finished events in the outbox, one transaction). Returns how many.
 */
export async function failLostExternalTrials(
  pool: Transactional,
  sweepId: string,
  leaseMs: number,
  maxLost: number,
): Promise<number> {
  return inTransaction(pool, async (db) => {
    const { rows } = await db.query<{ trialId: string; stepsDone: number }>(
      `UPDATE trials t SET status = 'failed', finished_at = now(), heartbeat_at = NULL, lease_token = NULL,
              error = $4, lost = t.lost + 1,
              steps_done = COALESCE((SELECT max(step) FROM step_metrics WHERE trial_id = t.id), 0)
       FROM sweeps s
       WHERE t.sweep_id = $1 AND s.id = t.sweep_id AND s.external AND s.status IN (${LIVE_SWEEP})
         AND t.status = 'running' AND t.lost >= $3 AND ${expired('$2')}
       RETURNING t.id AS "trialId", t.steps_done AS "stepsDone"`,
      [sweepId, leaseMs, maxLost, lostTooOftenError(maxLost)],
    );
    await appendOutbox(
      db,
      rows.map((row) => ({
        kind: 'event' as const,
        event: trialFinishedEvent(
          { sweepId, trialId: row.trialId },
          { status: 'failed', stepsDone: row.stepsDone, error: lostTooOftenError(maxLost) },
        ),
      })),
    );
    return rows.length;
  });
}

/**
 * Fences a call to the trainer holding the trial (its token, the trial running) and renews its lease;
 * the row stays locked until the transaction ends, so no claim takes the trial meanwhile.
 */
async function holdTrial(db: Queryable, trialId: string, token: string): Promise<ExternalHeld | null> {
  const { rows } = await db.query<ExternalHeld>(
    `UPDATE trials t SET heartbeat_at = now() FROM sweeps s
     WHERE t.id = $1 AND t.lease_token = $2::uuid AND t.status = 'running' AND s.id = t.sweep_id
     RETURNING t.sweep_id AS "sweepId", t.index, t.config, s.status AS "sweepStatus",
               s.objective_metric AS "objectiveMetric", s.objective_mode AS "objectiveMode", s.pruner,
               t.best_value AS "bestValue", t.best_step AS "bestStep",
               COALESCE((SELECT max(step) FROM step_metrics WHERE trial_id = t.id), 0) AS "lastStep",
               (SELECT lr FROM step_metrics WHERE trial_id = t.id ORDER BY step DESC LIMIT 1) AS "lastLr",
               COALESCE((SELECT max(epoch) FROM epoch_metrics WHERE trial_id = t.id), 0) AS "lastEpoch"`,
    [trialId, token],
  );
  return rows[0] ?? null;
}

/** Why a call was not fenced: the trial's status and whether the token is its own (null: no such trial). */
export async function readExternalTrial(
  db: Queryable,
  trialId: string,
  token: string,
): Promise<{ status: string; sweepId: string; ownToken: boolean; external: boolean } | null> {
  const { rows } = await db.query<{ status: string; sweepId: string; ownToken: boolean; external: boolean }>(
    `SELECT t.status, t.sweep_id AS "sweepId", COALESCE(t.lease_token = $2::uuid, false) AS "ownToken", s.external
     FROM trials t JOIN sweeps s ON s.id = t.sweep_id WHERE t.id = $1`,
    [trialId, token],
  );
  return rows[0] ?? null;
}

/**
 * One report in one transaction, fenced to the token: the steps not stored yet (one statement; a
 * retried report stores nothing twice), the epochs, the steps done and best value so far, a renewed
 * lease. `store` computes what to write from the held trial (core external-trials.ts). Null (and nothing
 * written) when the token does not hold the trial.
 */
export async function storeExternalReport(
  pool: Transactional,
  trialId: string,
  token: string,
  store: (held: ExternalHeld) => ExternalReport,
): Promise<{ held: ExternalHeld; report: ExternalReport; stored: number } | null> {
  return inTransaction(pool, async (db) => {
    const held = await holdTrial(db, trialId, token);
    if (held === null) return null;
    const report = store(held);
    const stored = await writeStepMetrics(db, trialId, report.steps, { onConflict: 'ignore' });
    await writeEpochMetrics(db, trialId, report.epochs);
    await db.query(
      `UPDATE trials SET steps_done = GREATEST(steps_done, $2), best_value = $3, best_step = $4 WHERE id = $1`,
      [trialId, report.stepsDone, report.best?.value ?? null, report.best?.step ?? null],
    );
    return { held, report, stored };
  });
}

/**
 * The trial's end, fenced to its token: its status, error, final loss (the last step's) and trial.finished
 * event in one transaction; a failed trial with attempts left (fewer than `maxAttempts`) goes back to
 * queued instead (no event). The token stays, so a second finish with it can be told from another
 * trainer's (the next claim sets a fresh one).
 */
export async function finishExternalTrial(
  pool: Transactional,
  ref: TrialRef,
  token: string,
  outcome: { status: FinishedTrialStatus; error: string | null },
  maxAttempts = 1,
): Promise<'ended' | 'requeued' | null> {
  return inTransaction(pool, async (db) => {
    const { rows } = await db.query<{
      stepsDone: number;
      bestValue: number | null;
      finalLoss: number | null;
      requeued: boolean;
    }>(
      `UPDATE trials t SET
              status = CASE WHEN $3::"TrialStatus" = 'failed' AND t.attempts < $5 THEN 'queued' ELSE $3::"TrialStatus" END,
              error = $4, heartbeat_at = NULL, backend = 'external',
              worker_id = CASE WHEN $3::"TrialStatus" = 'failed' AND t.attempts < $5 THEN NULL ELSE t.worker_id END,
              finished_at = CASE WHEN $3::"TrialStatus" = 'failed' AND t.attempts < $5 THEN NULL ELSE now() END,
              steps_done = COALESCE((SELECT max(step) FROM step_metrics WHERE trial_id = t.id), 0),
              final_loss = (SELECT CASE WHEN loss = 'NaN' OR loss IN ('Infinity', '-Infinity') THEN NULL ELSE loss END
                            FROM step_metrics WHERE trial_id = t.id ORDER BY step DESC LIMIT 1)
       WHERE t.id = $1 AND t.lease_token = $2::uuid AND t.status = 'running'
       RETURNING t.steps_done AS "stepsDone", t.best_value AS "bestValue", t.final_loss AS "finalLoss",
                 t.status = 'queued' AS requeued`,
      [ref.trialId, token, outcome.status, outcome.error, maxAttempts],
    );
    const row = rows[0];
    if (row === undefined) return null;
    if (row.requeued) return 'requeued';
    const { stepsDone, bestValue, finalLoss } = row;
    await appendOutbox(db, [
      {
        kind: 'event',
        event: trialFinishedEvent(ref, {
          status: outcome.status,
          stepsDone,
          bestValue,
          finalLoss,
          error: outcome.error,
        }),
      },
    ]);
    return 'ended';
  });
}

/**
 * The trainer hands the trial back (Ctrl-C on the agent): queued again, to resume from its last step; the
 * attempt is given back too (it did not fail).
 */
export async function handBackExternalTrial(db: Queryable, trialId: string, token: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE trials SET status = 'queued', worker_id = NULL, heartbeat_at = NULL, lease_token = NULL,
            attempts = greatest(attempts - 1, 0)
     WHERE id = $1 AND lease_token = $2::uuid AND status = 'running'`,
    [trialId, token],
  );
  return (rowCount ?? 0) > 0;
}

/** @hypersweep/core's ExternalTrialStore over Postgres; leases last `leaseMs` (EXTERNAL_LEASE_MS). */
export function createExternalTrialStore(pool: Transactional, leaseMs: number): ExternalTrialStore {
  return {
    sweepState: (sweepId) => readExternalSweepState(pool, sweepId, leaseMs),
    failLost: (sweepId, maxLost) => failLostExternalTrials(pool, sweepId, leaseMs, maxLost),
    cancelAbandoned: () => cancelAbandonedExternalTrials(pool, leaseMs),
    claim: (sweepId, worker, maxLost) => claimExternalTrial(pool, sweepId, worker, leaseMs, maxLost),
    report: (trialId, token, plan) => storeExternalReport(pool, trialId, token, plan),
    readTrial: (trialId, token) => readExternalTrial(pool, trialId, token),
    finish: (ref, token, outcome, maxAttempts) => finishExternalTrial(pool, ref, token, outcome, maxAttempts),
    handBack: (trialId, token) => handBackExternalTrial(pool, trialId, token),
    markSweepRunning: (sweepId) =>
      markSweepRunning(pool, sweepId, [{ kind: 'event', event: sweepStatusEvent(sweepId, 'running') }]),
    judge: (question) =>
      pruneReason(pool, question.pruner as AnyPrunerConfig, {
        sweepId: question.sweepId,
        trialId: question.trialId,
        index: question.index,
        epoch: question.epoch,
        value: question.value,
        best: question.best,
        objective: question.objective,
        epochs: (question.config as TrialConfig).training.epochs,
      }),
  };
}
