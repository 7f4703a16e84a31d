import * as tf from '@tensorflow/tfjs-core';
import type { Args } from './args.js';
import { ownKernel, runs } from './kernels.js';
import type { Module } from './types.js';

const SQRT_HALF = Math.SQRT1_2;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/**
 * tfjs's Relu kernel with the gradient dy * step(x) (0 at the kink): tfjs-backend-wasm's Greater against a
 * scalar, which tfjs's and @hypersweep/optim's Relu gradients take, costs several times a Step and a Multiply.
 */
const reluKernel = ownKernel('HypersweepRelu', runs(tf.Relu), ['x'], (dy, [x]) => ({
  x: () => tf.mul(dy, tf.step(x!)),
}));
const relu = (x: tf.Tensor) => reluKernel({ x }, {});

/**
 * The element-wise torch.nn activations, with torch's gradients at the kinks: ReLU' (0) = 0, LeakyReLU' (0) =
 * negative_slope, ELU' (0) = alpha. ELU's exponential only sees min(x, 0), so no inf reaches a discarded
 * branch (whose zero gradient would turn it into NaN).
 */
export function activation(type: string, args: Args): ((x: tf.Tensor) => tf.Tensor) | null {
  switch (type) {
    case 'ReLU':
      return relu;
    case 'LeakyReLU': {
      const slope = args.number('negative_slope');
      return (x) => tf.leakyRelu(x, slope);
    }
    case 'ELU': {
      const alpha = args.number('alpha');
      return (x) => tf.where(tf.greater(x, 0), x, tf.mul(alpha, tf.expm1(tf.minimum(x, 0))));
    }
    case 'GELU':
      return args.oneOf('approximate', ['none', 'tanh']) === 'none'
        ? (x) => tf.mul(tf.mul(0.5, x), tf.add(1, tf.erf(tf.mul(x, SQRT_HALF))))
        : (x) =>
            tf.mul(
              tf.mul(0.5, x),
              tf.add(
                1,
                tf.tanh(tf.mul(SQRT_2_OVER_PI, tf.add(x, tf.mul(0.044715, tf.mul(x, tf.square(x)))))),
              ),
            );
    case 'SiLU':
      return (x) => tf.mul(x, tf.sigmoid(x));
    case 'Tanh':
      return (x) => tf.tanh(x);
    case 'Sigmoid':
      return (x) => tf.sigmoid(x);
    case 'Softplus': {
      const beta = args.number('beta');
      const threshold = args.number('threshold');
      // torch: x where beta * x > threshold, else log(1 + exp(beta * x)) / beta.
      return (x) => {
        const scaled = tf.mul(x, beta);
        const linear = tf.greater(scaled, threshold);
        return tf.where(linear, x, tf.div(tf.softplus(tf.where(linear, tf.zerosLike(scaled), scaled)), beta));
      };
    }
    case 'Identity':
      return (x) => x;
    default:
      return null;
  }
}

/** An element-wise layer as a module (no parameters, the same in both modes). */
export function activationModule(fn: (x: tf.Tensor) => tf.Tensor): Module {
  return { params: [], buffers: {}, forward: (x) => fn(x) };
}
