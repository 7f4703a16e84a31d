import { OptimError } from '../errors.js';
import type { CatalogEntry, JsonSchema } from './types.js';

/**
 * Every torch.optim optimizer of PyTorch 1.13, keyed by torch class name, with torch's option
 * names and defaults. This is the single source of truth: `resolveOptimizerOptions` validates
 * against it (the `x-torch-message` extension carries torch's ValueError, e.g. "Invalid learning
 * rate: {}", as for schedulers: catalog/torch-message.ts), and the API derives its sweep-spec schema and OpenAPI document from it.
 *
 * Constraints mirror torch's own checks; where torch checks nothing (ASGD's lambd/alpha/t0,
 * Rprop's step_sizes, LBFGS) the constraint is the domain in which the algorithm makes sense.
 */

const DOCS = 'https://pytorch.org/docs/1.13/generated/torch.optim';

const lr = (fallback: number): JsonSchema => ({
  type: 'number',
  minimum: 0,
  default: fallback,
  description: 'Learning rate.',
  'x-torch-message': 'Invalid learning rate: {}',
});

const eps = (fallback: number): JsonSchema => ({
  type: 'number',
  minimum: 0,
  default: fallback,
  description: 'Term added to the denominator for numerical stability.',
  'x-torch-message': 'Invalid epsilon value: {}',
});

const weightDecay = (fallback = 0): JsonSchema => ({
  type: 'number',
  minimum: 0,
  default: fallback,
  description: 'Weight decay (L2 penalty) coefficient.',
  'x-torch-message': 'Invalid weight_decay value: {}',
});

const decoupledWeightDecay: JsonSchema = {
  ...weightDecay(1e-2),
  description: 'Decoupled weight decay coefficient: param *= 1 - lr * weight_decay before the update.',
};

const maximize: JsonSchema = {
  type: 'boolean',
  default: false,
  description: 'Maximize the objective instead of minimizing it (the gradient is negated).',
};

const betaItem = (index: number): JsonSchema => ({
  type: 'number',
  minimum: 0,
  exclusiveMaximum: 1,
  'x-torch-message': `Invalid beta parameter at index ${index}: {}`,
});

const betas: JsonSchema = {
  type: 'array',
  prefixItems: [betaItem(0), betaItem(1)],
  minItems: 2,
  maxItems: 2,
  default: [0.9, 0.999],
  description: 'Coefficients of the running averages of the gradient and of its square.',
};

const amsgrad: JsonSchema = {
  type: 'boolean',
  default: false,
  description: 'Use the AMSGrad variant (the maximum of past squared-gradient averages).',
};

function entry(
  type: string,
  description: string,
  options: Record<string, JsonSchema>,
  required: readonly string[] = [],
): CatalogEntry {
  return { type, kind: 'optimizer', description, reference: `${DOCS}.${type}.html`, options, required };
}

export const optimizerCatalog: Record<string, CatalogEntry> = {
  SGD: entry(
    'SGD',
    'Stochastic gradient descent, optionally with (Nesterov) momentum.',
    {
      // torch 1.13's SGD has no default learning rate (`lr=required`).
      lr: {
        type: 'number',
        minimum: 0,
        description: 'Learning rate.',
        'x-torch-message': 'Invalid learning rate: {}',
      },
      momentum: {
        type: 'number',
        minimum: 0,
        default: 0,
        description: 'Momentum factor.',
        'x-torch-message': 'Invalid momentum value: {}',
      },
      dampening: {
        type: 'number',
        default: 0,
        description: 'Dampening for momentum: buf = momentum * buf + (1 - dampening) * grad.',
      },
      weight_decay: weightDecay(),
      nesterov: {
        type: 'boolean',
        default: false,
        description: 'Use Nesterov momentum (requires momentum > 0 and dampening = 0).',
      },
      maximize,
    },
    ['lr'],
  ),
  ASGD: entry('ASGD', 'Averaged stochastic gradient descent (Polyak & Juditsky, 1992).', {
    lr: lr(1e-2),
    lambd: { type: 'number', minimum: 0, default: 1e-4, description: 'Decay term.' },
    alpha: { type: 'number', minimum: 0, default: 0.75, description: 'Power for the eta update.' },
    t0: { type: 'number', minimum: 0, default: 1e6, description: 'Step at which averaging starts.' },
    weight_decay: weightDecay(),
    maximize,
  }),
  Rprop: entry('Rprop', 'Resilient backpropagation: per-element step sizes adapted from gradient signs.', {
    lr: lr(1e-2),
    etas: {
      type: 'array',
      prefixItems: [
        { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
        { type: 'number', exclusiveMinimum: 1 },
      ],
      minItems: 2,
      maxItems: 2,
      default: [0.5, 1.2],
      description:
        '(etaminus, etaplus): multiplicative decrease and increase factors, 0 < etaminus < 1 < etaplus.',
      'x-torch-message': 'Invalid eta values: {}, {}',
    },
    step_sizes: {
      type: 'array',
      prefixItems: [
        { type: 'number', minimum: 0 },
        { type: 'number', minimum: 0 },
      ],
      minItems: 2,
      maxItems: 2,
      default: [1e-6, 50],
      description: '(min, max) allowed step sizes.',
      'x-torch-message': 'Invalid step_sizes values: {}, {}',
    },
    maximize,
  }),
  Adagrad: entry('Adagrad', 'Adagrad: per-element learning rates from accumulated squared gradients.', {
    lr: lr(1e-2),
    lr_decay: {
      type: 'number',
      minimum: 0,
      default: 0,
      description: 'Learning rate decay: clr = lr / (1 + (step - 1) * lr_decay).',
      'x-torch-message': 'Invalid lr_decay value: {}',
    },
    weight_decay: weightDecay(),
    initial_accumulator_value: {
      type: 'number',
      minimum: 0,
      default: 0,
      description: 'Initial value of the squared-gradient accumulator.',
      'x-torch-message': 'Invalid initial_accumulator_value value: {}',
    },
    eps: eps(1e-10),
    maximize,
  }),
  Adadelta: entry('Adadelta', 'Adadelta: an adaptive learning rate method (Zeiler, 2012).', {
    lr: lr(1.0),
    rho: {
      type: 'number',
      minimum: 0,
      maximum: 1,
      default: 0.9,
      description: 'Coefficient of the running average of squared gradients.',
      'x-torch-message': 'Invalid rho value: {}',
    },
    eps: eps(1e-6),
    weight_decay: weightDecay(),
    maximize,
  }),
  RMSprop: entry('RMSprop', 'RMSprop: gradients divided by a running root mean square (Hinton).', {
    lr: lr(1e-2),
    alpha: {
      type: 'number',
      minimum: 0,
      default: 0.99,
      description: 'Smoothing constant of the squared-gradient average.',
      'x-torch-message': 'Invalid alpha value: {}',
    },
    eps: eps(1e-8),
    weight_decay: weightDecay(),
    momentum: {
      type: 'number',
      minimum: 0,
      default: 0,
      description: 'Momentum factor.',
      'x-torch-message': 'Invalid momentum value: {}',
    },
    centered: {
      type: 'boolean',
      default: false,
      description: 'Normalize by the estimated variance of the gradient instead of its second moment.',
    },
    maximize,
  }),
  Adam: entry('Adam', 'Adam (Kingma & Ba, 2014), optionally AMSGrad.', {
    lr: lr(1e-3),
    betas,
    eps: eps(1e-8),
    weight_decay: weightDecay(),
    amsgrad,
    maximize,
  }),
  AdamW: entry('AdamW', 'Adam with decoupled weight decay (Loshchilov & Hutter, 2017).', {
    lr: lr(1e-3),
    betas,
    eps: eps(1e-8),
    weight_decay: decoupledWeightDecay,
    amsgrad,
    maximize,
  }),
  Adamax: entry('Adamax', 'Adamax: Adam with the infinity norm.', {
    lr: lr(2e-3),
    betas,
    eps: eps(1e-8),
    weight_decay: weightDecay(),
    maximize,
  }),
  NAdam: entry('NAdam', 'NAdam: Adam with Nesterov momentum (Dozat, 2016).', {
    lr: lr(2e-3),
    betas,
    eps: eps(1e-8),
    weight_decay: weightDecay(),
    momentum_decay: {
      type: 'number',
      minimum: 0,
      default: 4e-3,
      description: 'Momentum decay psi of the momentum schedule mu_t = beta1 * (1 - 0.5 * 0.96^(t * psi)).',
      'x-torch-message': 'Invalid momentum_decay value: {}',
    },
  }),
  RAdam: entry('RAdam', 'RAdam: Adam with a rectified adaptive learning rate (Liu et al., 2019).', {
    lr: lr(1e-3),
    betas,
    eps: eps(1e-8),
    weight_decay: weightDecay(),
  }),
  SparseAdam: entry(
    'SparseAdam',
    'Lazy Adam for sparse gradients: only rows that receive a gradient are updated and carry state.',
    { lr: lr(1e-3), betas, eps: eps(1e-8), maximize },
  ),
  LBFGS: entry('LBFGS', 'L-BFGS (limited-memory BFGS); step() needs a closure; one param group.', {
    lr: lr(1),
    max_iter: {
      type: 'integer',
      minimum: 1,
      default: 20,
      description: 'Maximal number of iterations per optimization step.',
    },
    max_eval: {
      anyOf: [{ type: 'integer', minimum: 1 }, { type: 'null' }],
      default: null,
      description: 'Maximal number of function evaluations per step; null means max_iter * 5 / 4 (floored).',
    },
    tolerance_grad: {
      type: 'number',
      minimum: 0,
      default: 1e-7,
      description: 'Termination tolerance on first-order optimality (max |grad|).',
    },
    tolerance_change: {
      type: 'number',
      minimum: 0,
      default: 1e-9,
      description: 'Termination tolerance on function value/parameter changes.',
    },
    history_size: { type: 'integer', minimum: 1, default: 100, description: 'Update history size.' },
    line_search_fn: {
      anyOf: [{ type: 'string', enum: ['strong_wolfe'] }, { type: 'null' }],
      default: null,
      description: 'Line search: null (fixed step lr) or "strong_wolfe".',
    },
  }),
};

/** torch class names of every supported optimizer, in catalog order. */
export const optimizerTypes: readonly string[] = Object.keys(optimizerCatalog);

/** The catalog entry of `type`; an OptimError naming the valid types when there is none. */
export function optimizerCatalogEntry(type: string): CatalogEntry {
  const found = Object.hasOwn(optimizerCatalog, type) ? optimizerCatalog[type] : undefined;
  if (found === undefined) {
    throw new OptimError(
      `Unknown optimizer type: ${JSON.stringify(type)}; valid types: ${optimizerTypes.join(', ')}`,
      'type',
    );
  }
  return found;
}

/**
 * JSON Schema of one optimizer spec `{ type, ...options }`, generated from the catalog, for the
 * sweep-spec validator and the OpenAPI document.
 */
export function optimizerJsonSchema(type: string): JsonSchema {
  const entry = optimizerCatalogEntry(type);
  return {
    type: 'object',
    description: entry.description,
    properties: { type: { const: type, description: 'torch.optim class name.' }, ...entry.options },
    required: ['type', ...entry.required],
    additionalProperties: false,
  };
}
