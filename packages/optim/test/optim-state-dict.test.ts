import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../src/backend.js';
import { createOptimizer } from '../src/optimizers/create-optimizer.js';
import type { OptimizerStateDict } from '../src/optimizers/optimizer.js';
import { allTypes, leastSquares, optionsFor, trainStep } from './optim-fixtures.js';

beforeAll(() => useBackend('wasm'));

function values(params: ReturnType<typeof leastSquares>['params']): number[][] {
  return params.map((param) => Array.from(param.variable.dataSync()));
}

describe.each(allTypes)('%s state dict', (type) => {
  it('10 steps, save to JSON, load into a fresh optimizer, 10 more == 20 uninterrupted steps', () => {
    const spec = { type, options: optionsFor(type) };
    const straight = leastSquares();
    const reference = createOptimizer(straight.params, spec);
    for (let i = 0; i < 20; i++) trainStep(reference, straight.evaluate);

    const first = leastSquares();
    const before = createOptimizer(first.params, spec);
    for (let i = 0; i < 10; i++) trainStep(before, first.evaluate);
    const saved = JSON.parse(JSON.stringify(before.stateDict())) as OptimizerStateDict;
    expect(Object.keys(saved.state).length).toBeGreaterThan(0);

    const resumed = leastSquares();
    resumed.params.forEach((param, index) => {
      param.variable.assign(tf.tensor(values(first.params)[index]!, param.shape));
    });
    const after = createOptimizer(resumed.params, spec);
    after.loadStateDict(saved);
    expect(after.stateDict()).toEqual(saved);
    for (let i = 0; i < 10; i++) trainStep(after, resumed.evaluate);

    expect(values(resumed.params)).toEqual(values(straight.params));
    expect(after.stateDict()).toEqual(reference.stateDict());
    for (const optimizer of [reference, before, after]) optimizer.dispose();
    for (const problem of [straight, first, resumed]) problem.dispose();
  });
});

describe('state dict layout', () => {
  it("uses torch's keys and indices, and carries group options", () => {
    const problem = leastSquares();
    const optimizer = createOptimizer(problem.params, {
      type: 'Adam',
      options: { lr: 0.01, amsgrad: true },
      param_groups: [{ params: ['b'], lr: 0.1 }],
    });
    trainStep(optimizer, problem.evaluate);
    const dict = optimizer.stateDict();
    expect(dict.param_groups).toEqual([
      {
        lr: 0.01,
        betas: [0.9, 0.999],
        eps: 1e-8,
        weight_decay: 0,
        amsgrad: true,
        maximize: false,
        params: [0],
      },
      {
        lr: 0.1,
        betas: [0.9, 0.999],
        eps: 1e-8,
        weight_decay: 0,
        amsgrad: true,
        maximize: false,
        params: [1],
      },
    ]);
    expect(Object.keys(dict.state)).toEqual(['0', '1']);
    expect(Object.keys(dict.state['0']!).sort()).toEqual(['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq', 'step']);
    expect(dict.state['0']!['step']).toBe(1);
    expect(dict.state['0']!['exp_avg']).toHaveLength(6);
    optimizer.dispose();
    problem.dispose();
  });

  it('rejects a dict with another group layout', () => {
    const problem = leastSquares();
    const optimizer = createOptimizer(problem.params, { type: 'SGD', options: { lr: 0.1 } });
    expect(() => optimizer.loadStateDict({ state: {}, param_groups: [] })).toThrow(
      'loaded state dict has a different number of parameter groups',
    );
    optimizer.dispose();
    problem.dispose();
  });
});
