import { describe, expect, it } from 'vitest';
import { OptimError } from '../src/errors.js';
import {
  createScheduler,
  LRScheduler,
  plainOptimizer,
  resolveSchedulerOptions,
  type Scheduler,
  type SchedulerSpec,
  schedulerCatalog,
  schedulerTypes,
  validateSchedulerSpec,
} from '../src/index.js';
import type { OptimizerLike } from '../src/types.js';

const SGD = { type: 'SGD', options: { lr: 0.1, momentum: 0.9 } };
const ADAM = { type: 'Adam', options: { lr: 0.01 } };

/** One typical configuration of every scheduler (plus variants), with the optimizer it drives. */
interface Case {
  name: string;
  spec: SchedulerSpec;
  optimizer?: { type: string; options: Record<string, unknown> };
  groupLrs?: number[];
  metric?: (step: number) => number;
}

const CASES: Case[] = [
  {
    name: 'LambdaLR',
    spec: { type: 'LambdaLR', options: { lr_lambda: ['0.9 ** epoch', 'min(1, (epoch + 1) / 4)'] } },
    groupLrs: [0.1, 0.2],
  },
  { name: 'MultiplicativeLR', spec: { type: 'MultiplicativeLR', options: { lr_lambda: '0.95' } } },
  { name: 'StepLR', spec: { type: 'StepLR', options: { step_size: 3, gamma: 0.5 } } },
  { name: 'MultiStepLR', spec: { type: 'MultiStepLR', options: { milestones: [4, 4, 9] } } },
  { name: 'ConstantLR', spec: { type: 'ConstantLR', options: { factor: 0.5, total_iters: 9 } } },
  { name: 'LinearLR', spec: { type: 'LinearLR', options: { start_factor: 0.2, total_iters: 12 } } },
  { name: 'ExponentialLR', spec: { type: 'ExponentialLR', options: { gamma: 0.9 } } },
  {
    name: 'SequentialLR',
    spec: {
      type: 'SequentialLR',
      options: {
        schedulers: [
          { type: 'LinearLR', options: { start_factor: 0.1, total_iters: 5 } },
          { type: 'CosineAnnealingWarmRestarts', options: { T_0: 4, T_mult: 2 } },
        ],
        milestones: [5],
      },
    },
  },
  { name: 'CosineAnnealingLR', spec: { type: 'CosineAnnealingLR', options: { T_max: 6, eta_min: 0.001 } } },
  {
    name: 'ChainedScheduler',
    spec: {
      type: 'ChainedScheduler',
      options: {
        schedulers: [
          { type: 'ConstantLR', options: { factor: 0.1, total_iters: 8 } },
          { type: 'ExponentialLR', options: { gamma: 0.9 } },
        ],
      },
    },
  },
  {
    name: 'ReduceLROnPlateau',
    spec: { type: 'ReduceLROnPlateau', options: { patience: 1, cooldown: 2, min_lr: [0.01, 0.001] } },
    groupLrs: [0.1, 0.05],
    metric: (step) => (step < 4 ? 1 / (step + 1) : 0.5),
  },
  {
    name: 'CyclicLR',
    spec: { type: 'CyclicLR', options: { base_lr: 0.01, max_lr: 0.1, step_size_up: 4, mode: 'triangular2' } },
  },
  {
    name: 'CyclicLR on Adam',
    spec: { type: 'CyclicLR', options: { base_lr: 0.001, max_lr: 0.01, step_size_up: 3 } },
    optimizer: ADAM,
  },
  {
    name: 'CosineAnnealingWarmRestarts',
    spec: { type: 'CosineAnnealingWarmRestarts', options: { T_0: 3, T_mult: 2 } },
  },
  {
    name: 'OneCycleLR',
    spec: { type: 'OneCycleLR', options: { max_lr: 0.1, total_steps: 40, three_phase: true } },
  },
  {
    name: 'OneCycleLR on Adam',
    spec: { type: 'OneCycleLR', options: { max_lr: 0.01, epochs: 4, steps_per_epoch: 10 } },
    optimizer: ADAM,
  },
  { name: 'PolynomialLR', spec: { type: 'PolynomialLR', options: { total_iters: 10, power: 2 } } },
];

function build(testCase: Case): { optimizer: OptimizerLike; scheduler: Scheduler } {
  const optimizer = plainOptimizer({ ...(testCase.optimizer ?? SGD), group_lrs: testCase.groupLrs ?? null });
  return { optimizer, scheduler: createScheduler(optimizer, structuredClone(testCase.spec)) };
}

/** Everything a user can observe after a step: the lr, momentum and betas of every group. */
function observe(optimizer: OptimizerLike, scheduler: Scheduler): unknown {
  return {
    lastLr: scheduler.getLastLr(),
    groups: optimizer.paramGroups.map(({ lr, momentum, betas }) => ({ lr, momentum, betas })),
  };
}

function run(
  testCase: Case,
  optimizer: OptimizerLike,
  scheduler: Scheduler,
  from: number,
  steps: number,
): unknown[] {
  const seen: unknown[] = [];
  for (let step = from; step < from + steps; step += 1) {
    scheduler.step(testCase.metric?.(step));
    seen.push(observe(optimizer, scheduler));
  }
  return seen;
}

describe('every torch scheduler is there', () => {
  it('has the fifteen torch 1.13 schedulers, in torch order', () => {
    expect(schedulerTypes).toEqual([
      'LambdaLR',
      'MultiplicativeLR',
      'StepLR',
      'MultiStepLR',
      'ConstantLR',
      'LinearLR',
      'ExponentialLR',
      'SequentialLR',
      'CosineAnnealingLR',
      'ChainedScheduler',
      'ReduceLROnPlateau',
      'CyclicLR',
      'CosineAnnealingWarmRestarts',
      'OneCycleLR',
      'PolynomialLR',
    ]);
    const tested = new Set(CASES.map((testCase) => testCase.spec.type));
    expect([...tested].sort()).toEqual([...schedulerTypes].sort());
  });
});

describe('defaults are torch 1.13 defaults', () => {
  /** From the torch 1.13 signatures (lr_scheduler.py), written out independently of the catalog. */
  const TORCH_DEFAULTS: Record<string, [Record<string, unknown>, Record<string, unknown>]> = {
    LambdaLR: [{ lr_lambda: '1' }, {}],
    MultiplicativeLR: [{ lr_lambda: '1' }, {}],
    StepLR: [{ step_size: 5 }, { gamma: 0.1 }],
    MultiStepLR: [{ milestones: [2] }, { gamma: 0.1 }],
    ConstantLR: [{}, { factor: 1 / 3, total_iters: 5 }],
    LinearLR: [{}, { start_factor: 1 / 3, end_factor: 1, total_iters: 5 }],
    ExponentialLR: [{ gamma: 0.5 }, {}],
    SequentialLR: [{ schedulers: [{ type: 'StepLR', options: { step_size: 1 } }], milestones: [] }, {}],
    CosineAnnealingLR: [{ T_max: 10 }, { eta_min: 0 }],
    ChainedScheduler: [{ schedulers: [{ type: 'StepLR', options: { step_size: 1 } }] }, {}],
    ReduceLROnPlateau: [
      {},
      {
        mode: 'min',
        factor: 0.1,
        patience: 10,
        threshold: 1e-4,
        threshold_mode: 'rel',
        cooldown: 0,
        min_lr: 0,
        eps: 1e-8,
      },
    ],
    CyclicLR: [
      { base_lr: 0.01, max_lr: 0.1 },
      {
        step_size_up: 2000,
        step_size_down: null,
        mode: 'triangular',
        gamma: 1,
        scale_fn: null,
        scale_mode: 'cycle',
        cycle_momentum: true,
        base_momentum: 0.8,
        max_momentum: 0.9,
      },
    ],
    CosineAnnealingWarmRestarts: [{ T_0: 10 }, { T_mult: 1, eta_min: 0 }],
    OneCycleLR: [
      { max_lr: 0.1 },
      {
        total_steps: null,
        epochs: null,
        steps_per_epoch: null,
        pct_start: 0.3,
        anneal_strategy: 'cos',
        cycle_momentum: true,
        base_momentum: 0.85,
        max_momentum: 0.95,
        div_factor: 25,
        final_div_factor: 1e4,
        three_phase: false,
      },
    ],
    PolynomialLR: [{}, { total_iters: 5, power: 1 }],
  };

  it.each(schedulerTypes)('%s', (type) => {
    const [required, defaults] = TORCH_DEFAULTS[type]!;
    expect(resolveSchedulerOptions(type, required)).toEqual({ ...defaults, ...required });
    expect([...schedulerCatalog[type]!.required].sort()).toEqual(Object.keys(required).sort());
  });

  it('builds each scheduler from its required options alone', () => {
    for (const type of schedulerTypes) {
      const [required] = TORCH_DEFAULTS[type]!;
      const options = type === 'OneCycleLR' ? { ...required, total_steps: 10 } : required;
      const optimizer = plainOptimizer(SGD);
      expect(createScheduler(optimizer, { type, options }).getLastLr()).toHaveLength(1);
    }
  });
});

describe('state dict round trip mid-schedule', () => {
  it.each(CASES.map((testCase) => [testCase.name, testCase] as const))(
    '%s continues exactly',
    (_name, testCase) => {
      const uninterrupted = build(testCase);
      const expected = run(testCase, uninterrupted.optimizer, uninterrupted.scheduler, 0, 30);

      const first = build(testCase);
      run(testCase, first.optimizer, first.scheduler, 0, 11);
      // What a checkpoint holds: the optimizer's param groups and the scheduler state, as JSON.
      const checkpoint = JSON.parse(
        JSON.stringify({ groups: first.optimizer.paramGroups, scheduler: first.scheduler.stateDict() }),
      );

      const resumed = build(testCase);
      resumed.optimizer.paramGroups.forEach((group, index) => {
        Object.assign(group, checkpoint.groups[index]);
      });
      resumed.scheduler.loadStateDict(checkpoint.scheduler);
      expect(observe(resumed.optimizer, resumed.scheduler)).toEqual(expected[10]);
      expect(run(testCase, resumed.optimizer, resumed.scheduler, 11, 19)).toEqual(expected.slice(11));
    },
  );

  it('refuses the state of another scheduler type', () => {
    const { scheduler } = build(CASES.find((testCase) => testCase.name === 'StepLR')!);
    const other = build(CASES.find((testCase) => testCase.name === 'ExponentialLR')!).scheduler.stateDict();
    expect(() => scheduler.loadStateDict(other)).toThrow(OptimError);
    expect(() => scheduler.loadStateDict({ ...scheduler.stateDict(), base_lrs: [1, 2] })).toThrow(/base_lrs/);
  });

  it("stores ReduceLROnPlateau's infinite best as JSON", () => {
    const { scheduler } = build(CASES.find((testCase) => testCase.name === 'ReduceLROnPlateau')!);
    expect(scheduler.stateDict()['best']).toBe('Infinity');
  });
});

describe('torch semantics a user notices', () => {
  it('sets initial_lr and base_lrs, and steps once in the constructor', () => {
    const optimizer = plainOptimizer({ ...SGD, group_lrs: [0.1, 0.2] });
    const scheduler = createScheduler(optimizer, {
      type: 'StepLR',
      options: { step_size: 1 },
    }) as LRScheduler;
    expect(scheduler).toBeInstanceOf(LRScheduler);
    expect(scheduler.lastEpoch).toBe(0);
    expect(scheduler.baseLrs).toEqual([0.1, 0.2]);
    expect(optimizer.paramGroups.map((group) => group['initial_lr'])).toEqual([0.1, 0.2]);
    scheduler.step();
    expect(scheduler.getLastLr()).toEqual([0.1 * 0.1, 0.2 * 0.1]);
    expect(scheduler.closedFormLr!()).toEqual(scheduler.getLastLr());
  });

  it('MultiStepLR compounds a repeated milestone', () => {
    const optimizer = plainOptimizer({ type: 'SGD', options: { lr: 1 } });
    const scheduler = createScheduler(optimizer, {
      type: 'MultiStepLR',
      options: { milestones: [2, 2], gamma: 0.5 },
    });
    const lrs = [1, 2, 3].map(() => {
      scheduler.step();
      return scheduler.getLastLr()[0];
    });
    expect(lrs).toEqual([1, 0.25, 0.25]);
  });

  it('CosineAnnealingLR climbs back after T_max (the recursive form)', () => {
    const optimizer = plainOptimizer({ type: 'SGD', options: { lr: 1 } });
    const scheduler = createScheduler(optimizer, { type: 'CosineAnnealingLR', options: { T_max: 4 } });
    const lrs = Array.from({ length: 8 }, () => {
      scheduler.step();
      return scheduler.getLastLr()[0]!;
    });
    expect(lrs[3]).toBe(0);
    expect(lrs[7]).toBeCloseTo(1, 12);
  });

  it('CyclicLR and OneCycleLR cycle beta1 of Adam and keep beta2', () => {
    for (const name of ['CyclicLR on Adam', 'OneCycleLR on Adam']) {
      const { optimizer, scheduler } = build(CASES.find((testCase) => testCase.name === name)!);
      const beta1s = new Set<number>();
      for (let step = 0; step < 10; step += 1) {
        scheduler.step();
        const betas = optimizer.paramGroups[0]!['betas'] as number[];
        expect(betas[1]).toBe(0.999);
        beta1s.add(betas[0]!);
      }
      expect(beta1s.size).toBeGreaterThan(5);
    }
  });

  it('ReduceLROnPlateau needs the metric', () => {
    const { scheduler } = build(CASES.find((testCase) => testCase.name === 'ReduceLROnPlateau')!);
    expect(() => scheduler.step()).toThrow(/needs the monitored metric/);
  });

  it("OneCycleLR refuses to step past total_steps, with torch's message", () => {
    const optimizer = plainOptimizer(SGD);
    const scheduler = createScheduler(optimizer, {
      type: 'OneCycleLR',
      options: { max_lr: 0.1, total_steps: 5 },
    });
    for (let step = 0; step < 5; step += 1) scheduler.step();
    expect(() => scheduler.step()).toThrow('Tried to step 7 times. The specified number of total steps is 5');
  });
});

/** [type, options, torch's (or our) message, path of the offending option]. */
const INVALID: Array<[string, unknown, string | RegExp, string]> = [
  ['Warmup', {}, /Unknown scheduler type 'Warmup'; valid types: LambdaLR, MultiplicativeLR, StepLR/, 'type'],
  ['StepLR', 'step_size=3', /expected an object/, 'options'],
  ['StepLR', {}, "StepLR.__init__() missing 1 required positional argument: 'step_size'", 'step_size'],
  [
    'StepLR',
    { step_size: 3, gama: 0.5 },
    /Unknown option "gama" for StepLR; valid options: step_size, gamma/,
    'gama',
  ],
  ['StepLR', { step_size: 0 }, 'Invalid step_size value: expected an integer >= 1, got 0', 'step_size'],
  ['StepLR', { step_size: 2.5 }, 'Invalid step_size value: expected an integer >= 1, got 2.5', 'step_size'],
  ['StepLR', { step_size: '3' }, 'Invalid step_size value: expected an integer >= 1, got "3"', 'step_size'],
  ['StepLR', { step_size: 3, gamma: Number.NaN }, /Invalid gamma/, 'gamma'],
  [
    'MultiStepLR',
    { milestones: 30 },
    'Invalid milestones value: expected a list of integers >= 0, got 30',
    'milestones',
  ],
  ['MultiStepLR', { milestones: [30, 8.5] }, /expected an integer/, 'milestones/1'],
  ['ConstantLR', { factor: 1.5 }, 'Constant multiplicative factor expected to be between 0 and 1.', 'factor'],
  [
    'LinearLR',
    { start_factor: 0 },
    'Starting multiplicative factor expected to be greater than 0 and less or equal to 1.',
    'start_factor',
  ],
  [
    'LinearLR',
    { end_factor: 1.5 },
    'Ending multiplicative factor expected to be between 0 and 1.',
    'end_factor',
  ],
  ['LinearLR', { total_iters: 0 }, /total_iters/, 'total_iters'],
  ['ExponentialLR', {}, /missing 1 required positional argument: 'gamma'/, 'gamma'],
  ['CosineAnnealingLR', { T_max: 0 }, /Invalid T_max/, 'T_max'],
  ['PolynomialLR', { power: -1 }, /Invalid power/, 'power'],
  ['LambdaLR', { lr_lambda: ['epoch', 'epoch'] }, 'Expected 1 lr_lambdas, but got 2', 'lr_lambda'],
  ['LambdaLR', { lr_lambda: 'epoch ** ' }, /Invalid expression "epoch \*\* " at position 9/, 'lr_lambda'],
  ['LambdaLR', { lr_lambda: 'process + epoch' }, /at position 0: unknown name "process"/, 'lr_lambda'],
  [
    'LambdaLR',
    { lr_lambda: ['1', 'epoch.constructor'] },
    /at position 5: unexpected character "\."/,
    'lr_lambda/1',
  ],
  [
    'LambdaLR',
    { lr_lambda: 0.95 },
    'Invalid lr_lambda value: expected a string of at most 256 characters or a list of at least 1 strings of at most 256 characters, got 0.95',
    'lr_lambda',
  ],
  // The constructor's initial step evaluates the lambda at epoch 0, as torch does.
  ['LambdaLR', { lr_lambda: '1 / epoch' }, /at position 2: division by zero \(for epoch = 0\)/, 'lr_lambda'],
  ['MultiplicativeLR', { lr_lambda: 'sqrt' }, /sqrt is a function/, 'lr_lambda'],
  ['ReduceLROnPlateau', { mode: 'avg' }, 'mode avg is unknown!', 'mode'],
  ['ReduceLROnPlateau', { threshold_mode: 'pct' }, 'threshold mode pct is unknown!', 'threshold_mode'],
  ['ReduceLROnPlateau', { factor: 1 }, 'Factor should be < 1.0.', 'factor'],
  ['ReduceLROnPlateau', { min_lr: [0, 0] }, 'expected 1 min_lrs, got 2', 'min_lr'],
  ['ReduceLROnPlateau', { patience: -1 }, /Invalid patience/, 'patience'],
  ['CyclicLR', { base_lr: 0.1 }, /missing 1 required positional argument: 'max_lr'/, 'max_lr'],
  ['CyclicLR', { base_lr: 0.1, max_lr: 1, mode: 'cosine' }, 'mode is invalid and scale_fn is None', 'mode'],
  ['CyclicLR', { base_lr: 0.1, max_lr: [1, 2] }, 'expected 1 values for max_lr, got 2', 'max_lr'],
  ['CyclicLR', { base_lr: 0.1, max_lr: 1, scale_fn: 'epoch' }, /unknown name "epoch"/, 'scale_fn'],
  ['CyclicLR', { base_lr: 0.1, max_lr: 1, step_size_down: 0 }, /Invalid step_size_down/, 'step_size_down'],
  ['CosineAnnealingWarmRestarts', { T_0: 0 }, 'Expected positive integer T_0, but got 0', 'T_0'],
  ['CosineAnnealingWarmRestarts', { T_0: 1.5 }, 'Expected positive integer T_0, but got 1.5', 'T_0'],
  ['CosineAnnealingWarmRestarts', { T_0: 5, T_mult: 0 }, 'Expected integer T_mult >= 1, but got 0', 'T_mult'],
  [
    'OneCycleLR',
    { max_lr: 0.1 },
    'You must define either total_steps OR (epochs AND steps_per_epoch)',
    'total_steps',
  ],
  [
    'OneCycleLR',
    { max_lr: 0.1, epochs: 3 },
    'Expected positive integer steps_per_epoch, but got None',
    'steps_per_epoch',
  ],
  [
    'OneCycleLR',
    { max_lr: 0.1, total_steps: 0 },
    'Expected positive integer total_steps, but got 0',
    'total_steps',
  ],
  [
    'OneCycleLR',
    { max_lr: 0.1, total_steps: 2.5 },
    'Expected positive integer total_steps, but got 2.5',
    'total_steps',
  ],
  [
    'OneCycleLR',
    { max_lr: 0.1, total_steps: 9, pct_start: 1.5 },
    'Expected float between 0 and 1 pct_start, but got 1.5',
    'pct_start',
  ],
  [
    'OneCycleLR',
    { max_lr: 0.1, total_steps: 9, anneal_strategy: 'exp' },
    "anneal_strategy must by one of 'cos' or 'linear', instead got exp",
    'anneal_strategy',
  ],
  [
    'SequentialLR',
    {
      schedulers: [{ type: 'ConstantLR' }, { type: 'ExponentialLR', options: { gamma: 0.9 } }],
      milestones: [],
    },
    'Sequential Schedulers expects number of schedulers provided to be one more than the number of milestone points, but got number of schedulers 2 and the number of milestones to be equal to 0',
    'milestones',
  ],
  [
    'SequentialLR',
    {
      schedulers: [{ type: 'ConstantLR' }, { type: 'CosineAnnealingLR', options: { T_max: -1 } }],
      milestones: [3],
    },
    /Invalid T_max/,
    'schedulers/1/options/T_max',
  ],
  [
    'SequentialLR',
    { schedulers: [{ type: 'ReduceLROnPlateau' }], milestones: [] },
    /SequentialLR cannot hold ReduceLROnPlateau/,
    'schedulers/0/type',
  ],
  [
    'SequentialLR',
    { schedulers: [{ type: 'Nope' }], milestones: [] },
    /Unknown scheduler type 'Nope'/,
    'schedulers/0/type',
  ],
  [
    'SequentialLR',
    { schedulers: [{ type: 'ConstantLR', gamma: 1 }], milestones: [] },
    /schedulers\[0\] has no field "gamma"; put it under "options"/,
    'schedulers/0/gamma',
  ],
  [
    'ChainedScheduler',
    { schedulers: [] },
    'Invalid schedulers value: expected a list of at least 1 objects, got []',
    'schedulers',
  ],
  [
    'ChainedScheduler',
    { schedulers: [{ type: 'ReduceLROnPlateau' }] },
    /ChainedScheduler cannot hold ReduceLROnPlateau/,
    'schedulers/0/type',
  ],
  [
    'ChainedScheduler',
    { schedulers: [{ type: 'SequentialLR', options: { schedulers: [{ type: 'StepLR' }], milestones: [] } }] },
    /missing 1 required positional argument: 'step_size'/,
    'schedulers/0/options/schedulers/0/options/step_size',
  ],
  [
    'SequentialLR',
    {
      schedulers: [{ type: 'ChainedScheduler', options: { schedulers: [{ type: 'ConstantLR' }] } }],
      milestones: [],
    },
    /SequentialLR cannot hold ChainedScheduler/,
    'schedulers/0/type',
  ],
  [
    'ChainedScheduler',
    { schedulers: [{ type: 'ConstantLR' }, { type: 'LambdaLR', options: { lr_lambda: ['1', 'epoch +'] } }] },
    /position 7/,
    'schedulers/1/options/lr_lambda/1',
  ],
];

describe('validation', () => {
  it.each(INVALID)('%s %j', (type, options, message, path) => {
    const spec = { type, options } as SchedulerSpec;
    for (const attempt of [
      () => createScheduler(plainOptimizer(SGD), spec),
      () => validateSchedulerSpec(spec, { optimizer: SGD, groupCount: 1 }),
    ]) {
      let caught: unknown;
      try {
        attempt();
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(OptimError);
      const error = caught as OptimError;
      if (typeof message === 'string') expect(error.message).toBe(message);
      else expect(error.message).toMatch(message);
      expect(error.path).toBe(path);
    }
  });

  it('validateSchedulerSpec accepts every valid case and checks against the optimizer and group count', () => {
    for (const testCase of CASES) {
      expect(() =>
        validateSchedulerSpec(testCase.spec, {
          optimizer: testCase.optimizer ?? SGD,
          groupCount: testCase.groupLrs?.length,
        }),
      ).not.toThrow();
    }
    const cyclic = { type: 'CyclicLR', options: { base_lr: 0.01, max_lr: 0.1 } };
    expect(() => validateSchedulerSpec(cyclic, { optimizer: { type: 'Adagrad', options: {} } })).toThrow(
      'optimizer must support momentum with `cycle_momentum` option enabled',
    );
    expect(() =>
      validateSchedulerSpec(
        { ...cyclic, options: { ...cyclic.options, cycle_momentum: false } },
        { optimizer: { type: 'Adagrad', options: {} } },
      ),
    ).not.toThrow();
    const perGroup = { type: 'LambdaLR', options: { lr_lambda: ['1', '1'] } };
    expect(() => validateSchedulerSpec(perGroup)).not.toThrow();
    expect(() => validateSchedulerSpec(perGroup, { groupCount: 3 })).toThrow(
      'Expected 3 lr_lambdas, but got 2',
    );
  });

  it('validateSchedulerSpec never throws anything but OptimError', () => {
    for (const spec of [
      null,
      1,
      'StepLR',
      [],
      {},
      { type: 1 },
      { type: 'StepLR', options: null },
      { type: 'SequentialLR', options: { schedulers: [1], milestones: [] } },
    ]) {
      expect(() => validateSchedulerSpec(spec)).toThrow(OptimError);
    }
  });
});
