// The package's one barrel: everything public, from the module that declares it.

export { computeGradients, takeGradients } from './autograd/compute-gradients.js';
export { isSparseGrad, Parameter, type SparseGrad } from './autograd/parameter.js';
export { registerGradients } from './autograd/register-gradients.js';
export { type BackendName, backendName, type UseBackendOptions, useBackend } from './backend.js';
export { checkValue, describeSchema, type ValueProblem } from './catalog/check-value.js';
export * from './catalog/optimizers.js';
export * from './catalog/schedulers.js';
export { torchMessage } from './catalog/torch-message.js';
export type * from './catalog/types.js';
export { describeValue } from './describe-value.js';
export * from './errors.js';
export { compileExpression } from './expr/compile-expression.js';
export { ExpressionError } from './expr/expression-error.js';
export { Adadelta } from './optimizers/adadelta.js';
export { Adagrad } from './optimizers/adagrad.js';
export { Adam } from './optimizers/adam.js';
export { Adamax } from './optimizers/adamax.js';
export { AdamW } from './optimizers/adamw.js';
export { ASGD } from './optimizers/asgd.js';
export { createOptimizer, type OptimizerSpec } from './optimizers/create-optimizer.js';
export { LBFGS } from './optimizers/lbfgs.js';
export { NAdam } from './optimizers/nadam.js';
export {
  Optimizer,
  type OptimizerStateDict,
  type ParamGroup,
  type ParamGroupInput,
  type ParamState,
  type StateJsonValue,
  type StateTypedValue,
  type StateValue,
} from './optimizers/optimizer.js';
export { RAdam } from './optimizers/radam.js';
export { resolveOptimizerOptions } from './optimizers/resolve-options.js';
export { RMSprop } from './optimizers/rmsprop.js';
export { Rprop } from './optimizers/rprop.js';
export { SGD } from './optimizers/sgd.js';
export { SparseAdam } from './optimizers/sparse-adam.js';
export { previewSchedule, type SchedulePreview, type SchedulePreviewInput } from './preview.js';
export { ChainedScheduler, type ChainedSchedulerOptions } from './schedulers/chained-scheduler.js';
export { ConstantLR, type ConstantLROptions } from './schedulers/constant-lr.js';
export { CosineAnnealingLR, type CosineAnnealingLROptions } from './schedulers/cosine-annealing-lr.js';
export {
  CosineAnnealingWarmRestarts,
  type CosineAnnealingWarmRestartsOptions,
} from './schedulers/cosine-annealing-warm-restarts.js';
export { createScheduler, type SchedulerSpec } from './schedulers/create-scheduler.js';
export { CyclicLR, type CyclicLROptions } from './schedulers/cyclic-lr.js';
export { ExponentialLR, type ExponentialLROptions } from './schedulers/exponential-lr.js';
export { LambdaLR, type LambdaLROptions } from './schedulers/lambda-lr.js';
export { LinearLR, type LinearLROptions } from './schedulers/linear-lr.js';
export { LRScheduler } from './schedulers/lr-scheduler.js';
export { MultiStepLR, type MultiStepLROptions } from './schedulers/multi-step-lr.js';
export { MultiplicativeLR, type MultiplicativeLROptions } from './schedulers/multiplicative-lr.js';
export { OneCycleLR, type OneCycleLROptions, oneCycleTotalSteps } from './schedulers/one-cycle-lr.js';
export { type OptimizerDescription, plainOptimizer } from './schedulers/plain-optimizer.js';
export { PolynomialLR, type PolynomialLROptions } from './schedulers/polynomial-lr.js';
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from './schedulers/reduce-lr-on-plateau.js';
export { resolveSchedulerOptions } from './schedulers/resolve-scheduler-options.js';
export type { Scheduler, SchedulerJsonValue, SchedulerState } from './schedulers/scheduler.js';
export { schedulerJsonSchema } from './schedulers/scheduler-json-schema.js';
export { SequentialLR, type SequentialLROptions } from './schedulers/sequential-lr.js';
export { StepLR, type StepLROptions } from './schedulers/step-lr.js';
export {
  type SchedulerValidationContext,
  validateSchedulerSpec,
} from './schedulers/validate-scheduler-spec.js';
export type * from './types.js';
export {
  adapterStatus,
  describeWebgpu,
  type GpuAdapterInfo,
  type GpuLike,
  probeWebgpu,
  readableOnHost,
  WEBGPU_PROBE_TIMEOUT_MS,
  type WebgpuStatus,
  webgpuStatus,
} from './webgpu.js';
