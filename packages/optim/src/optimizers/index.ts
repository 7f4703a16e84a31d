export { type BackendName, backendName, useBackend } from '../backend.js';
export { optimizerTypes } from '../catalog/optimizers.js';
export { registerGradients } from '../gradients.js';
export {
  Optimizer,
  type OptimizerStateDict,
  type ParamGroup,
  type ParamGroupInput,
  type ParamState,
  type StateJsonValue,
  type StateValue,
} from '../optimizer.js';
export { computeGradients, isSparseGrad, Parameter, type SparseGrad } from '../parameter.js';
export { Adadelta } from './adadelta.js';
export { Adagrad } from './adagrad.js';
export { Adam } from './adam.js';
export { Adamax } from './adamax.js';
export { AdamW } from './adamw.js';
export { ASGD } from './asgd.js';
export { createOptimizer, type OptimizerSpec } from './create-optimizer.js';
export { LBFGS } from './lbfgs.js';
export { NAdam } from './nadam.js';
export { RAdam } from './radam.js';
export { resolveOptimizerOptions } from './resolve-options.js';
export { RMSprop } from './rmsprop.js';
export { Rprop } from './rprop.js';
export { SGD } from './sgd.js';
export { SparseAdam } from './sparse-adam.js';
