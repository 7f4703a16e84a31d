import { OptimError } from '../errors.js';
import type { OptimizerLike } from '../types.js';
import { ChainedScheduler } from './chained-scheduler.js';
import { pythonRepr } from './check-option-value.js';
import { ConstantLR } from './constant-lr.js';
import { CosineAnnealingLR } from './cosine-annealing-lr.js';
import { CosineAnnealingWarmRestarts } from './cosine-annealing-warm-restarts.js';
import { CyclicLR } from './cyclic-lr.js';
import { ExponentialLR } from './exponential-lr.js';
import { LambdaLR } from './lambda-lr.js';
import { LinearLR } from './linear-lr.js';
import type { LRScheduler } from './lr-scheduler.js';
import { MultiStepLR } from './multi-step-lr.js';
import { MultiplicativeLR } from './multiplicative-lr.js';
import { OneCycleLR } from './one-cycle-lr.js';
import { withPathPrefix } from './option-path.js';
import { PolynomialLR } from './polynomial-lr.js';
import { ReduceLROnPlateau } from './reduce-lr-on-plateau.js';
import { resolveSchedulerOptions, schedulerCatalogEntry } from './resolve-scheduler-options.js';
import type { Scheduler } from './scheduler.js';
import { SequentialLR } from './sequential-lr.js';
import { StepLR } from './step-lr.js';

/** A scheduler as data: torch's class name and keyword arguments (as in the goldens and sweep specs). */
export interface SchedulerSpec {
  type: string;
  options?: Record<string, unknown>;
}

// biome-ignore lint/suspicious/noExplicitAny: each constructor takes its own options type; options are validated inside.
type LRSchedulerClass = new (optimizer: OptimizerLike, options: any) => LRScheduler;

/** The schedulers SequentialLR and ChainedScheduler can hold (torch needs `last_epoch` and a plain `step()`). */
const lrSchedulerClasses: Record<string, LRSchedulerClass> = {
  LambdaLR,
  MultiplicativeLR,
  StepLR,
  MultiStepLR,
  ConstantLR,
  LinearLR,
  ExponentialLR,
  CosineAnnealingLR,
  CyclicLR,
  CosineAnnealingWarmRestarts,
  OneCycleLR,
  PolynomialLR,
};

/**
 * Builds the scheduler a spec describes on `optimizer`, exactly as the torch constructor would
 * (including its initial step, which sets the lrs of step 0). SequentialLR and ChainedScheduler
 * build their `options.schedulers` specs first, in order, on the same optimizer, as torch code does.
 * Invalid specs throw an OptimError whose `path` names the option ("gamma",
 * "schedulers/1/options/T_max", "lr_lambda/0"); unknown types list the valid ones.
 */
export function createScheduler(optimizer: OptimizerLike, spec: SchedulerSpec): Scheduler {
  const { type, options } = readSpec(spec);
  if (type === 'ReduceLROnPlateau') return new ReduceLROnPlateau(optimizer, options);
  if (type === 'SequentialLR' || type === 'ChainedScheduler') {
    const resolved = resolveSchedulerOptions(type, options);
    const schedulers = (resolved['schedulers'] as unknown[]).map((nested, index) => {
      const prefix = `schedulers/${index}`;
      const extra = Object.keys(nested as object).find((key) => key !== 'type' && key !== 'options');
      if (extra !== undefined) {
        throw new OptimError(
          `Unknown key ${JSON.stringify(extra)} in a nested scheduler spec; expected {type, options}`,
          `${prefix}/${extra}`,
        );
      }
      return withPathPrefix(prefix, () => createNestedScheduler(optimizer, nested, type));
    });
    if (type === 'ChainedScheduler') return new ChainedScheduler({ schedulers });
    return new SequentialLR(optimizer, { schedulers, milestones: resolved['milestones'] as number[] });
  }
  const SchedulerClass = lrSchedulerClasses[type]!;
  return new SchedulerClass(optimizer, options);
}

function readSpec(spec: unknown): { type: string; options: Record<string, unknown> } {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    throw new OptimError(`Invalid scheduler spec: expected {type, options}, got ${pythonRepr(spec)}`, '');
  }
  const { type, options = {} } = spec as { type?: unknown; options?: unknown };
  schedulerCatalogEntry(type);
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new OptimError(
      `Invalid options for ${String(type)}: expected an object, got ${pythonRepr(options)}`,
      'options',
    );
  }
  return { type: type as string, options: options as Record<string, unknown> };
}

function createNestedScheduler(optimizer: OptimizerLike, nested: unknown, parent: string): LRScheduler {
  const { type, options } = readSpec(nested);
  const SchedulerClass = lrSchedulerClasses[type];
  if (SchedulerClass === undefined) {
    throw new OptimError(
      `${parent} cannot hold ${type}; it combines ${Object.keys(lrSchedulerClasses).join(', ')}`,
      'type',
    );
  }
  return new SchedulerClass(optimizer, options);
}
