import type { SweepStatus, TrialStatus } from '@hypersweep/core';
import type { Queryable } from './queryable.js';

/** An lr range test as GET /v1/lr-range-tests/:id reads it: the sweep, its one trial and its steps. */
export interface LrRangeTestRow {
  id: string;
  name: string;
  status: SweepStatus;
  /** The settings it was submitted with (packages/core LrRangeTestSettings). */
  settings: Record<string, unknown>;
  /** The request as submitted. */
  spec: unknown;
  createdAt: Date;
  finishedAt: Date | null;
  trial: {
    id: string;
    status: TrialStatus;
    stepsDone: number;
    error: string | null;
    backend: string | null;
  } | null;
  /** Every stored step in order (at most the test's `steps`). */
  steps: { step: number; lr: number; loss: number }[];
}

/** The lr range test `id` (null when there is none: no sweep, or a sweep that is no range test). */
export async function readLrRangeTest(db: Queryable, id: string): Promise<LrRangeTestRow | null> {
  const { rows } = await db.query<Omit<LrRangeTestRow, 'steps'>>(
    `SELECT s.id, s.name, s.status, s.lr_range_test AS settings, s.spec, s.created_at AS "createdAt",
            s.finished_at AS "finishedAt",
            (SELECT json_build_object('id', t.id, 'status', t.status, 'stepsDone', t.steps_done, 'error', t.error,
                                      'backend', t.backend)
             FROM trials t WHERE t.sweep_id = s.id ORDER BY t.index LIMIT 1) AS trial
     FROM sweeps s WHERE s.id = $1 AND s.lr_range_test IS NOT NULL`,
    [id],
  );
  const row = rows[0];
  if (!row) return null;
  if (row.trial === null) return { ...row, steps: [] };
  // bounded by the test's steps (the trial stops there); float8 so NaN and Infinity come back as numbers
  const steps = await db.query<{ step: number; lr: number; loss: number }>(
    'SELECT step, lr, loss FROM step_metrics WHERE trial_id = $1 ORDER BY step',
    [row.trial.id],
  );
  return { ...row, steps: steps.rows };
}
