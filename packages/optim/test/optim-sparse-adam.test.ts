import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Parameter } from '../src/autograd/parameter.js';
import { useBackend } from '../src/backend.js';
import { createOptimizer } from '../src/optimizers/create-optimizer.js';

beforeAll(() => useBackend('wasm'));

describe('SparseAdam', () => {
  it('changes only the rows that received gradient, summing repeated rows', () => {
    const initial = [1, 2, 3, 4, 5, 6, 7, 8];
    const sparse = new Parameter('emb', initial, [4, 2]);
    const dense = new Parameter('emb', initial, [4, 2]);
    const sparseOptimizer = createOptimizer([sparse], { type: 'SparseAdam', options: { lr: 0.1 } });
    const denseOptimizer = createOptimizer([dense], { type: 'SparseAdam', options: { lr: 0.1 } });
    for (let step = 0; step < 3; step++) {
      // rows 1 (twice) and 3 get gradient; the dense equivalent covers every row
      sparse.grad = {
        indices: tf.tensor1d([1, 3, 1], 'int32'),
        values: tf.tensor2d([
          [0.5, -1],
          [2, 0.25],
          [0.5, 3],
        ]),
      };
      dense.grad = tf.tensor2d([
        [0, 0],
        [1, 2],
        [0, 0],
        [2, 0.25],
      ]);
      sparseOptimizer.step();
      denseOptimizer.step();
    }
    const got = Array.from(sparse.variable.dataSync());
    const everyRow = Array.from(dense.variable.dataSync());
    // untouched rows keep their values and have no moments
    expect([got[0], got[1], got[4], got[5]]).toEqual([1, 2, 5, 6]);
    const state = sparseOptimizer.stateDict().state['0']!;
    expect((state['exp_avg'] as number[]).filter((_, i) => [0, 1, 4, 5].includes(i))).toEqual([0, 0, 0, 0]);
    expect(state['step']).toBe(3);
    // touched rows move exactly as with the coalesced gradient
    expect([got[2], got[3], got[6], got[7]]).toEqual([everyRow[2], everyRow[3], everyRow[6], everyRow[7]]);
    expect(got[2]).not.toBe(3);
    for (const optimizer of [sparseOptimizer, denseOptimizer]) optimizer.dispose();
    for (const param of [sparse, dense]) param.dispose();
  });

  it('dense optimizers reject sparse gradients, as torch does', () => {
    const param = new Parameter('emb', [1, 2, 3, 4], [2, 2]);
    const optimizer = createOptimizer([param], { type: 'Adam' });
    param.grad = { indices: tf.tensor1d([0], 'int32'), values: tf.tensor2d([[1, 1]]) };
    expect(() => optimizer.step()).toThrow('Adam does not support sparse gradients');
    optimizer.dispose();
    param.dispose();
  });
});
