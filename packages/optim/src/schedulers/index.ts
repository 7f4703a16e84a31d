export { type SchedulerCatalogEntry, schedulerCatalog, schedulerTypes } from '../catalog/schedulers.js';
export { compileExpression, ExpressionError } from '../expr/index.js';
export { previewSchedule, type SchedulePreview, type SchedulePreviewInput } from '../preview.js';
export { ChainedScheduler, type ChainedSchedulerOptions } from './chained-scheduler.js';
export { ConstantLR, type ConstantLROptions } from './constant-lr.js';
export { CosineAnnealingLR, type CosineAnnealingLROptions } from './cosine-annealing-lr.js';
export {
  CosineAnnealingWarmRestarts,
  type CosineAnnealingWarmRestartsOptions,
} from './cosine-annealing-warm-restarts.js';
export { createScheduler, type SchedulerSpec } from './create-scheduler.js';
export { CyclicLR, type CyclicLROptions } from './cyclic-lr.js';
export { ExponentialLR, type ExponentialLROptions } from './exponential-lr.js';
export { LambdaLR, type LambdaLROptions } from './lambda-lr.js';
export { LinearLR, type LinearLROptions } from './linear-lr.js';
export { LRScheduler } from './lr-scheduler.js';
export { MultiStepLR, type MultiStepLROptions } from './multi-step-lr.js';
export { MultiplicativeLR, type MultiplicativeLROptions } from './multiplicative-lr.js';
export { OneCycleLR, type OneCycleLROptions, oneCycleTotalSteps } from './one-cycle-lr.js';
export { type OptimizerDescription, plainOptimizer } from './plain-optimizer.js';
export { PolynomialLR, type PolynomialLROptions } from './polynomial-lr.js';
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from './reduce-lr-on-plateau.js';
export { resolveSchedulerOptions } from './resolve-scheduler-options.js';
export type { Scheduler, SchedulerJsonValue, SchedulerState } from './scheduler.js';
export { schedulerJsonSchema } from './scheduler-json-schema.js';
export { SequentialLR, type SequentialLROptions } from './sequential-lr.js';
export { StepLR, type StepLROptions } from './step-lr.js';
export { type SchedulerValidationContext, validateSchedulerSpec } from './validate-scheduler-spec.js';
