import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../src/backend.js';
import { createOptimizer } from '../src/optimizers/create-optimizer.js';
import { allTypes, leastSquares, optionsFor, trainStep } from './optim-fixtures.js';

beforeAll(() => useBackend('wasm'));

describe('no tensor leaks', () => {
  it.each(allTypes)('%s: numTensors stays flat over 1,000 steps and dispose frees the state', (type) => {
    const start = tf.memory().numTensors;
    const problem = leastSquares();
    const options = type === 'LBFGS' ? { max_iter: 2, history_size: 3 } : optionsFor(type);
    const optimizer = createOptimizer(problem.params, { type, options });
    // warm up: state is created on the first step, LBFGS's history fills up to history_size
    for (let i = 0; i < 10; i++) trainStep(optimizer, problem.evaluate);
    const afterWarmUp = tf.memory().numTensors;
    for (let i = 0; i < 1000; i++) trainStep(optimizer, problem.evaluate);
    expect(tf.memory().numTensors).toBe(afterWarmUp);
    optimizer.dispose();
    problem.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('LBFGS with strong_wolfe line search', () => {
    const start = tf.memory().numTensors;
    const problem = leastSquares();
    const optimizer = createOptimizer(problem.params, {
      type: 'LBFGS',
      options: { max_iter: 3, history_size: 3, line_search_fn: 'strong_wolfe' },
    });
    for (let i = 0; i < 10; i++) trainStep(optimizer, problem.evaluate);
    const afterWarmUp = tf.memory().numTensors;
    for (let i = 0; i < 200; i++) trainStep(optimizer, problem.evaluate);
    expect(tf.memory().numTensors).toBe(afterWarmUp);
    optimizer.dispose();
    problem.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });
});
