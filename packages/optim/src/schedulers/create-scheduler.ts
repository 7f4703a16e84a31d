import { schedulerTypes } from '../catalog/schedulers.js';
import { pythonRepr } from '../describe-value.js';
import { OptimError } from '../errors.js';
import type { OptimizerLike } from '../types.js';
import { ChainedScheduler } from './chained-scheduler.js';
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

/** The LRScheduler subclasses (what SequentialLR can hold: it needs `last_epoch` and `step(0)`). */
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
  if (type === 'SequentialLR') {
    const resolved = resolveSchedulerOptions(type, options);
    // SequentialLR moves its children's last_epoch and calls step(0) on them: plain LRSchedulers only.
    const schedulers = buildNested(resolved, (nested) => {
      const SchedulerClass = lrSchedulerClasses[nested.type];
      if (SchedulerClass === undefined) throw cannotHold(type, nested.type, Object.keys(lrSchedulerClasses));
      return new SchedulerClass(optimizer, nested.options);
    });
    return new SequentialLR(optimizer, { schedulers, milestones: resolved['milestones'] as number[] });
  }
  if (type === 'ChainedScheduler') {
    // ChainedScheduler only calls step() on its children, which ReduceLROnPlateau cannot take.
    const schedulers = buildNested(resolveSchedulerOptions(type, options), (nested) => {
      if (nested.type === 'ReduceLROnPlateau') {
        throw cannotHold(
          type,
          nested.type,
          schedulerTypes.filter((name) => name !== 'ReduceLROnPlateau'),
        );
      }
      return createScheduler(optimizer, nested);
    });
    return new ChainedScheduler({ schedulers });
  }
  const SchedulerClass = lrSchedulerClasses[type]!;
  return new SchedulerClass(optimizer, options);
}

/** Builds `options.schedulers` in order (as torch code constructs them), with error paths inside them. */
function buildNested<T>(
  resolved: Record<string, unknown>,
  build: (nested: { type: string; options: Record<string, unknown> }) => T,
): T[] {
  // The catalog checker has refused keys other than {type, options} (`additionalProperties: false`).
  return (resolved['schedulers'] as unknown[]).map((nested, index) =>
    withPathPrefix(`schedulers/${index}`, () => build(readSpec(nested))),
  );
}

function cannotHold(parent: string, type: string, allowed: readonly string[]): OptimError {
  return new OptimError(`${parent} cannot hold ${type}; it combines ${allowed.join(', ')}`, 'type');
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
