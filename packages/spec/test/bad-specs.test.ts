import { describe, expect, test } from 'vitest';
import { baseSpec, validate } from './helpers.js';

type Spec = Record<string, unknown>;
interface BadSpec {
  name: string;
  spec: unknown;
  path: string;
  /** A part of the message a person needs to act on. */
  message: string | RegExp;
}

/** baseSpec() with fields replaced (undefined deletes). */
function withFields(fields: Spec): Spec {
  const spec = { ...baseSpec(), ...fields };
  for (const [key, value] of Object.entries(fields)) if (value === undefined) delete spec[key];
  return spec;
}
const optimizer = (entry: Spec) => withFields({ optimizers: [entry] });
const scheduler = (entry: unknown, fields: Spec = {}) => withFields({ schedulers: [entry], ...fields });
const regression = (fields: Spec) =>
  withFields({ workload: 'two-layer-regression', training: { epochs: 3, batchSize: 64 }, ...fields });

function nested(depth: number): unknown {
  let value: unknown = 0.1;
  for (let level = 0; level < depth; level++) value = [value];
  return value;
}

const badSpecs: BadSpec[] = [
  // the body itself
  { name: 'a list instead of an object', spec: [], path: '', message: 'JSON object' },
  { name: 'a string', spec: 'SGD', path: '', message: 'JSON object' },
  { name: 'null', spec: null, path: '', message: 'JSON object' },
  {
    name: 'no optimizers',
    spec: withFields({ optimizers: undefined }),
    path: '',
    message: 'missing "optimizers"',
  },
  { name: 'no workload', spec: withFields({ workload: undefined }), path: '', message: 'missing "workload"' },
  {
    name: 'misspelled top-level field',
    spec: withFields({ optimizer: [] }),
    path: '/optimizer',
    message: 'did you mean "optimizers"?',
  },
  {
    name: 'deep nesting',
    spec: optimizer({ type: 'SGD', lr: nested(100) }),
    path: /^\/optimizers\/0\/lr(\/0)+$/ as never,
    message: 'nested deeper than 32',
  },
  {
    name: 'NaN is not JSON',
    spec: optimizer({ type: 'SGD', lr: Number.NaN }),
    path: '/optimizers/0/lr',
    message: 'not a JSON number',
  },
  // workload
  {
    name: 'unknown workload',
    spec: withFields({ workload: 'mnist' }),
    path: '/workload',
    message: 'valid workloads: mnist-mlp',
  },
  {
    name: 'misspelled workload',
    spec: withFields({ workload: { name: 'mnist-mpl' } }),
    path: '/workload/name',
    message: 'did you mean "mnist-mlp"?',
  },
  {
    name: 'workload as a number',
    spec: withFields({ workload: 7 }),
    path: '/workload',
    message: 'workload name',
  },
  {
    name: 'unknown workload option',
    spec: withFields({ workload: { name: 'mnist-mlp', options: { hiden: 10 } } }),
    path: '/workload/options/hiden',
    message: 'did you mean "hidden"?',
  },
  {
    name: 'workload option out of range',
    spec: withFields({ workload: { name: 'mnist-mlp', options: { hidden: 0 } } }),
    path: '/workload/options/hidden',
    message: '>= 1',
  },
  {
    name: 'workload option of the wrong type',
    spec: withFields({ workload: { name: 'mnist-mlp', options: { hidden: '200' } } }),
    path: '/workload/options/hidden',
    message: 'Invalid hidden value: expected an integer >= 1 and <= 4096, got "200"',
  },
  {
    name: 'a list for a workload option (workload options do not sweep)',
    spec: withFields({ workload: { name: 'mnist-mlp', options: { hidden: [100, 200] } } }),
    path: '/workload/options/hidden',
    message: 'hidden takes one value',
  },
  {
    name: 'a list of epochs',
    spec: withFields({ training: { epochs: [1, 2] } }),
    path: '/training/epochs',
    message: 'epochs takes one value',
  },
  {
    name: 'workload options not an object',
    spec: withFields({ workload: { name: 'mnist-mlp', options: [1] } }),
    path: '/workload/options',
    message: 'must be an object',
  },
  // training, seeds, objective, name
  {
    name: 'zero epochs',
    spec: withFields({ training: { epochs: 0 } }),
    path: '/training/epochs',
    message: '>= 1',
  },
  {
    name: 'fractional batch size',
    spec: withFields({ training: { batchSize: 6.5 } }),
    path: '/training/batchSize',
    message: 'Invalid batchSize value: expected an integer >= 1 and <= 65536, got 6.5',
  },
  {
    name: 'snake_case batch_size',
    spec: withFields({ training: { batch_size: 32 } }),
    path: '/training/batch_size',
    message: 'did you mean "batchSize"?',
  },
  {
    name: 'fractional seed',
    spec: withFields({ seeds: [0, 1.5] }),
    path: '/seeds/1',
    message: 'Invalid seeds value: expected an integer >= 0 and <= 4294967295, got 1.5',
  },
  { name: 'negative seed', spec: withFields({ seeds: -1 }), path: '/seeds', message: '>= 0' },
  { name: 'no seeds', spec: withFields({ seeds: [] }), path: '/seeds', message: 'empty list' },
  {
    name: 'unknown objective metric',
    spec: withFields({ objective: { metric: 'accuracy' } }),
    path: '/objective/metric',
    message: 'unknown metric "accuracy"; metrics: val_loss, val_accuracy, train_loss',
  },
  {
    name: 'objective mode',
    spec: withFields({ objective: { mode: 'minimize' } }),
    path: '/objective/mode',
    message: 'one of "min", "max"',
  },
  {
    name: 'validation metric without a validation set',
    spec: regression({ objective: { metric: 'val_loss' } }),
    path: '/objective/metric',
    message: 'has no validation set',
  },
  { name: 'name is not a string', spec: withFields({ name: 3 }), path: '/name', message: 'must be a string' },
  { name: 'empty name', spec: withFields({ name: '  ' }), path: '/name', message: 'must not be empty' },
  // optimizer entries
  {
    name: 'empty optimizers',
    spec: withFields({ optimizers: [] }),
    path: '/optimizers',
    message: 'non-empty list',
  },
  {
    name: 'optimizer as a string',
    spec: withFields({ optimizers: ['SGD'] }),
    path: '/optimizers/0',
    message: 'is an object like',
  },
  {
    name: 'optimizer without type',
    spec: optimizer({ lr: 0.1 }),
    path: '/optimizers/0',
    message: 'missing "type"',
  },
  {
    name: 'unknown optimizer type',
    spec: optimizer({ type: 'Adamm' }),
    path: '/optimizers/0/type',
    message: /did you mean "Adam"\? Valid types: SGD, ASGD/,
  },
  {
    name: 'lower-case optimizer type',
    spec: optimizer({ type: 'sgd', lr: 0.1 }),
    path: '/optimizers/0/type',
    message: 'did you mean "SGD"?',
  },
  {
    name: 'misspelled option',
    spec: optimizer({ type: 'SGD', lr: 0.1, momentun: 0.9 }),
    path: '/optimizers/0/momentun',
    message: 'unknown option "momentun" for SGD; did you mean "momentum"?',
  },
  {
    name: 'option of another optimizer',
    spec: optimizer({ type: 'Adam', momentum: 0.9 }),
    path: '/optimizers/0/momentum',
    message: 'valid options: lr, betas',
  },
  {
    name: 'negative lr',
    spec: optimizer({ type: 'SGD', lr: -0.1 }),
    path: '/optimizers/0/lr',
    message: 'Invalid learning rate: -0.1',
  },
  {
    name: 'negative lr inside a sweep',
    spec: optimizer({ type: 'SGD', lr: [0.1, 0.01, -1] }),
    path: '/optimizers/0/lr/2',
    message: 'Invalid learning rate: -1',
  },
  {
    name: 'lr as a string',
    spec: optimizer({ type: 'Adam', lr: '1e-3' }),
    path: '/optimizers/0/lr',
    message: 'Invalid lr value: expected a number >= 0, got "1e-3"',
  },
  {
    name: 'SGD without lr',
    spec: optimizer({ type: 'SGD', momentum: 0.9 }),
    path: '/optimizers/0',
    message: 'missing option "lr"',
  },
  {
    name: 'empty sweep',
    spec: optimizer({ type: 'SGD', lr: [] }),
    path: '/optimizers/0/lr',
    message: 'empty list sweeps nothing',
  },
  {
    name: 'list of lists for a scalar option',
    spec: optimizer({ type: 'SGD', lr: [[0.1, 0.2]] }),
    path: '/optimizers/0/lr/0',
    message: 'takes one value',
  },
  {
    name: 'nesterov without momentum',
    spec: optimizer({ type: 'SGD', lr: 0.1, nesterov: true }),
    path: '/optimizers/0/nesterov',
    message: 'Nesterov momentum requires a momentum and zero dampening',
  },
  {
    name: 'nesterov with dampening, in a sweep',
    spec: optimizer({ type: 'SGD', lr: 0.1, momentum: 0.9, dampening: [0, 0.5], nesterov: true }),
    path: '/optimizers/0/nesterov',
    message: 'dampening=0.5',
  },
  {
    name: 'beta out of range',
    spec: optimizer({ type: 'Adam', betas: [0.9, 1] }),
    path: '/optimizers/0/betas/1',
    message: 'Invalid beta parameter at index 1: 1',
  },
  {
    name: 'beta out of range in a betas sweep',
    spec: optimizer({
      type: 'Adam',
      betas: [
        [0.9, 0.999],
        [1.5, 0.99],
      ],
    }),
    path: '/optimizers/0/betas/1/0',
    message: 'Invalid beta parameter at index 0',
  },
  {
    name: 'three betas',
    spec: optimizer({ type: 'AdamW', betas: [0.9, 0.99, 0.999] }),
    path: '/optimizers/0/betas',
    message: 'a list of 2 numbers',
  },
  {
    name: 'amsgrad as a string',
    spec: optimizer({ type: 'Adam', amsgrad: 'yes' }),
    path: '/optimizers/0/amsgrad',
    message: 'true or false',
  },
  {
    name: 'LBFGS line search',
    spec: optimizer({ type: 'LBFGS', line_search_fn: 'wolfe' }),
    path: '/optimizers/0/line_search_fn',
    message: 'Invalid line_search_fn value: expected "strong_wolfe", got "wolfe"',
  },
  // param groups
  {
    name: 'LBFGS with param groups',
    spec: optimizer({ type: 'LBFGS', param_groups: [{ params: 'classifier', lr: 0.1 }] }),
    path: '/optimizers/0/param_groups',
    message: "LBFGS doesn't support per-parameter options",
  },
  {
    name: 'unknown parameter group',
    spec: optimizer({ type: 'SGD', lr: 0.1, param_groups: [{ params: 'head', lr: 0.01 }] }),
    path: '/optimizers/0/param_groups/0/params',
    message: 'its groups: base, classifier',
  },
  {
    name: 'unknown group in a list',
    spec: optimizer({ type: 'SGD', lr: 0.1, param_groups: [{ params: ['base', 'clasifier'] }] }),
    path: '/optimizers/0/param_groups/0/params/1',
    message: 'did you mean "classifier"?',
  },
  {
    name: 'a group in two entries',
    spec: optimizer({
      type: 'SGD',
      lr: 0.1,
      param_groups: [{ params: 'base' }, { params: ['classifier', 'base'] }],
    }),
    path: '/optimizers/0/param_groups/1/params/1',
    message: 'already in param_groups/0',
  },
  {
    name: 'a group listed twice in one entry',
    spec: optimizer({ type: 'SGD', lr: 0.1, param_groups: [{ params: ['classifier', 'classifier'] }] }),
    path: '/optimizers/0/param_groups/0/params/1',
    message: 'is listed twice',
  },
  {
    name: 'param group without params',
    spec: optimizer({ type: 'SGD', lr: 0.1, param_groups: [{ lr: 0.01 }] }),
    path: '/optimizers/0/param_groups/0',
    message: 'missing "params"',
  },
  {
    name: 'bad option in a param group',
    spec: optimizer({ type: 'Adam', param_groups: [{ params: 'classifier', lr: [0.1, -0.1] }] }),
    path: '/optimizers/0/param_groups/0/lr/1',
    message: 'Invalid learning rate',
  },
  {
    name: 'unknown option in a param group',
    spec: optimizer({ type: 'Adam', param_groups: [{ params: 'classifier', weight_decai: 0.1 }] }),
    path: '/optimizers/0/param_groups/0/weight_decai',
    message: 'did you mean "weight_decay"?',
  },
  {
    name: 'nesterov broken only in a param group',
    spec: optimizer({
      type: 'SGD',
      lr: 0.1,
      momentum: 0.9,
      nesterov: true,
      param_groups: [{ params: 'classifier', momentum: 0 }],
    }),
    path: '/optimizers/0/nesterov',
    message: 'in param_groups/0 (classifier): Nesterov momentum requires',
  },
  {
    name: 'param_groups not a list',
    spec: optimizer({ type: 'SGD', lr: 0.1, param_groups: { params: 'classifier' } }),
    path: '/optimizers/0/param_groups',
    message: 'must be a list',
  },
  // scheduler entries
  {
    name: 'scheduler as a string',
    spec: scheduler('StepLR'),
    path: '/schedulers/0',
    message: 'null (constant lr) or an object',
  },
  {
    name: 'unknown scheduler type',
    spec: scheduler({ type: 'StepLr', step_size: 1 }),
    path: '/schedulers/0/type',
    message: 'did you mean "StepLR"?',
  },
  {
    name: 'StepLR without step_size',
    spec: scheduler({ type: 'StepLR' }),
    path: '/schedulers/0',
    message: 'missing option "step_size"',
  },
  {
    name: 'fractional step_size',
    spec: scheduler({ type: 'StepLR', step_size: 1.5 }),
    path: '/schedulers/0/step_size',
    message: 'Invalid step_size value: expected an integer >= 1, got 1.5',
  },
  {
    name: 'gamma sweep with a bad value',
    spec: scheduler({ type: 'StepLR', step_size: 1, gamma: [0.5, 0.1, -1] }),
    path: '/schedulers/0/gamma/2',
    message: 'Invalid gamma value: expected a number >= 0, got -1',
  },
  {
    name: 'misspelled scheduler option',
    spec: scheduler({ type: 'CosineAnnealingLR', T_max: 10, eta_mn: 0 }),
    path: '/schedulers/0/eta_mn',
    message: 'did you mean "eta_min"?',
  },
  {
    name: 'bad interval',
    spec: scheduler({ type: 'StepLR', step_size: 1, interval: 'batch' }),
    path: '/schedulers/0/interval',
    message: 'interval must be "step"',
  },
  {
    name: 'empty schedulers',
    spec: withFields({ schedulers: [] }),
    path: '/schedulers',
    message: 'non-empty list',
  },
  {
    name: 'monitor is the objective',
    spec: scheduler({ type: 'ReduceLROnPlateau', monitor: 'val_accuracy' }),
    path: '/schedulers/0/monitor',
    message: 'set "objective.metric"',
  },
  {
    name: 'ReduceLROnPlateau mode against the objective',
    spec: scheduler({ type: 'ReduceLROnPlateau', mode: 'max' }),
    path: '/schedulers/0/mode',
    message: 'contradicts the objective (val_loss, mode "min")',
  },
  {
    name: 'ReduceLROnPlateau per step on a validation metric',
    spec: scheduler({ type: 'ReduceLROnPlateau', interval: 'step' }),
    path: '/schedulers/0/interval',
    message: 'measured once per epoch',
  },
  {
    name: 'OneCycleLR per epoch without total_steps',
    spec: scheduler({ type: 'OneCycleLR', max_lr: 0.1, interval: 'epoch' }),
    path: '/schedulers/0',
    message: 'OneCycleLR needs total_steps',
  },
  {
    name: 'OneCycleLR cycle shorter than the trial',
    spec: scheduler({ type: 'OneCycleLR', max_lr: 0.1, total_steps: 5 }),
    path: '/schedulers/0/total_steps',
    message: 'trial steps it 20 times',
  },
  {
    name: 'CyclicLR cycling the momentum of Adagrad, which has none',
    spec: scheduler(
      { type: 'CyclicLR', base_lr: 0.001, max_lr: 0.01 },
      { optimizers: [{ type: 'Adagrad' }] },
    ),
    path: '/schedulers/0',
    message: 'with optimizers/0 (Adagrad, 1 param group): optimizer must support momentum',
  },
  {
    name: 'bad lambda expression',
    spec: scheduler({ type: 'LambdaLR', lr_lambda: '0.95 ** epoch +' }),
    path: '/schedulers/0/lr_lambda',
    message: 'position',
  },
  {
    name: 'bad expression in a swept list of lambdas',
    spec: scheduler({ type: 'LambdaLR', lr_lambda: ['0.9 ** epoch', 'import os'] }),
    path: '/schedulers/0/lr_lambda/1',
    message: 'position',
  },
  {
    name: 'a per-group lambda list for two groups on a one-group optimizer',
    spec: scheduler({ type: 'LambdaLR', lr_lambda: [['0.9 ** epoch', '1.0']] }),
    path: '/schedulers/0/lr_lambda/0',
    message: 'lr_lambda',
  },
  {
    name: 'per-group max_lr of the wrong length',
    spec: scheduler({ type: 'OneCycleLR', max_lr: [0.1, 0.2, 0.3] }),
    path: '/schedulers/0/max_lr',
    message:
      'expected 1 values for max_lr, got 3; a list of values is one value per param group: to sweep max_lr, write a list of lists',
  },
  // text Postgres cannot store (the spec is kept verbatim in a jsonb column)
  {
    name: 'a NUL character in the name',
    spec: withFields({ name: 'a\u0000b' }),
    path: '/name',
    message: 'NUL character',
  },
  {
    name: 'an unpaired surrogate in a lambda',
    spec: scheduler({ type: 'LambdaLR', lr_lambda: 'epoch\ud800' }),
    path: '/schedulers/0/lr_lambda',
    message: 'unpaired UTF-16 surrogate',
  },
  {
    name: 'a nested scheduler with its options written flat',
    spec: scheduler({
      type: 'SequentialLR',
      schedulers: [
        { type: 'ConstantLR', factor: 0.5 },
        { type: 'ExponentialLR', options: { gamma: 0.9 } },
      ],
      milestones: [2],
    }),
    path: '/schedulers/0/schedulers/0/factor',
    message: 'put it under "options"',
  },
  // the pruner
  {
    name: 'pruner of an unknown type',
    spec: withFields({ pruner: { type: 'HyperbandPruner' } }),
    path: '/pruner/type',
    message: 'MedianPruner',
  },
  {
    name: 'pruner without a type',
    spec: withFields({ pruner: { n_startup_trials: 3 } }),
    path: '/pruner',
    message: 'missing "type"',
  },
  {
    name: 'pruner option misspelled',
    spec: withFields({ pruner: { type: 'MedianPruner', n_warmup_step: 2 } }),
    path: '/pruner/n_warmup_step',
    message: 'did you mean "n_warmup_steps"?',
  },
  {
    name: 'pruner interval of zero',
    spec: withFields({ pruner: { type: 'MedianPruner', interval_steps: 0 } }),
    path: '/pruner/interval_steps',
    message: '1',
  },
  {
    name: 'pruner a string',
    spec: withFields({ pruner: 'median' }),
    path: '/pruner',
    message: 'MedianPruner',
  },
  // the grid
  {
    name: 'a grid over the limit',
    spec: optimizer({
      type: 'SGD',
      lr: Array.from({ length: 101 }, (_, i) => (i + 1) / 1000),
      momentum: Array.from({ length: 100 }, (_, i) => i / 100),
    }),
    path: '',
    message: 'the grid has 10,100 trials; the limit is 10,000',
  },
];

describe('bad specs are refused with a JSON Pointer to the mistake', () => {
  test('there are at least 40 of them', () => {
    expect(badSpecs.length).toBeGreaterThanOrEqual(40);
  });
  for (const bad of badSpecs) {
    test(bad.name, () => {
      const result = validate(bad.spec);
      if (result.ok) expect.fail('accepted');
      const paths = result.errors.map((error) => error.path);
      const match = result.errors.find((error) =>
        typeof bad.path === 'string' ? error.path === bad.path : (bad.path as RegExp).test(error.path),
      );
      expect(match, `errors: ${JSON.stringify(result.errors)}`).toBeDefined();
      if (typeof bad.message === 'string') expect(match!.message).toContain(bad.message);
      else expect(match!.message).toMatch(bad.message);
      expect(paths.length).toBeGreaterThan(0);
    });
  }
});

describe('error reporting', () => {
  test('every error is reported, not just the first', () => {
    const result = validate(
      withFields({
        workload: { name: 'mnist-mlp', options: { hidden: -1 } },
        training: { epochs: 0 },
        optimizers: [{ type: 'SGD', lr: -1, momentun: 1 }, { type: 'Adamm' }],
        schedulers: [{ type: 'StepLR', step_size: 0 }],
        seeds: [0.5],
      }),
    );
    if (result.ok) expect.fail('accepted');
    expect(result.errors.map((error) => error.path).sort()).toEqual(
      [
        '/optimizers/0/lr',
        '/optimizers/0/momentun',
        '/optimizers/1/type',
        '/schedulers/0/step_size',
        '/seeds/0',
        '/training/epochs',
        '/workload/options/hidden',
      ].sort(),
    );
  });

  test('the grid size is reported with the other errors', () => {
    const lrs = Array.from({ length: 200 }, (_, index) => (index + 1) / 1000);
    const result = validate({
      ...withFields({ training: { epochs: -1 } }),
      optimizers: [{ type: 'SGD', lr: lrs, momentum: lrs }],
    });
    if (result.ok) expect.fail('accepted');
    expect(result.errors).toEqual([
      {
        path: '/training/epochs',
        message: 'Invalid epochs value: expected an integer >= 1 and <= 100000, got -1',
      },
      { path: '', message: 'the grid has 40,000 trials; the limit is 10,000' },
    ]);
  });

  test('a failing rule in many combinations is reported once', () => {
    const result = validate(
      optimizer({ type: 'SGD', lr: [0.1, 0.2, 0.3], momentum: [0, 0.9], nesterov: true }),
    );
    if (result.ok) expect.fail('accepted');
    expect(result.errors).toEqual([
      {
        path: '/optimizers/0/nesterov',
        message: 'Nesterov momentum requires a momentum and zero dampening (momentum=0)',
      },
    ]);
  });

  test('keys that are JSON Pointer syntax are escaped', () => {
    const result = validate(optimizer({ type: 'SGD', lr: 0.1, 'a/b~c': 1 }));
    if (result.ok) expect.fail('accepted');
    expect(result.errors[0]!.path).toBe('/optimizers/0/a~1b~0c');
  });

  test('__proto__ and other inherited names are unknown options, not prototype writes', () => {
    const result = validate(
      JSON.parse(
        '{"workload":"rosenbrock","optimizers":[{"type":"SGD","lr":0.1,"__proto__":{"x":1},"constructor":1}]}',
      ),
    );
    if (result.ok) expect.fail('accepted');
    expect(result.errors.map((error) => error.path)).toEqual([
      '/optimizers/0/__proto__',
      '/optimizers/0/constructor',
    ]);
  });
});
