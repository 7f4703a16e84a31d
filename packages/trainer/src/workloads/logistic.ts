import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../rng.js';
import { logisticMetadata } from '../workload-metadata.js';
import { linear, linearParameters } from './layers.js';
import { supervisedWorkload } from './supervised.js';
import type { WorkloadDefinition } from './types.js';

/**
 * Binary logistic regression on two Gaussian classes: x ~ N(±(separation / 2) * u, I) with u the
 * unit diagonal direction, label 1 for the + class. The loss (mean binary cross-entropy, torch's
 * BCEWithLogitsLoss) is convex, so optimizers can be compared on one well-defined minimum.
 */
export const logistic: WorkloadDefinition = {
  ...logisticMetadata,
  packable: true,
  create(options, seed, datasets) {
    const { features, trainSize, valSize, separation } = options as Record<
      'features' | 'trainSize' | 'valSize' | 'separation',
      number
    >;
    const [weight, bias] = linearParameters(Rng.forStream(seed, 'init'), 'linear', features, 1);
    const build = () => {
      const data = Rng.forStream(seed, 'data');
      const count = trainSize + valSize;
      const x = data.fillNormal(new Float32Array(count * features));
      const y = new Float32Array(count);
      const shift = separation / 2 / Math.sqrt(features);
      for (let i = 0; i < count; i++) {
        const label = data.uniform() < 0.5 ? 0 : 1;
        y[i] = label;
        const offset = label === 1 ? shift : -shift;
        for (let j = i * features; j < (i + 1) * features; j++) x[j] = x[j]! + offset;
      }
      return {
        train: { count: trainSize, x: x.subarray(0, trainSize * features), y: y.subarray(0, trainSize) },
        val: { count: valSize, x: x.subarray(trainSize * features), y: y.subarray(trainSize) },
      };
    };
    return supervisedWorkload(
      {
        params: [weight, bias],
        groups: { weight: [weight.name], bias: [bias.name] },
        data: { key: `logistic:${features}:${trainSize}:${valSize}:${separation}:${seed}`, build },
        forward: (input, [w, b]) => linear(input, [w!, b!], true),
        // softplus(z) - y z = -[y log sigmoid(z) + (1 - y) log(1 - sigmoid(z))], stable for large |z|.
        loss: (logits, target) => tf.mean(tf.sub(tf.softplus(logits), tf.mul(target, logits)), [-2, -1]),
        accuracy: (logits, target) =>
          tf.mean(tf.cast(tf.equal(tf.greater(logits, 0), tf.cast(target, 'bool')), 'float32')),
      },
      datasets,
    );
  },
};
