import { beforeAll, describe, expect, it } from 'vitest';
import { Parameter } from '../src/autograd/parameter.js';
import { useBackend } from '../src/backend.js';
import { optimizerCatalog, optimizerJsonSchema } from '../src/catalog/optimizers.js';
import { OptimError } from '../src/errors.js';
import { createOptimizer } from '../src/optimizers/create-optimizer.js';
import { resolveOptimizerOptions } from '../src/optimizers/resolve-options.js';
import { allTypes, optionsFor } from './optim-fixtures.js';

beforeAll(() => useBackend('wasm'));

describe.each(allTypes)('%s construction', (type) => {
  it('fills every catalog default into defaults and the param group', () => {
    const param = new Parameter('p', [1, 2, 3]);
    const optimizer = createOptimizer([param], { type, options: optionsFor(type) });
    const entry = optimizerCatalog[type]!;
    for (const [name, schema] of Object.entries(entry.options)) {
      const given = optionsFor(type)[name];
      const expected = given ?? (type === 'LBFGS' && name === 'max_eval' ? 3 : schema.default);
      expect(optimizer.defaults[name], name).toEqual(expected);
      expect(optimizer.paramGroups[0]![name], name).toEqual(expected);
    }
    expect(optimizer.paramGroups[0]!.params).toEqual([param]);
    optimizer.dispose();
    param.dispose();
  });

  it('rejects unknown options, NaN and wrong types', () => {
    expect(() => resolveOptimizerOptions(type, { ...optionsFor(type), bogus: 1 })).toThrow(
      /Unknown option "bogus"/,
    );
    expect(() => resolveOptimizerOptions(type, { ...optionsFor(type), lr: Number.NaN })).toThrow(
      'Invalid learning rate: NaN',
    );
    expect(() => resolveOptimizerOptions(type, { ...optionsFor(type), lr: '0.1' })).toThrow(OptimError);
    expect(() => resolveOptimizerOptions(type, { ...optionsFor(type), lr: -0.1 })).toThrow(
      'Invalid learning rate: -0.1',
    );
  });

  it('has a JSON schema with every option', () => {
    const schema = optimizerJsonSchema(type);
    expect(schema.required).toContain('type');
    expect(Object.keys(schema.properties ?? {})).toEqual([
      'type',
      ...Object.keys(optimizerCatalog[type]!.options),
    ]);
    expect(schema.additionalProperties).toBe(false);
  });
});

/** [type, options, torch's message] for every check torch makes, and the ones added here. */
const validationErrors: Array<[string, Record<string, unknown>, string]> = [
  ['SGD', {}, "parameter group didn't specify a value of required optimization parameter lr"],
  ['SGD', { lr: 0.1, momentum: -0.5 }, 'Invalid momentum value: -0.5'],
  ['SGD', { lr: 0.1, weight_decay: -1 }, 'Invalid weight_decay value: -1'],
  ['SGD', { lr: 0.1, nesterov: true }, 'Nesterov momentum requires a momentum and zero dampening'],
  [
    'SGD',
    { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true },
    'Nesterov momentum requires a momentum and zero dampening',
  ],
  ['ASGD', { weight_decay: -0.1 }, 'Invalid weight_decay value: -0.1'],
  ['Rprop', { etas: [1.5, 2] }, 'Invalid eta values: 1.5, 2'],
  ['Rprop', { etas: [0.5, 0.9] }, 'Invalid eta values: 0.5, 0.9'],
  ['Adagrad', { lr_decay: -1 }, 'Invalid lr_decay value: -1'],
  ['Adagrad', { initial_accumulator_value: -1 }, 'Invalid initial_accumulator_value value: -1'],
  ['Adagrad', { eps: -1 }, 'Invalid epsilon value: -1'],
  ['Adadelta', { rho: 1.5 }, 'Invalid rho value: 1.5'],
  ['Adadelta', { eps: -1e-6 }, 'Invalid epsilon value: -0.000001'],
  ['RMSprop', { alpha: -0.1 }, 'Invalid alpha value: -0.1'],
  ['RMSprop', { momentum: -0.1 }, 'Invalid momentum value: -0.1'],
  ['Adam', { betas: [1, 0.999] }, 'Invalid beta parameter at index 0: 1'],
  ['Adam', { betas: [0.9, -0.1] }, 'Invalid beta parameter at index 1: -0.1'],
  ['Adam', { weight_decay: -0.1 }, 'Invalid weight_decay value: -0.1'],
  ['AdamW', { eps: -1 }, 'Invalid epsilon value: -1'],
  ['Adamax', { betas: [0.9, 1] }, 'Invalid beta parameter at index 1: 1'],
  ['NAdam', { momentum_decay: -1 }, 'Invalid momentum_decay value: -1'],
  ['RAdam', { betas: [-0.1, 0.9] }, 'Invalid beta parameter at index 0: -0.1'],
  ['SparseAdam', { lr: -1 }, 'Invalid learning rate: -1'],
  ['Adam', { betas: [0.9] }, 'Invalid betas value: expected a list of 2 numbers >= 0 and < 1, got [0.9]'],
  ['Adam', { amsgrad: 'yes' }, 'Invalid amsgrad value: expected true or false, got "yes"'],
  ['LBFGS', { max_iter: 2.5 }, 'Invalid max_iter value: expected an integer >= 1, got 2.5'],
  [
    'LBFGS',
    { line_search_fn: 'backtracking' },
    'Invalid line_search_fn value: expected "strong_wolfe", got "backtracking"',
  ],
];

describe('validation errors', () => {
  it.each(validationErrors)('%s %j -> %s', (type, options, message) => {
    let error: unknown;
    try {
      resolveOptimizerOptions(type, options);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(OptimError);
    expect((error as OptimError).message).toContain(message);
  });

  it('the same errors come from the constructors and createOptimizer', () => {
    const param = new Parameter('p', [1, 2]);
    for (const [type, options, message] of validationErrors) {
      expect(() => createOptimizer([param], { type, options })).toThrow(message);
    }
    param.dispose();
  });

  it('an unknown type lists the valid ones', () => {
    const param = new Parameter('p', [1]);
    expect(() => createOptimizer([param], { type: 'Adamm' })).toThrow(
      /Unknown optimizer type: "Adamm"; valid types: SGD, ASGD, .*LBFGS/,
    );
    param.dispose();
  });

  it('LBFGS takes one param group only', () => {
    const a = new Parameter('a', [1]);
    const b = new Parameter('b', [2]);
    expect(() =>
      createOptimizer([a, b], { type: 'LBFGS', param_groups: [{ params: ['b'], lr: 0.5 }] }),
    ).toThrow("LBFGS doesn't support per-parameter options (parameter groups)");
    a.dispose();
    b.dispose();
  });

  it('a group override is validated too', () => {
    const a = new Parameter('a', [1]);
    expect(() => createOptimizer([a], { type: 'Adam', param_groups: [{ params: ['a'], lr: -1 }] })).toThrow(
      'Invalid learning rate: -1',
    );
    a.dispose();
  });
});
