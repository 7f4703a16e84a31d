import type { CatalogEntry, JsonSchema } from './types.js';

/**
 * Every torch.optim.lr_scheduler scheduler of PyTorch 1.13, keyed by torch class name, with torch's
 * option names and defaults. `createScheduler` and `validateSchedulerSpec` validate against these
 * schemas, so they are the single source of truth for the API, the sweep spec and the schedulers.
 *
 * Extensions:
 * - `x-torch-message` on an option: torch's ValueError for a value outside the constraint, `{}`
 *   standing for the value ("Expected positive integer T_0, but got {}"); the optimizer catalog uses
 *   the same convention, filled by catalog/torch-message.ts.
 * - `x-per-group: true`: a list gives one value per param group (torch's `_format_param`).
 * - `x-derived` on an option: the service may fill it in (OneCycleLR's total_steps =
 *   epochs x steps per epoch of the trial) when the spec leaves it out.
 * - `x-monitors-metric: true` on an entry: `step(metric)` needs the monitored metric each epoch.
 * - `x-expression` on an option: a lambda written as an expression string in the named variable.
 * - `x-nested-schedulers: true`: the option lists nested `{type, options}` scheduler specs.
 * Options torch has that make no sense as data are left out: `last_epoch` (resuming goes through
 * the state dict) and `verbose`; CyclicLR's `scale_fn` is an expression in `x` instead of a callable.
 */
export type SchedulerCatalogEntry = CatalogEntry & {
  kind: 'scheduler';
  /** ReduceLROnPlateau: `step(metric)` must get the monitored metric. */
  'x-monitors-metric'?: true;
  /** CyclicLR and OneCycleLR: torch steps them after every batch, the others after every epoch. */
  'x-steps-per': 'batch' | 'epoch';
};

const DOCS = 'https://pytorch.org/docs/1.13/generated/torch.optim.lr_scheduler';

const numberOption = (description: string, fallback?: number, extra: JsonSchema = {}): JsonSchema => ({
  type: 'number',
  ...(fallback === undefined ? {} : { default: fallback }),
  description,
  ...extra,
});

const integerOption = (description: string, fallback?: number, extra: JsonSchema = {}): JsonSchema => ({
  type: 'integer',
  ...(fallback === undefined ? {} : { default: fallback }),
  description,
  ...extra,
});

/** A number for every group, or a list with one per param group. */
const perGroupNumber = (description: string, fallback?: number, constraint: JsonSchema = {}): JsonSchema => ({
  anyOf: [
    { type: 'number', ...constraint },
    { type: 'array', items: { type: 'number', ...constraint }, minItems: 1 },
  ],
  ...(fallback === undefined ? {} : { default: fallback }),
  description: `${description} One number for all param groups, or a list with one per group.`,
  'x-per-group': true,
});

const lrLambda = (description: string): JsonSchema => ({
  anyOf: [
    { type: 'string', maxLength: 256 },
    { type: 'array', items: { type: 'string', maxLength: 256 }, minItems: 1 },
  ],
  description: `${description} An expression in \`epoch\` (+ - * / // % **, min max abs exp log sqrt cos sin floor ceil, pi, e; Python's meaning), or a list with one per param group.`,
  examples: ['0.95 ** epoch', 'min(1.0, (epoch + 1) / 5)'],
  'x-expression': 'epoch',
  'x-per-group': true,
});

const gamma = (fallback?: number): JsonSchema =>
  numberOption('Multiplicative factor of learning rate decay.', fallback, { minimum: 0 });

const nestedSchedulers: JsonSchema = {
  type: 'array',
  minItems: 1,
  items: {
    type: 'object',
    properties: {
      type: { type: 'string', description: 'torch class name of the nested scheduler.' },
      options: { type: 'object', description: 'Its torch keyword arguments.' },
    },
    required: ['type'],
    additionalProperties: false,
  },
  description:
    'The schedulers to combine, each {type, options} on the same optimizer; not ReduceLROnPlateau (SequentialLR also takes no SequentialLR or ChainedScheduler).',
  'x-nested-schedulers': true,
};

const cycleMomentum = (base: number, max: number): Record<string, JsonSchema> => ({
  cycle_momentum: {
    type: 'boolean',
    default: true,
    description:
      "Cycle momentum (SGD's momentum, or beta1 of Adam-like optimizers' betas) inversely to the learning rate.",
  },
  base_momentum: perGroupNumber('Lower momentum boundary of the cycle (reached at max_lr).', base, {
    minimum: 0,
  }),
  max_momentum: perGroupNumber('Upper momentum boundary of the cycle (reached at the lowest lr).', max, {
    minimum: 0,
  }),
});

function entry(
  type: string,
  description: string,
  options: Record<string, JsonSchema>,
  required: readonly string[] = [],
  extra: Partial<SchedulerCatalogEntry> = {},
): SchedulerCatalogEntry {
  return {
    type,
    kind: 'scheduler',
    description,
    reference: `${DOCS}.${type}.html`,
    options,
    required,
    'x-steps-per': 'epoch',
    ...extra,
  };
}

/** Every torch.optim.lr_scheduler scheduler, keyed by torch class name. */
export const schedulerCatalog: Record<string, SchedulerCatalogEntry> = {
  LambdaLR: entry(
    'LambdaLR',
    'lr = initial lr x lr_lambda(epoch).',
    { lr_lambda: lrLambda('Multiplicative factor of the initial lr as a function of the epoch.') },
    ['lr_lambda'],
  ),
  MultiplicativeLR: entry(
    'MultiplicativeLR',
    'Multiplies the lr by lr_lambda(epoch) every epoch after the first.',
    { lr_lambda: lrLambda('Factor the current lr is multiplied by at each epoch.') },
    ['lr_lambda'],
  ),
  StepLR: entry(
    'StepLR',
    'Multiplies the lr by gamma every step_size epochs.',
    {
      step_size: integerOption('Period of learning rate decay, in epochs.', undefined, { minimum: 1 }),
      gamma: gamma(0.1),
    },
    ['step_size'],
  ),
  MultiStepLR: entry(
    'MultiStepLR',
    'Multiplies the lr by gamma at each milestone (a repeated milestone multiplies once per repetition).',
    {
      milestones: {
        type: 'array',
        items: { type: 'integer', minimum: 0 },
        description: 'Epoch indices at which the lr decays (increasing).',
        examples: [[30, 80]],
      },
      gamma: gamma(0.1),
    },
    ['milestones'],
  ),
  ConstantLR: entry('ConstantLR', 'Multiplies the lr by factor until epoch total_iters.', {
    factor: numberOption('Factor applied until the milestone.', 1 / 3, {
      // torch 1.13 accepts 0, then divides by it at total_iters (ZeroDivisionError).
      exclusiveMinimum: 0,
      maximum: 1,
      'x-torch-message': 'Constant multiplicative factor expected to be between 0 and 1.',
    }),
    total_iters: integerOption('Number of epochs the factor applies for.', 5, { minimum: 0 }),
  }),
  LinearLR: entry(
    'LinearLR',
    'Multiplies the lr by a factor changing linearly from start_factor to end_factor over total_iters epochs.',
    {
      start_factor: numberOption('Factor of the first epoch.', 1 / 3, {
        // torch 1.13 accepts 0 and then divides by zero at epoch 1; torch 2 rejects it with this message.
        exclusiveMinimum: 0,
        maximum: 1,
        'x-torch-message':
          'Starting multiplicative factor expected to be greater than 0 and less or equal to 1.',
      }),
      end_factor: numberOption('Factor reached at total_iters.', 1, {
        minimum: 0,
        maximum: 1,
        'x-torch-message': 'Ending multiplicative factor expected to be between 0 and 1.',
      }),
      total_iters: integerOption('Number of epochs until end_factor is reached.', 5, { minimum: 1 }),
    },
  ),
  ExponentialLR: entry('ExponentialLR', 'Multiplies the lr by gamma every epoch.', { gamma: gamma() }, [
    'gamma',
  ]),
  SequentialLR: entry(
    'SequentialLR',
    'Runs one scheduler after another, switching at the milestones.',
    {
      schedulers: nestedSchedulers,
      milestones: {
        type: 'array',
        items: { type: 'integer', minimum: 0 },
        description: 'Epochs at which the next scheduler takes over (one fewer than schedulers).',
        examples: [[5]],
      },
    },
    ['schedulers', 'milestones'],
  ),
  CosineAnnealingLR: entry(
    'CosineAnnealingLR',
    'Cosine annealing from the initial lr to eta_min over T_max epochs, and back up after (torch recursive form).',
    {
      T_max: integerOption('Half period of the cosine, in epochs.', undefined, { minimum: 1 }),
      eta_min: numberOption('Minimum learning rate.', 0, { minimum: 0 }),
    },
    ['T_max'],
  ),
  ChainedScheduler: entry(
    'ChainedScheduler',
    'Steps several schedulers together, each multiplying in its own change.',
    { schedulers: nestedSchedulers },
    ['schedulers'],
  ),
  ReduceLROnPlateau: entry(
    'ReduceLROnPlateau',
    'Multiplies the lr by factor when the monitored metric stops improving for patience epochs.',
    {
      mode: {
        type: 'string',
        enum: ['min', 'max'],
        default: 'min',
        description: 'Whether the metric should decrease (min) or increase (max).',
        'x-torch-message': 'mode {} is unknown!',
      },
      factor: numberOption('Factor the lr is multiplied by on a plateau.', 0.1, {
        minimum: 0,
        exclusiveMaximum: 1,
        'x-torch-message': 'Factor should be < 1.0.',
      }),
      patience: integerOption('Epochs without improvement before the lr is reduced.', 10, { minimum: 0 }),
      threshold: numberOption('Threshold for measuring a new optimum.', 1e-4, { minimum: 0 }),
      threshold_mode: {
        type: 'string',
        enum: ['rel', 'abs'],
        default: 'rel',
        description: 'rel: best x (1 -/+ threshold); abs: best -/+ threshold.',
        'x-torch-message': 'threshold mode {} is unknown!',
      },
      cooldown: integerOption('Epochs to wait after a reduction before counting bad epochs again.', 0, {
        minimum: 0,
      }),
      min_lr: perGroupNumber('Lower bound of the learning rate.', 0, { minimum: 0 }),
      eps: numberOption('Reductions smaller than eps are skipped.', 1e-8, { minimum: 0 }),
    },
    [],
    { 'x-monitors-metric': true },
  ),
  CyclicLR: entry(
    'CyclicLR',
    'Cycles the lr between base_lr and max_lr (Smith, 2017: triangular, triangular2, exp_range).',
    {
      base_lr: perGroupNumber('Lower lr boundary of the cycle (also the initial lr).', undefined, {
        minimum: 0,
      }),
      max_lr: perGroupNumber('Upper lr boundary of the cycle.', undefined, { minimum: 0 }),
      step_size_up: integerOption('Iterations in the increasing half of a cycle.', 2000, { minimum: 1 }),
      step_size_down: {
        anyOf: [{ type: 'integer', minimum: 1 }, { type: 'null' }],
        default: null,
        description: 'Iterations in the decreasing half of a cycle; null means step_size_up.',
      },
      mode: {
        type: 'string',
        enum: ['triangular', 'triangular2', 'exp_range'],
        default: 'triangular',
        description:
          'Amplitude policy: constant, halved every cycle, or scaled by gamma ** iterations. Ignored when scale_fn is given.',
        'x-torch-message': 'mode is invalid and scale_fn is None',
      },
      gamma: numberOption("Constant of the 'exp_range' policy: gamma ** iterations.", 1, { minimum: 0 }),
      scale_fn: {
        anyOf: [{ type: 'string', maxLength: 256 }, { type: 'null' }],
        default: null,
        description:
          'Custom amplitude scaling as an expression in `x` (the cycle number or the iteration, per scale_mode), in [0, 1]; overrides mode.',
        examples: ['1 / (2.0 ** (x - 1))'],
        'x-expression': 'x',
      },
      scale_mode: {
        type: 'string',
        enum: ['cycle', 'iterations'],
        default: 'cycle',
        description: 'Whether scale_fn is evaluated on the cycle number or on the iteration count.',
      },
      ...cycleMomentum(0.8, 0.9),
    },
    ['base_lr', 'max_lr'],
    { 'x-steps-per': 'batch' },
  ),
  CosineAnnealingWarmRestarts: entry(
    'CosineAnnealingWarmRestarts',
    'Cosine annealing restarted every T_i epochs, T_i growing by T_mult after each restart (SGDR).',
    {
      T_0: integerOption('Epochs until the first restart.', undefined, {
        minimum: 1,
        'x-torch-message': 'Expected positive integer T_0, but got {}',
      }),
      T_mult: integerOption('Factor T_i grows by after a restart.', 1, {
        minimum: 1,
        'x-torch-message': 'Expected integer T_mult >= 1, but got {}',
      }),
      eta_min: numberOption('Minimum learning rate.', 0, { minimum: 0 }),
    },
    ['T_0'],
  ),
  OneCycleLR: entry(
    'OneCycleLR',
    'The 1cycle policy: lr up from max_lr/div_factor to max_lr, then down far below (Smith & Topin, 2017).',
    {
      max_lr: perGroupNumber('Peak learning rate.', undefined, { minimum: 0 }),
      total_steps: {
        anyOf: [
          {
            type: 'integer',
            minimum: 1,
            'x-torch-message': 'Expected positive integer total_steps, but got {}',
          },
          { type: 'null' },
        ],
        default: null,
        description:
          'Steps in the cycle. If null, epochs x steps_per_epoch; the service derives it from the trial (epochs x batches per epoch) when neither is given.',
        'x-derived': 'epochs * steps_per_epoch',
      },
      epochs: {
        anyOf: [
          { type: 'integer', minimum: 1, 'x-torch-message': 'Expected positive integer epochs, but got {}' },
          { type: 'null' },
        ],
        default: null,
        description: 'Epochs to train for (with steps_per_epoch, when total_steps is null).',
      },
      steps_per_epoch: {
        anyOf: [
          {
            type: 'integer',
            minimum: 1,
            'x-torch-message': 'Expected positive integer steps_per_epoch, but got {}',
          },
          { type: 'null' },
        ],
        default: null,
        description: 'Steps per epoch (with epochs, when total_steps is null).',
      },
      pct_start: numberOption('Fraction of the cycle spent increasing the lr.', 0.3, {
        minimum: 0,
        maximum: 1,
        'x-torch-message': 'Expected float between 0 and 1 pct_start, but got {}',
      }),
      anneal_strategy: {
        type: 'string',
        enum: ['cos', 'linear'],
        default: 'cos',
        description: 'Cosine or linear annealing between the phase boundaries.',
        'x-torch-message': "anneal_strategy must by one of 'cos' or 'linear', instead got {}",
      },
      ...cycleMomentum(0.85, 0.95),
      div_factor: numberOption('initial_lr = max_lr / div_factor.', 25, { exclusiveMinimum: 0 }),
      final_div_factor: numberOption('min_lr = initial_lr / final_div_factor.', 1e4, { exclusiveMinimum: 0 }),
      three_phase: {
        type: 'boolean',
        default: false,
        description: "Three phases (up, symmetric down, annihilate) as in the paper instead of fastai's two.",
      },
    },
    ['max_lr'],
    { 'x-steps-per': 'batch' },
  ),
  PolynomialLR: entry('PolynomialLR', 'Decays the lr polynomially to zero over total_iters epochs.', {
    total_iters: integerOption('Epochs over which the lr decays.', 5, { minimum: 1 }),
    power: numberOption('Power of the polynomial.', 1, { minimum: 0 }),
  }),
};

/** The torch class names of every scheduler, in torch's `__all__` order. */
export const schedulerTypes: readonly string[] = Object.keys(schedulerCatalog);

/**
 * When `scheduler.step()` runs: after every optimizer step or after every epoch. The sweep spec's
 * `interval` and the trainer's loop use this name.
 */
export type SchedulerInterval = 'step' | 'epoch';

/**
 * The interval a scheduler steps at unless told otherwise, as the catalog marks it (`x-steps-per`):
 * per batch for CyclicLR and OneCycleLR (their step sizes count optimizer steps), per epoch for the rest.
 * The one place this default is decided; the spec fills it in and the trainer falls back to it.
 */
export function defaultSchedulerInterval(type: string): SchedulerInterval {
  return schedulerCatalog[type]?.['x-steps-per'] === 'batch' ? 'step' : 'epoch';
}

/** Whether torch steps this scheduler with a metric (`step(metric)`: ReduceLROnPlateau), as the catalog marks it. */
export function schedulerMonitorsMetric(type: string): boolean {
  return schedulerCatalog[type]?.['x-monitors-metric'] === true;
}
