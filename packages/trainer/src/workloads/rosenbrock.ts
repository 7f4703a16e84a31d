import { Parameter } from '@hypersweep/optim';
import * as tf from '@tensorflow/tfjs-core';
import { rosenbrockMetadata } from '../workload-metadata.js';
import type { WorkloadDefinition } from './types.js';

/**
 * The 2-D Rosenbrock function (1 - x)^2 + 100 (y - x^2)^2 from (-1.5, 2), minimum 0 at (1, 1):
 * torch's optimizer tests use it, and it has no data, so one epoch is one step.
 */
export const rosenbrock: WorkloadDefinition = {
  ...rosenbrockMetadata,
  packable: false,
  create(options) {
    const xy = new Parameter('xy', [options['x0']!, options['y0']!]);
    // Constant selectors instead of slicing: their gradients are plain products on every backend.
    const pickX = tf.keep(tf.tensor1d([1, 0]));
    const pickY = tf.keep(tf.tensor1d([0, 1]));
    return {
      params: [xy],
      groups: { base: [xy.name] },
      trainSize: null,
      batch: () => null,
      loss() {
        const x = tf.sum(tf.mul(xy.variable, pickX));
        const y = tf.sum(tf.mul(xy.variable, pickY));
        return tf.add(tf.square(tf.sub(1, x)), tf.mul(100, tf.square(tf.sub(y, tf.square(x)))));
      },
      dispose() {
        tf.dispose([pickX, pickY]);
        xy.dispose();
      },
    };
  },
};
