import {
  canSweepMove,
  extendableSweepStatuses,
  type NewTrial,
  type OutboxMessage,
  type TrialRef,
} from '@hypersweep/core';
import { groupColumns } from './config-groups.js';
import { linkSweepDatasets } from './dataset-store.js';
import type { SweepStatus, TrialStatus } from './generated/prisma/enums.js';
import { appendOutbox } from './outbox-store.js';
import { inTransaction, type Queryable, type Transactional } from './queryable.js';
import { LIVE_SWEEP, UNFINISHED_TRIAL } from './sql-statuses.js';

/** A sweep as the services read it (camelCase, JSON columns parsed). */
export interface SweepRow {
  id: string;
  name: string;
  /** The submitted spec, verbatim. */
  spec: unknown;
  status: SweepStatus;
  objectiveMetric: string;
  objectiveMode: 'min' | 'max';
  trialCount: number;
  pruner: Record<string, unknown> | null;
  /** Search settings of a random / tpe sweep (packages/spec SearchSettings), null for a grid. */
  search: Record<string, unknown> | null;
  /** A tune-then-evaluate sweep's plan (packages/spec ProtocolPlan), null without one. */
  protocol: Record<string, unknown> | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** Time the sweep sat completed before extensions reopened it (ms): not part of its run time. */
  pausedMs: number;
  error: string | null;
}

const SWEEP_COLUMNS = `id, name, spec, status, objective_metric AS "objectiveMetric", objective_mode AS "objectiveMode",
  trial_count AS "trialCount", pruner, search, protocol, created_at AS "createdAt", started_at AS "startedAt",
  finished_at AS "finishedAt", paused_ms::float8 AS "pausedMs", error`;

export interface NewSweep {
  name: string;
  spec: unknown;
  objective: { metric: string; mode: 'min' | 'max' };
  pruner: unknown | null;
  /** Search settings of a random / tpe sweep (null or absent for a grid). */
  search?: unknown | null;
  /** Every trial the sweep will run (a sampled sweep's budget); default: `trials.length`. */
  trialCount?: number;
  /** Trials per config (the spec's seeds); default 1. */
  seeds?: number;
  /** A tune-then-evaluate sweep's plan (packages/spec ProtocolPlan); null or absent without one. */
  protocol?: unknown | null;
  /** The expanded grid (or a sampled sweep's first configs), in order: a trial's index is its position. */
  trials: readonly NewTrial[];
  /** The uploaded datasets its trials read (recorded with it: none can be deleted while it is live). */
  datasetIds?: readonly string[];
  /** Its trials run outside the service (workload.external): claimed over REST, never enqueued. */
  external?: boolean;
  /** An lr range test's settings: the sweep is that test (not listed among sweeps). */
  lrRangeTest?: unknown;
  /** The project it belongs to (default: `default`). */
  project?: string;
}

export type { NewTrial };

/**
 * Inserts trials numbered from `firstIndex` on in one statement; returns their ids in order. Every trial
 * insert goes through here: a new sweep's grid, a search's sampled trials, an extension's new cells.
 */
export async function insertTrials(
  db: Queryable,
  sweepId: string,
  firstIndex: number,
  trials: readonly NewTrial[],
): Promise<string[]> {
  // One JSON document for all rows: Postgres parses it once, where a jsonb[] parameter makes the client
  // escape every config into an array literal and the server parse that literal, then each element
  // (10,000 trials: ~250 ms instead of ~500).
  const { rows } = await db.query<{ id: string; index: number }>(
    `INSERT INTO trials (sweep_id, index, config, config_hash, group_key, seed, params, phase, entry)
     SELECT $1::uuid, $2::int + (t.ordinality - 1)::int, t.value->'c', t.value->>'h', t.value->>'g',
            (t.value->>'s')::int, NULLIF(t.value->'p', 'null'::jsonb), t.value->>'f', (t.value->>'e')::int
     FROM jsonb_array_elements($3::jsonb) WITH ORDINALITY AS t
     RETURNING id, index`,
    [
      sweepId,
      firstIndex,
      JSON.stringify(
        trials.map((t) => ({
          c: t.config,
          h: t.configHash,
          ...groupColumns(t.config),
          p: t.params ?? null,
          f: t.phase ?? null,
          e: t.entry ?? null,
        })),
      ),
    ],
  );
  const ids = new Array<string>(trials.length);
  for (const row of rows) ids[row.index - firstIndex] = row.id;
  return ids;
}

/**
 * Stores a sweep and all its trials in one transaction (the trials in one statement) and returns their
 * ids, trial ids in grid order.
 */
export async function insertSweep(
  pool: Transactional,
  sweep: NewSweep,
  messages: (ids: { sweepId: string; trialIds: string[] }) => OutboxMessage[] = () => [],
): Promise<{ sweepId: string; trialIds: string[]; outbox: string[] }> {
  return inTransaction(pool, async (db) => {
    const inserted = await db.query<{ id: string }>(
      `INSERT INTO sweeps (name, spec, objective_metric, objective_mode, trial_count, pruner, search, seeds, external,
                           lr_range_test, protocol, project)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
      [
        sweep.name,
        JSON.stringify(sweep.spec),
        sweep.objective.metric,
        sweep.objective.mode,
        sweep.trialCount ?? sweep.trials.length,
        sweep.pruner === null ? null : JSON.stringify(sweep.pruner),
        sweep.search == null ? null : JSON.stringify(sweep.search),
        sweep.seeds ?? 1,
        sweep.external ?? false,
        sweep.lrRangeTest == null ? null : JSON.stringify(sweep.lrRangeTest),
        sweep.protocol == null ? null : JSON.stringify(sweep.protocol),
        sweep.project ?? 'default',
      ],
    );
    const sweepId = inserted.rows[0]!.id;
    const trialIds = await insertTrials(db, sweepId, 0, sweep.trials);
    await linkSweepDatasets(db, sweepId, sweep.datasetIds ?? []);
    // An external sweep's trials are claimed over REST: nothing of them goes to the queue.
    const outbox = await appendOutbox(db, sweep.external ? [] : messages({ sweepId, trialIds }));
    return { sweepId, trialIds, outbox };
  });
}

export async function findSweep(db: Queryable, id: string): Promise<SweepRow | null> {
  const { rows } = await db.query<SweepRow>(`SELECT ${SWEEP_COLUMNS} FROM sweeps WHERE id = $1`, [id]);
  return rows[0] ?? null;
}

/**
 * Sweeps (lr range tests left out), newest first over (created_at, id); `after` is the last row of the previous page. `idPrefix` (lower-case hex
 * and dashes, as ids print) keeps the sweeps whose id starts with it: how a short id is resolved.
 */
export async function listSweeps(
  db: Queryable,
  query: {
    status?: SweepStatus;
    limit: number;
    after?: { createdAt: Date; id: string };
    idPrefix?: string;
    /** Only this project's sweeps (absent or null: every project's). */
    project?: string | null;
  },
): Promise<SweepRow[]> {
  const { rows } = await db.query<SweepRow>(
    `SELECT ${SWEEP_COLUMNS} FROM sweeps
     WHERE lr_range_test IS NULL
       AND ($1::"SweepStatus" IS NULL OR status = $1::"SweepStatus")
       AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::uuid))
       AND ($5::text IS NULL OR starts_with(id::text, $5::text))
       AND ($6::text IS NULL OR project = $6::text)
     ORDER BY created_at DESC, id DESC LIMIT $4`,
    [
      query.status ?? null,
      query.after?.createdAt ?? null,
      query.after?.id ?? null,
      query.limit,
      query.idPrefix?.toLowerCase() ?? null,
      query.project ?? null,
    ],
  );
  return rows;
}

/** How many trials of the sweep are in each status (statuses without trials are absent). */
export async function countTrialsByStatus(
  db: Queryable,
  sweepId: string,
): Promise<Partial<Record<TrialStatus, number>>> {
  const { rows } = await db.query<{ status: TrialStatus; n: number }>(
    'SELECT status, count(*)::int AS n FROM trials WHERE sweep_id = $1 GROUP BY status',
    [sweepId],
  );
  return Object.fromEntries(rows.map((row) => [row.status, row.n]));
}

export type CancelOutcome =
  | { kind: 'missing' }
  | { kind: 'refused'; status: SweepStatus }
  | { kind: 'cancelled'; cancelledTrialIds: string[]; runningTrials: number; outbox: string[] };

/**
 * Marks a live sweep and its waiting trials cancelled, with `messages` (given the trials cancelled now) in
 * the outbox. Running trials stay `running` until their worker has stopped them and written their last
 * steps (it then marks them cancelled), so a trial's status never claims more than has happened. A
 * completed or failed sweep is refused; a cancelled one is cancelled again (nothing changes, no message).
 */
export async function cancelSweep(
  pool: Transactional,
  id: string,
  messages: (cancelledTrialIds: string[]) => OutboxMessage[] = () => [],
): Promise<CancelOutcome> {
  return inTransaction(pool, async (db) => {
    const sweep = await db.query<{ status: SweepStatus }>(
      'SELECT status FROM sweeps WHERE id = $1 FOR NO KEY UPDATE',
      [id],
    );
    const status = sweep.rows[0]?.status;
    if (status === undefined) return { kind: 'missing' };
    if (!canSweepMove(status, 'cancelled')) return { kind: 'refused', status };
    if (status === 'cancelled')
      return { kind: 'cancelled', cancelledTrialIds: [], runningTrials: 0, outbox: [] };
    await db.query(`UPDATE sweeps SET status = 'cancelled', finished_at = now() WHERE id = $1`, [id]);
    // Lock the live trials before counting them: a claim that committed meanwhile is read as running, and
    // one still in flight waits, then finds its trial cancelled.
    const { rows } = await db.query<{ id: string; status: string }>(
      `SELECT id, status FROM trials WHERE sweep_id = $1 AND status IN (${UNFINISHED_TRIAL}) ORDER BY id FOR UPDATE`,
      [id],
    );
    const cancelledTrialIds = rows.filter((row) => row.status === 'queued').map((row) => row.id);
    if (cancelledTrialIds.length > 0) {
      await db.query(
        `UPDATE trials SET status = 'cancelled', finished_at = now() WHERE id = ANY($1::uuid[])`,
        [cancelledTrialIds],
      );
    }
    const outbox = await appendOutbox(db, messages(cancelledTrialIds));
    return {
      kind: 'cancelled',
      cancelledTrialIds,
      runningTrials: rows.length - cancelledTrialIds.length,
      outbox,
    };
  });
}

/** About how many steps one statement of deleteSweep removes. */
export const DELETE_STEPS_PER_STATEMENT = 50_000;

/**
 * Deletes the sweep with its trials and metrics. False when it did not exist. The steps go first, a few
 * trials' worth at a time (about DELETE_STEPS_PER_STATEMENT by their steps_done), each statement its own
 * transaction on a pool: one cascading DELETE of a sweep of 10^7 steps is one transaction of minutes that
 * holds back vacuum everywhere and loads the disk in one burst. Then the sweep, whose cascade is left
 * with trials and epochs. Steps written meanwhile by a trial still stopping go with that cascade.
 */
export async function deleteSweep(
  db: Queryable,
  id: string,
  stepsPerStatement = DELETE_STEPS_PER_STATEMENT,
): Promise<boolean> {
  const { rows } = await db.query<{ ids: string[] }>(
    `SELECT array_agg(id) AS ids FROM (
       SELECT id, floor(sum(steps_done + 1) OVER (ORDER BY index) / $2) AS chunk FROM trials WHERE sweep_id = $1
     ) c GROUP BY chunk ORDER BY chunk`,
    [id, stepsPerStatement],
  );
  for (const { ids } of rows) {
    await db.query('DELETE FROM step_metrics WHERE trial_id = ANY($1::uuid[])', [ids]);
    await db.query('DELETE FROM step_metric_blocks WHERE trial_id = ANY($1::uuid[])', [ids]);
  }
  const { rowCount } = await db.query('DELETE FROM sweeps WHERE id = $1', [id]);
  return (rowCount ?? 0) > 0;
}

/**
 * A queued sweep becomes running when its first trial starts, with `messages` in the outbox: one statement,
 * as it runs at every claim and almost always finds the sweep running already. True when this call
 * changed it.
 */
export async function markSweepRunning(
  db: Queryable,
  id: string,
  messages: readonly OutboxMessage[] = [],
): Promise<boolean> {
  const { rows } = await db.query<{ started: boolean }>(
    `WITH started AS (
       UPDATE sweeps SET status = 'running', started_at = COALESCE(started_at, now())
       WHERE id = $1 AND status = 'queued' RETURNING id
     ), written AS (
       INSERT INTO outbox (message)
       SELECT m.value FROM started, jsonb_array_elements($2::jsonb) WITH ORDINALITY AS m ORDER BY m.ordinality
       RETURNING id::text AS id
     )
     SELECT true AS started FROM started, (SELECT count(*) FROM written) AS w`,
    [id, JSON.stringify(messages)],
  );
  return rows.length > 0;
}

/**
 * The last trial to end completes its sweep (a failed trial never fails its sweep). True when this call
 * completed it.
 */
export async function completeSweepIfDone(db: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE sweeps SET status = 'completed', finished_at = now()
     WHERE id = $1 AND status IN (${LIVE_SWEEP})
       AND NOT EXISTS (SELECT 1 FROM trials WHERE sweep_id = $1 AND status IN (${UNFINISHED_TRIAL}))`,
    [id],
  );
  return (rowCount ?? 0) > 0;
}

/**
 * What growing a sweep sets besides its trials: a completed sweep runs again (the one way a sweep
 * reopens, see @hypersweep/core's sweepTransitions), and nothing of it is finished any more.
 */
export const REOPEN_SWEEP = `status = CASE WHEN status = 'completed' THEN 'running'::"SweepStatus" ELSE status END,
  paused_ms = paused_ms + CASE WHEN status = 'completed' AND finished_at IS NOT NULL
    THEN GREATEST(0, (extract(epoch FROM now() - finished_at) * 1000)::bigint) ELSE 0 END,
  finished_at = NULL`;

export type ExtendOutcome =
  | { kind: 'missing' }
  | { kind: 'refused'; status: SweepStatus }
  | {
      kind: 'extended';
      /** The trials inserted, in grid order. */
      added: Array<{ id: string; index: number; config: unknown }>;
      /** Candidates equal to a trial the sweep already had (by config hash): kept, never rerun. */
      reused: number;
      trialCount: number;
      status: SweepStatus;
      outbox: string[];
    };

/**
 * Adds the candidates whose config hash the sweep does not have yet, as one transaction with the sweep row
 * locked (two concurrent extensions cannot add the same cell twice): new trials get the next grid indexes,
 * the sweep stores `spec` and its new trial count, a completed sweep with new trials runs again, and
 * `messages` (given the trials added and the status after) go to the outbox. A sweep that cannot grow
 * (not queued, running or completed) is left alone.
 */
export async function extendSweepTrials(
  pool: Transactional,
  sweepId: string,
  candidates: readonly NewTrial[],
  spec: unknown,
  messages: (added: TrialRef[], status: SweepStatus) => OutboxMessage[] = () => [],
): Promise<ExtendOutcome> {
  return inTransaction(pool, async (db) => {
    const sweep = await db.query<{ status: SweepStatus }>(
      'SELECT status FROM sweeps WHERE id = $1 FOR NO KEY UPDATE',
      [sweepId],
    );
    const row = sweep.rows[0];
    if (!row) return { kind: 'missing' };
    if (!(extendableSweepStatuses as readonly string[]).includes(row.status))
      return { kind: 'refused', status: row.status };
    const existing = await db.query<{ hashes: string[] | null; last: number | null }>(
      'SELECT array_agg(config_hash) AS hashes, max(index) AS last FROM trials WHERE sweep_id = $1',
      [sweepId],
    );
    const seen = new Set(existing.rows[0]?.hashes ?? []);
    const fresh: NewTrial[] = [];
    for (const candidate of candidates) {
      if (seen.has(candidate.configHash)) continue;
      seen.add(candidate.configHash);
      fresh.push(candidate);
    }
    const first = (existing.rows[0]?.last ?? -1) + 1;
    const ids = await insertTrials(db, sweepId, first, fresh);
    const updated = await db.query<{ status: SweepStatus; trial_count: number }>(
      `UPDATE sweeps SET spec = $2, trial_count = trial_count + $3${fresh.length > 0 ? `, ${REOPEN_SWEEP}` : ''}
       WHERE id = $1 RETURNING status, trial_count`,
      [sweepId, JSON.stringify(spec), fresh.length],
    );
    const status = updated.rows[0]!.status;
    const outbox = await appendOutbox(
      db,
      messages(
        ids.map((trialId) => ({ trialId, sweepId })),
        status,
      ),
    );
    return {
      kind: 'extended',
      added: ids.map((id, i) => ({ id, index: first + i, config: fresh[i]!.config })),
      reused: candidates.length - fresh.length,
      trialCount: updated.rows[0]!.trial_count,
      status,
      outbox,
    };
  });
}

/** The config of a sweep's first trial (index 0), or null before it has one. */
export async function firstTrialConfig(db: Queryable, sweepId: string): Promise<unknown | null> {
  const { rows } = await db.query<{ config: unknown }>(
    'SELECT config FROM trials WHERE sweep_id = $1 AND index = 0',
    [sweepId],
  );
  return rows[0]?.config ?? null;
}
