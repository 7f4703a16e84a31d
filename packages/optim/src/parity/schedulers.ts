import { OptimError } from '../errors.js';
import { recordSchedule } from '../preview.js';
import { createScheduler, type SchedulerSpec } from '../schedulers/create-scheduler.js';
import { type OptimizerDescription, plainOptimizer } from '../schedulers/plain-optimizer.js';
import type { CaseResult } from './types.js';

/** Schedules are float64 on both sides: every value must match torch to this relative tolerance. */
export const SCHEDULER_RTOL = 1e-12;

interface SchedulerCase {
  case?: string;
  optimizer: OptimizerDescription;
  group_lrs: number[] | null;
  scheduler: SchedulerSpec;
  epochs: number;
  metrics: number[] | null;
  rows: Array<{ epoch?: number; lrs: number[]; momentum?: number[]; beta1?: number[] }>;
}

const SERIES = ['lrs', 'momentum', 'beta1'] as const;
const SERIES_LABEL = { lrs: 'lr', momentum: 'momentum', beta1: 'beta1' } as const;

/**
 * Runs one reference file of `<dir>/schedulers` (format: test/reference/README.md) on a
 * tensor-free optimizer and compares every lr, momentum and beta1 of every row with torch's to
 * 1e-12 relative. Unknown scheduler types or options, malformed files and mismatches are a failed
 * result naming the first difference ("epoch 7, group 0 lr: got x, want y"); it never throws.
 */
export function runSchedulerCase(json: unknown): CaseResult {
  const name =
    typeof (json as SchedulerCase | null)?.case === 'string'
      ? (json as SchedulerCase).case!
      : 'scheduler case';
  try {
    const golden = json as SchedulerCase;
    if (!Array.isArray(golden?.rows) || typeof golden.epochs !== 'number') {
      return { name, ok: false, message: 'not a scheduler reference case: expected rows and epochs' };
    }
    const optimizer = plainOptimizer({ ...golden.optimizer, group_lrs: golden.group_lrs });
    const scheduler = createScheduler(optimizer, golden.scheduler);
    const got = recordSchedule(optimizer, scheduler, golden.epochs, golden.metrics);
    for (const [epoch, row] of golden.rows.entries()) {
      for (const series of SERIES) {
        const want = row[series];
        if (want === undefined) continue;
        const values = got[series]?.[epoch];
        if (values === undefined) {
          return {
            name,
            ok: false,
            message: `epoch ${epoch}: no ${SERIES_LABEL[series]} computed, want ${want.join(', ')}`,
          };
        }
        for (const [group, wanted] of want.entries()) {
          const value = values[group];
          if (value === undefined || !(Math.abs(value - wanted) <= SCHEDULER_RTOL * Math.abs(wanted))) {
            return {
              name,
              ok: false,
              message: `epoch ${epoch}, group ${group} ${SERIES_LABEL[series]}: got ${value}, want ${wanted}`,
            };
          }
        }
      }
    }
    return { name, ok: true };
  } catch (error) {
    const reason =
      error instanceof OptimError && error.path
        ? `${error.message} (at ${error.path})`
        : String((error as Error)?.message ?? error);
    return { name, ok: false, message: reason };
  }
}
