import { isObjectiveMetric, type ObjectiveMetric } from '@hypersweep/core';
import type { Queryable } from './queryable.js';

/** A protocol sweep's trial as its benchmark reads it (packages/spec protocol-spec.ts). */
export interface ProtocolTrialRow {
  id: string;
  index: number;
  status: string;
  config: unknown;
  phase: 'tuning' | 'evaluation';
  entry: number;
  bestValue: number | null;
  stepsDone: number;
  /** Seconds from start to end (null while unfinished). */
  seconds: number | null;
  /** The step that ended the first epoch whose target metric reached the target (null: never). */
  stepsToTarget: number | null;
}

/**
 * Every trial of a protocol sweep with its phase and entry, in trial order; for evaluation trials, the
 * optimizer steps to the target: the last step of the first epoch whose `metric` reached `value`
 * (`direction` 'max': at least, 'min': at most). One statement: the epoch lookup walks each trial's
 * epoch_metrics by its primary key and stops at the first hit.
 */
export async function readProtocolTrials(
  db: Queryable,
  sweepId: string,
  target: { metric: ObjectiveMetric; value: number; direction: 'min' | 'max' },
): Promise<ProtocolTrialRow[]> {
  if (!isObjectiveMetric(target.metric)) throw new Error(`unknown metric ${target.metric}`);
  const reached = target.direction === 'max' ? '>=' : '<=';
  const { rows } = await db.query<ProtocolTrialRow>(
    `SELECT t.id, t.index, t.status, t.config, t.phase, t.entry, t.best_value AS "bestValue",
            t.steps_done AS "stepsDone",
            extract(epoch FROM (t.finished_at - t.started_at))::float8 AS seconds,
            r.step AS "stepsToTarget"
     FROM trials t
     LEFT JOIN LATERAL (
       SELECT (SELECT max(s.step) FROM step_metrics s WHERE s.trial_id = t.id AND s.epoch = e.epoch) AS step
       FROM epoch_metrics e
       WHERE t.phase = 'evaluation' AND e.trial_id = t.id AND e.${target.metric} ${reached} $2
       ORDER BY e.epoch LIMIT 1
     ) r ON true
     WHERE t.sweep_id = $1 AND t.phase IS NOT NULL
     ORDER BY t.index`,
    [sweepId, target.value],
  );
  return rows;
}
