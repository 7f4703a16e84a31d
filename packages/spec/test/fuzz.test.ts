import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { expectWellFormed, mutate, mutationsOf } from './fuzz-helpers.js';
import { baseSpec, exampleNames, readExample, validate } from './helpers.js';

const interestingKeys = fc.constantFrom(
  'lr',
  'momentum',
  'betas',
  'nesterov',
  'dampening',
  'type',
  'param_groups',
  'params',
  'interval',
  'monitor',
  'total_steps',
  'mode',
  'gamma',
  'step_size',
  'milestones',
  'lr_lambda',
  'max_lr',
  '__proto__',
  'constructor',
  'seeds',
  'epochs',
  'batchSize',
  'maxSteps',
  'objective',
  'metric',
  'options',
  'name',
  'schedulers',
  'a/b~',
);
const interestingValues = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(
    0,
    -1,
    1e308,
    0.5,
    1,
    2 ** 53,
    'SGD',
    'Adam',
    'OneCycleLR',
    'ReduceLROnPlateau',
    'classifier',
    'base',
    'step',
    'epoch',
    '0.95 ** epoch',
    '1 / 0',
    'epoch ** 400',
    [],
    [[]],
    [0.9, 0.999],
    [[0.9, 0.99]],
    null,
    true,
    {},
  ),
);
const mutations = mutationsOf(interestingKeys, interestingValues);

const validSpecs = [
  ...exampleNames.map(readExample),
  baseSpec(),
  {
    workload: { name: 'mnist-mlp', options: { trainSize: 640 } },
    optimizers: [
      {
        type: 'SGD',
        lr: [0.1, 0.01],
        momentum: 0.9,
        nesterov: true,
        param_groups: [{ params: 'classifier', lr: 0.001 }],
      },
      {
        type: 'Adam',
        betas: [
          [0.9, 0.99],
          [0.8, 0.9],
        ],
      },
      { type: 'LBFGS', max_iter: 5 },
    ],
    schedulers: [
      null,
      { type: 'OneCycleLR', max_lr: 0.1, cycle_momentum: false },
      { type: 'ReduceLROnPlateau', factor: 0.5 },
      { type: 'LambdaLR', lr_lambda: '0.9 ** epoch' },
      {
        type: 'SequentialLR',
        schedulers: [
          { type: 'StepLR', options: { step_size: 1 } },
          { type: 'ExponentialLR', options: { gamma: 0.9 } },
        ],
        milestones: [1],
      },
    ],
    seeds: [1, 2],
    objective: { metric: 'val_accuracy' },
  },
];

describe('the validator never throws (a client mistake is never a 500)', () => {
  test('valid specs used as fuzzing seeds are valid', () => {
    for (const spec of validSpecs) expect(validate(spec)).toMatchObject({ ok: true });
  });

  test('arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (input) => expectWellFormed(input, validate(input))),
      { numRuns: 300 },
    );
  });

  test('arbitrary objects with the spec fields', () => {
    const field = fc.oneof(interestingValues, fc.array(interestingValues, { maxLength: 3 }));
    fc.assert(
      fc.property(
        fc.record(
          {
            workload: field,
            optimizers: field,
            schedulers: field,
            training: field,
            seeds: field,
            objective: field,
            name: field,
          },
          { requiredKeys: [] },
        ),
        (input) => expectWellFormed(input, validate(input)),
      ),
      { numRuns: 300 },
    );
  });

  test('mutated valid specs', () => {
    fc.assert(
      fc.property(fc.constantFrom(...validSpecs), mutations, (spec, edits) => {
        const input = mutate(spec, edits);
        expectWellFormed(input, validate(input));
      }),
      { numRuns: 500 },
    );
  });

  test('values that are not JSON', () => {
    fc.assert(
      fc.property(
        fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true }),
        (value) => {
          const result = validate({ ...baseSpec(), optimizers: [{ type: 'SGD', lr: value }] });
          if (!result.ok) expect(result.errors.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 200 },
    );
    const cyclic: Record<string, unknown> = { ...baseSpec() };
    cyclic['training'] = cyclic;
    expect(validate(cyclic).ok).toBe(false);
    expect(validate(undefined).ok).toBe(false);
    expect(validate(() => 1).ok).toBe(false);
  });
});
