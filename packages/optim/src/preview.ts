import { OptimError } from './errors.js';
import { createScheduler, type SchedulerSpec } from './schedulers/create-scheduler.js';
import { momentumSlot, readMomentum } from './schedulers/momentum.js';
import { withPathPrefix } from './schedulers/option-path.js';
import { type OptimizerDescription, plainOptimizer } from './schedulers/plain-optimizer.js';
import type { Scheduler } from './schedulers/scheduler.js';
import type { OptimizerLike } from './types.js';

/** The longest schedule a preview computes (the API serves it, so it must stay cheap). */
export const MAX_PREVIEW_STEPS = 100_000;

export interface SchedulePreviewInput {
  /** Optimizer type and options (torch defaults are filled in) and the initial lr of each param group. */
  optimizer: OptimizerDescription;
  /** null: a constant lr. */
  scheduler: SchedulerSpec | null;
  /**
   * Number of rows: scheduler steps (epochs or batches, whichever the scheduler is stepped on).
   * OneCycleLR allows at most total_steps + 1, as torch does.
   */
  steps: number;
  /** ReduceLROnPlateau: metrics[i] is what step i reports (passed to `step(metric)` after row i). */
  metrics?: readonly number[];
}

/** Row i of each series is the value of every param group during step i, before the i-th `scheduler.step()`. */
export interface SchedulePreview {
  lrs: number[][];
  /** SGD-like optimizers, when the scheduler cycles momentum (CyclicLR, OneCycleLR). */
  momentum?: number[][];
  /** Adam-like optimizers (betas[0]), when the scheduler cycles it. */
  beta1?: number[][];
}

/**
 * The lr (and cycled momentum or beta1) of every param group at every step, computed with the same
 * schedulers a trial uses on a tensor-free stand-in of the optimizer: rows match what a real
 * optimizer sees over the same steps, and the goldens' `rows`. Invalid input throws an OptimError
 * whose `path` points into the input ("scheduler/options/gamma", "optimizer/options/lr", "metrics").
 */
export function previewSchedule(input: SchedulePreviewInput): SchedulePreview {
  const { steps, metrics } = input;
  if (!Number.isInteger(steps) || steps < 1 || steps > MAX_PREVIEW_STEPS) {
    throw new OptimError(`steps must be an integer from 1 to ${MAX_PREVIEW_STEPS}, got ${steps}`, 'steps');
  }
  metrics?.forEach((metric, index) => {
    if (typeof metric !== 'number') {
      throw new OptimError(
        `metrics[${index}] must be a number, got ${JSON.stringify(metric)}`,
        `metrics/${index}`,
      );
    }
  });
  const optimizer = withPathPrefix('optimizer', () => plainOptimizer(input.optimizer));
  const scheduler =
    input.scheduler === null
      ? null
      : withPathPrefix('scheduler', () => createScheduler(optimizer, input.scheduler!));
  if (scheduler?.type === 'ReduceLROnPlateau' && (metrics === undefined || metrics.length < steps - 1)) {
    throw new OptimError(
      `ReduceLROnPlateau needs a metric for every step but the last: ${steps - 1} values, got ${metrics?.length ?? 0}`,
      'metrics',
    );
  }
  // Errors while stepping (OneCycleLR past total_steps, a lambda failing at some epoch) name the scheduler option.
  const rows = withPathPrefix('scheduler', () =>
    recordSchedule(optimizer, scheduler, steps, metrics, { stepAfterLastRow: false }),
  );
  if (!cyclesMomentum(scheduler)) {
    delete rows.momentum;
    delete rows.beta1;
  }
  return rows;
}

/** Whether the scheduler (or one it holds) cycles momentum / beta1. */
function cyclesMomentum(scheduler: Scheduler | null): boolean {
  if (scheduler === null) return false;
  if ('schedulers' in scheduler) {
    return (scheduler.schedulers as Scheduler[]).some(cyclesMomentum);
  }
  return 'cycleMomentum' in scheduler && scheduler.cycleMomentum === true;
}

/**
 * Torch's loop as the goldens record it: row e holds every group's lr (and momentum or beta1 where
 * the optimizer has one) before the e-th `scheduler.step()`; metrics[e] goes to that step. The
 * step after the last row changes nothing visible, so `stepAfterLastRow: false` skips it.
 */
export function recordSchedule(
  optimizer: OptimizerLike,
  scheduler: Scheduler | null,
  steps: number,
  metrics: readonly number[] | null | undefined,
  { stepAfterLastRow = true }: { stepAfterLastRow?: boolean } = {},
): SchedulePreview {
  const slot = momentumSlot(optimizer);
  const lrs: number[][] = [];
  const momentums: number[][] = [];
  for (let step = 0; step < steps; step += 1) {
    lrs.push(optimizer.paramGroups.map((group) => group.lr));
    if (slot !== undefined) momentums.push(optimizer.paramGroups.map((group) => readMomentum(group, slot)));
    if (step < steps - 1 || stepAfterLastRow) scheduler?.step(metrics?.[step] ?? undefined);
  }
  if (slot === 'betas') return { lrs, beta1: momentums };
  if (slot === 'momentum') return { lrs, momentum: momentums };
  return { lrs };
}
