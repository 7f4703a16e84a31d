import * as tf from '@tensorflow/tfjs-core';
import { computeGradients } from '../src/autograd/compute-gradients.js';
import { Parameter } from '../src/autograd/parameter.js';
import { optimizerCatalog } from '../src/catalog/optimizers.js';
import type { Optimizer } from '../src/optimizers/optimizer.js';

/** A small least-squares problem with two parameters, deterministic, for behaviour tests. */
export function leastSquares(): { params: Parameter[]; evaluate: () => number; dispose: () => void } {
  const params = [
    new Parameter('w', [0.5, -0.3, 0.8, 0.1, -0.6, 0.4], [3, 2]),
    new Parameter('b', [0.05, -0.02], [2]),
  ];
  const [w, b] = params as [Parameter, Parameter];
  const x = tf.tensor2d([
    [1, 2, -1],
    [0.5, -1, 2],
    [-1.5, 0.3, 0.7],
    [2, 1, 1],
  ]);
  const target = tf.tensor2d([
    [1, 0],
    [0, 1],
    [-1, 0.5],
    [0.3, -0.2],
  ]);
  return {
    params,
    evaluate: () =>
      computeGradients(params, () =>
        tf.mean(tf.square(tf.sub(tf.add(tf.matMul(x, w.variable as tf.Tensor2D), b.variable), target))),
      ),
    dispose: () => {
      for (const tensor of [x, target, ...params]) tensor.dispose();
    },
  };
}

/** Options every optimizer can be built with (SGD needs an lr; LBFGS is kept cheap). */
export function optionsFor(type: string): Record<string, unknown> {
  if (type === 'SGD') return { lr: 0.05, momentum: 0.9 };
  if (type === 'LBFGS') return { max_iter: 3 };
  return {};
}

/** One torch-style training step: LBFGS through its closure, the others after computing gradients. */
export function trainStep(optimizer: Optimizer, evaluate: () => number): void {
  if (optimizer.type === 'LBFGS') {
    optimizer.step(evaluate);
  } else {
    optimizer.zeroGrad();
    evaluate();
    optimizer.step();
  }
}

export const allTypes = Object.keys(optimizerCatalog);
