import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerGradients } from '../src/autograd/register-gradients.js';
import { useBackend } from '../src/backend.js';

beforeAll(async () => {
  await useBackend('wasm');
  registerGradients();
});

const x0 = [0.3, -0.7, 1.2, 0.05, -1.4, 0.9];
const y0 = [0.8, 0.2, -0.5, 1.1, -0.3, 0.4];

/** f(x) reduced to a scalar, for every kernel whose gradient src/gradients.ts registers. */
const cases: Record<string, (x: tf.Tensor, y: tf.Tensor) => tf.Scalar> = {
  Add: (x, y) => tf.sum(tf.mul(tf.add(x, y), tf.add(x, 1))),
  AddBroadcast: (x) => tf.sum(tf.square(tf.add(tf.reshape(x, [2, 3]), tf.tensor1d([1, 2, 3])))),
  AddN: (x, y) => tf.sum(tf.square(tf.addN([x, y, x]))),
  Sub: (x, y) => tf.sum(tf.square(tf.sub(x, y))),
  Mul: (x, y) => tf.sum(tf.mul(tf.mul(x, y), x)),
  RealDiv: (x, y) => tf.sum(tf.div(x, tf.add(tf.square(y), 1))),
  SquaredDifference: (x, y) => tf.sum(tf.squaredDifference(x, y)),
  Maximum: (x, y) => tf.sum(tf.mul(tf.maximum(x, y), x)),
  Minimum: (x, y) => tf.sum(tf.mul(tf.minimum(x, y), x)),
  Neg: (x) => tf.sum(tf.mul(tf.neg(x), x)),
  Sqrt: (x) => tf.sum(tf.sqrt(tf.add(tf.square(x), 1))),
  Exp: (x) => tf.sum(tf.exp(x)),
  Log: (x) => tf.sum(tf.log(tf.add(tf.square(x), 1))),
  Abs: (x) => tf.sum(tf.mul(tf.abs(x), x)),
  Relu: (x) => tf.sum(tf.mul(tf.relu(x), x)),
  Sigmoid: (x) => tf.sum(tf.sigmoid(tf.mul(x, 2))),
  Tanh: (x) => tf.sum(tf.tanh(x)),
  Softplus: (x) => tf.sum(tf.softplus(x)),
  Mean: (x) => tf.sum(tf.mean(tf.square(tf.reshape(x, [2, 3])), 1)),
  MatMul: (x, y) => tf.sum(tf.square(tf.matMul(tf.reshape(x, [2, 3]), tf.reshape(y, [3, 2])))),
  MatMulTransposed: (x, y) =>
    tf.sum(tf.square(tf.matMul(tf.reshape(x, [3, 2]), tf.reshape(y, [2, 3]), true, true))),
  Slice: (x) => tf.sum(tf.square(tf.slice(x, 1, 3))),
  Transpose: (x) =>
    tf.sum(
      tf.mul(
        tf.transpose(tf.reshape(x, [2, 3])),
        tf.tensor2d([
          [1, 2],
          [3, 4],
          [5, 6],
        ]),
      ),
    ),
  ClipByValue: (x) => tf.sum(tf.mul(tf.clipByValue(x, -0.5, 1), x)),
  Softmax: (x) =>
    tf.sum(
      tf.mul(
        tf.softmax(tf.reshape(x, [2, 3])),
        tf.tensor2d([
          [1, 2, 3],
          [4, 5, 6],
        ]),
      ),
    ),
  LogSoftmax: (x) =>
    tf.sum(
      tf.mul(
        tf.logSoftmax(tf.reshape(x, [2, 3])),
        tf.tensor2d([
          [1, 0, 0],
          [0, 0, 1],
        ]),
      ),
    ),
  Gather: (x) => tf.sum(tf.square(tf.gather(tf.reshape(x, [3, 2]), tf.tensor1d([2, 0, 2], 'int32')))),
  Cast: (x) => tf.sum(tf.square(tf.cast(x, 'float32'))),
};

describe('registered gradients agree with central differences', () => {
  it.each(Object.keys(cases))('%s', (name) => {
    const f = cases[name]!;
    // unary cases take x only: y would have no gradient at all
    const inputs = f.length === 1 ? [x0] : [x0, y0];
    const grads = tf.grads((...args: tf.Tensor[]) => f(args[0]!, args[1] ?? tf.tensor1d(y0)))(
      inputs.map((values) => tf.tensor1d(values)),
    );
    const analytic = grads.map((grad) => Array.from(grad.dataSync()));
    const h = 1e-2;
    const at = (xs: number[], ys: number[]) => f(tf.tensor1d(xs), tf.tensor1d(ys)).dataSync()[0]!;
    for (const [slot, base] of inputs.entries()) {
      base.forEach((_, i) => {
        const plus = [...base];
        const minus = [...base];
        plus[i]! += h;
        minus[i]! -= h;
        const numeric =
          slot === 0 ? (at(plus, y0) - at(minus, y0)) / (2 * h) : (at(x0, plus) - at(x0, minus)) / (2 * h);
        expect(analytic[slot]![i], `${name} d/d${slot === 0 ? 'x' : 'y'}[${i}]`).toBeCloseTo(numeric, 1);
      });
    }
  });
});
