import { schedulerCatalog } from '../catalog/schedulers.js';
import { OptimError } from '../errors.js';
import type { OptimizerLike } from '../types.js';
import { createScheduler, type SchedulerSpec } from './create-scheduler.js';
import { plainOptimizer } from './plain-optimizer.js';

export interface SchedulerValidationContext {
  /** The optimizer the scheduler will drive: checks cycle_momentum against it (momentum or betas). */
  optimizer?: { type: string; options?: Record<string, unknown> };
  /**
   * How many param groups it will have: per-group lists must have that many values. When absent,
   * the length of the spec's first per-group list (else 1).
   */
  groupCount?: number;
}

/**
 * Throws an OptimError (with `path`) for anything torch would reject when building this scheduler,
 * or that this implementation cannot run: unknown type or option, wrong types and ranges, torch's
 * cross-option rules, lambda expressions that do not parse or fail at epoch 0 (the message names the
 * character position). It builds the scheduler on a tensor-free stand-in optimizer, so the rules are
 * exactly the constructors'. OneCycleLR needs total_steps or epochs + steps_per_epoch here: derive
 * total_steps (catalog `x-derived`) before validating.
 */
export function validateSchedulerSpec(spec: unknown, context: SchedulerValidationContext = {}): void {
  const groupCount = context.groupCount ?? inferGroupCount(spec);
  try {
    createScheduler(standInOptimizer(groupCount, context.optimizer), spec as SchedulerSpec);
  } catch (error) {
    if (error instanceof OptimError) throw error;
    throw new OptimError(
      `Invalid scheduler spec: ${error instanceof Error ? error.message : String(error)}`,
      '',
    );
  }
}

function standInOptimizer(
  groupCount: number,
  optimizer: SchedulerValidationContext['optimizer'],
): OptimizerLike {
  if (optimizer !== undefined) {
    try {
      const single = plainOptimizer(optimizer);
      const lr = single.paramGroups[0]!.lr;
      return plainOptimizer({ ...optimizer, group_lrs: Array.from({ length: groupCount }, () => lr) });
    } catch {
      // An invalid optimizer is reported by the optimizer's own validation, not as a scheduler error.
    }
  }
  return { paramGroups: Array.from({ length: groupCount }, () => ({ lr: 0.1, momentum: 0 })) };
}

function inferGroupCount(spec: unknown): number {
  const { type, options } = (spec ?? {}) as { type?: unknown; options?: unknown };
  if (typeof type !== 'string' || !Object.hasOwn(schedulerCatalog, type)) return 1;
  if (options === null || typeof options !== 'object') return 1;
  const entry = schedulerCatalog[type]!;
  for (const [name, value] of Object.entries(options)) {
    if (Array.isArray(value) && entry.options[name]?.['x-per-group'] === true)
      return Math.max(1, value.length);
  }
  return 1;
}
