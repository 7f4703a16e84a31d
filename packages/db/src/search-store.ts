import type pg from 'pg';

/**
 * Statements of random / TPE search and of the rung-based pruners (SuccessiveHalving, Hyperband,
 * ASHA). Decisions that must not race (creating the next TPE trials, judging a rung) run inside
 * `withSweepLock`: a transaction holding the sweep's row lock (proposals) or a per-sweep advisory
 * lock (rungs), so two workers finishing or reporting at once see each other's writes.
 */
type Queryable = Pick<pg.PoolClient, 'query'>;

export type ObjectiveColumn = 'val_loss' | 'val_accuracy' | 'train_loss';
const OBJECTIVE_COLUMNS: readonly ObjectiveColumn[] = ['val_loss', 'val_accuracy', 'train_loss'];

/** Runs `work` in a transaction; `lock` "row" takes the sweep row FOR UPDATE, "rungs" an advisory lock. */
export async function withSweepLock<T>(
  pool: pg.Pool,
  sweepId: string,
  lock: 'row' | 'rungs',
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    if (lock === 'row') await client.query('SELECT 1 FROM sweeps WHERE id = $1 FOR UPDATE', [sweepId]);
    else
      await client.query(`SELECT pg_advisory_xact_lock(hashtextextended($1::text || '/rungs', 0))`, [
        sweepId,
      ]);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** Stores a sampled sweep's search settings, its budget and each trial's sampled parameters (one statement each). */
export async function recordSearchSweep(
  db: Queryable,
  sweepId: string,
  search: unknown,
  trialCount: number,
  params: ReadonlyArray<Record<string, number> | null>,
): Promise<void> {
  await db.query('UPDATE sweeps SET search = $2, trial_count = $3 WHERE id = $1', [
    sweepId,
    JSON.stringify(search),
    trialCount,
  ]);
  const indices = params.flatMap((p, i) => (p === null ? [] : [i]));
  if (indices.length === 0) return;
  await db.query(
    `UPDATE trials t SET params = p.params
     FROM unnest($2::int[], $3::jsonb[]) AS p(index, params)
     WHERE t.sweep_id = $1 AND t.index = p.index`,
    [sweepId, indices, indices.map((i) => JSON.stringify(params[i]))],
  );
}

export interface SearchSweepRow {
  spec: unknown;
  search: { type: string; trials: number | null; parallelism: number | null; seed: number } | null;
  status: string;
  objectiveMetric: ObjectiveColumn;
  objectiveMode: 'min' | 'max';
  trialCount: number;
  /** Trials created so far (the next index). */
  created: number;
  /** Created trials that have not ended (queued or running). */
  unfinished: number;
}

export async function readSearchSweep(db: Queryable, sweepId: string): Promise<SearchSweepRow | null> {
  const { rows } = await db.query<SearchSweepRow>(
    `SELECT s.spec, s.search, s.status, s.objective_metric AS "objectiveMetric", s.objective_mode AS "objectiveMode",
            s.trial_count AS "trialCount",
            (SELECT count(*) FROM trials WHERE sweep_id = s.id)::int AS created,
            (SELECT count(*) FROM trials WHERE sweep_id = s.id AND status IN ('queued', 'running'))::int AS unfinished
     FROM sweeps s WHERE s.id = $1`,
    [sweepId],
  );
  return rows[0] ?? null;
}

export interface FinishedSearchTrial {
  index: number;
  status: 'completed' | 'pruned';
  params: Record<string, number> | null;
  bestValue: number | null;
  lastEpoch: number | null;
  lastValue: number | null;
}

/**
 * The completed and pruned trials of a sweep in trial order, with each one's best objective value
 * and its last epoch's value (what a pruned trial reported last). Failed trials are left out.
 */
export async function readFinishedSearchTrials(
  db: Queryable,
  sweepId: string,
  objective: ObjectiveColumn,
): Promise<FinishedSearchTrial[]> {
  if (!OBJECTIVE_COLUMNS.includes(objective)) throw new Error(`unknown objective ${objective}`);
  const { rows } = await db.query<FinishedSearchTrial>(
    `SELECT t.index, t.status, t.params, t.best_value AS "bestValue", e.epoch AS "lastEpoch", e.value AS "lastValue"
     FROM trials t
     LEFT JOIN LATERAL (
       SELECT epoch, ${objective} AS value FROM epoch_metrics WHERE trial_id = t.id ORDER BY epoch DESC LIMIT 1
     ) e ON true
     WHERE t.sweep_id = $1 AND t.status IN ('completed', 'pruned')
     ORDER BY t.index`,
    [sweepId],
  );
  return rows;
}

/** Inserts sampled trials from `firstIndex` on in one statement; returns their ids in order. */
export async function insertSearchTrials(
  db: Queryable,
  sweepId: string,
  firstIndex: number,
  trials: ReadonlyArray<{ config: unknown; configHash: string; params: Record<string, number> }>,
): Promise<string[]> {
  const { rows } = await db.query<{ id: string; index: number }>(
    `INSERT INTO trials (sweep_id, index, config, config_hash, params)
     SELECT $1::uuid, t.index, t.config, t.config_hash, t.params
     FROM unnest($2::int[], $3::jsonb[], $4::text[], $5::jsonb[]) AS t(index, config, config_hash, params)
     RETURNING id, index`,
    [
      sweepId,
      trials.map((_, i) => firstIndex + i),
      trials.map((t) => JSON.stringify(t.config)),
      trials.map((t) => t.configHash),
      trials.map((t) => JSON.stringify(t.params)),
    ],
  );
  return rows.sort((a, b) => a.index - b.index).map((r) => r.id);
}

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
