import { beforeAll, describe, expect, it } from 'vitest';
import { Parameter } from '../src/autograd/parameter.js';
import { useBackend } from '../src/backend.js';
import { createOptimizer } from '../src/optimizers/create-optimizer.js';
import { SGD } from '../src/optimizers/sgd.js';
import { allTypes, leastSquares, optionsFor, trainStep } from './optim-fixtures.js';

beforeAll(() => useBackend('wasm'));

describe('param groups', () => {
  it('unlisted parameters form a default group placed first; listed groups override the options', () => {
    const [a, b, c] = ['a', 'b', 'c'].map((name) => new Parameter(name, [1, 2])) as [
      Parameter,
      Parameter,
      Parameter,
    ];
    const optimizer = createOptimizer([a, b, c], {
      type: 'SGD',
      options: { lr: 0.1, momentum: 0.9 },
      param_groups: [{ params: ['c'], lr: 0.01 }],
    });
    expect(optimizer.paramGroups.map((group) => group.params.map((param) => param.name))).toEqual([
      ['a', 'b'],
      ['c'],
    ]);
    expect(optimizer.paramGroups.map((group) => [group.lr, group['momentum']])).toEqual([
      [0.1, 0.9],
      [0.01, 0.9],
    ]);
    optimizer.dispose();
    for (const param of [a, b, c]) param.dispose();
  });

  it('omits the default group when every parameter is listed', () => {
    const [a, b] = ['a', 'b'].map((name) => new Parameter(name, [1])) as [Parameter, Parameter];
    const optimizer = createOptimizer([a, b], {
      type: 'Adam',
      param_groups: [{ params: ['b'] }, { params: ['a'], betas: [0.8, 0.99] }],
    });
    expect(optimizer.paramGroups.map((group) => group.params[0]!.name)).toEqual(['b', 'a']);
    expect(optimizer.paramGroups[1]!['betas']).toEqual([0.8, 0.99]);
    expect(() => createOptimizer([a, b], { type: 'Adam', param_groups: [{ params: ['z'] }] })).toThrow(
      /unknown parameter "z"/,
    );
    expect(() =>
      createOptimizer([a, b], { type: 'Adam', param_groups: [{ params: ['a'] }, { params: ['a'] }] }),
    ).toThrow('some parameters appear in more than one parameter group');
    optimizer.dispose();
    a.dispose();
    b.dispose();
  });

  it('each group steps with its own lr', () => {
    const a = new Parameter('a', [1]);
    const b = new Parameter('b', [1]);
    const optimizer = new SGD([{ params: [a] }, { params: [b], lr: 0.5 }], { lr: 0.1 });
    for (const param of [a, b]) param.grad = param.variable.clone();
    optimizer.step();
    expect(a.variable.dataSync()[0]).toBeCloseTo(0.9, 6);
    expect(b.variable.dataSync()[0]).toBeCloseTo(0.5, 6);
    optimizer.addParamGroup({ params: [new Parameter('c', [3])], lr: 0.2 });
    expect(optimizer.paramGroups[2]!['momentum']).toBe(0);
    expect(() => optimizer.addParamGroup({ params: [a] })).toThrow('more than one parameter group');
    optimizer.dispose();
    for (const group of optimizer.paramGroups) for (const param of group.params) param.dispose();
  });

  // Rprop is left out: its step sizes are clamped to step_sizes[0] > 0 whatever lr is (as in torch).
  const lrScaled = allTypes.filter((type) => type !== 'LBFGS' && type !== 'Rprop');
  it.each(lrScaled)('%s: a group with lr 0 does not move', (type) => {
    const problem = leastSquares();
    const optimizer = createOptimizer(problem.params, {
      type,
      options: optionsFor(type),
      param_groups: [{ params: ['b'], lr: 0 }],
    });
    const bBefore = Array.from(problem.params[1]!.variable.dataSync());
    const wBefore = Array.from(problem.params[0]!.variable.dataSync());
    for (let i = 0; i < 3; i++) trainStep(optimizer, problem.evaluate);
    expect(Array.from(problem.params[1]!.variable.dataSync())).toEqual(bBefore);
    expect(Array.from(problem.params[0]!.variable.dataSync())).not.toEqual(wBefore);
    optimizer.dispose();
    problem.dispose();
  });
});
