import { optimizerCatalog, schedulerCatalog } from '@hypersweep/optim';
import type { OptimizerPlan } from './optimizer-plan.js';
import type { PlannedScheduler } from './scheduler-plan.js';

export interface CompatibilityError {
  path: string;
  message: string;
}

/**
 * Checks torch makes when a scheduler is built on an optimizer, which depend on both entries:
 * - CyclicLR with cycle_momentum needs an optimizer with `momentum`; OneCycleLR accepts
 *   `betas` too (torch 1.13 lr_scheduler.py: "optimizer must support momentum with
 *   `cycle_momentum` option enabled").
 * - A per-group list (catalog `x-per-group`: max_lr, lr_lambda, min_lr, ...) needs one value per param group
 *   (torch: "expected 2 values for max_lr, got 3").
 */
export function schedulerCompatibilityErrors(
  optimizer: OptimizerPlan,
  optimizerIndex: number,
  scheduler: PlannedScheduler,
): CompatibilityError[] {
  const errors: CompatibilityError[] = [];
  const { type, options } = scheduler.config;
  const pathOf = (option: string) => scheduler.optionPaths[option] ?? scheduler.plan.path;
  if ((type === 'CyclicLR' || type === 'OneCycleLR') && options['cycle_momentum'] === true) {
    const optimizerOptions = optimizerCatalog[optimizer.type]!.options;
    const accepted = type === 'CyclicLR' ? ['momentum'] : ['momentum', 'betas'];
    if (!accepted.some((option) => Object.hasOwn(optimizerOptions, option))) {
      errors.push({
        path: pathOf('cycle_momentum'),
        message: `${type} cycles momentum (cycle_momentum is true) but optimizers/${optimizerIndex} (${optimizer.type}) has no ${accepted.join(' or ')}; set "cycle_momentum": false`,
      });
    }
  }
  const schemas = schedulerCatalog[type]!.options;
  for (const [option, value] of Object.entries(options)) {
    const schema = schemas[option];
    if (schema?.['x-per-group'] === true && Array.isArray(value) && value.length !== optimizer.groupCount) {
      errors.push({
        path: pathOf(option),
        message: `expected ${optimizer.groupCount} values for ${option} (one per param group of optimizers/${optimizerIndex}), got ${value.length}`,
      });
    }
  }
  return errors;
}
