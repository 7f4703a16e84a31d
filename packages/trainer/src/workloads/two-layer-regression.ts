import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../rng.js';
import { twoLayerRegressionMetadata } from '../workload-metadata.js';
import { linear, linearParameters } from './layers.js';
import { supervisedWorkload } from './supervised.js';
import type { WorkloadDefinition } from './types.js';

/**
 * The TwoLayerNet of torch's examples (N=64, D_in=1000, H=100, D_out=10; x and y standard
 * normal; linear -> clamp(min=0) -> linear; MSELoss(reduction='sum')), which the lr_scheduler
 * tutorials train:
 * https://pytorch.org/tutorials/beginner/examples_nn/two_layer_net_module.html
 */
export const twoLayerRegression: WorkloadDefinition = {
  ...twoLayerRegressionMetadata,
  packable: true,
  create(options, seed, datasets) {
    const { samples, inputSize, hidden, outputSize } = options as Record<
      'samples' | 'inputSize' | 'hidden' | 'outputSize',
      number
    >;
    const init = Rng.forStream(seed, 'init');
    const layer1 = linearParameters(init, 'linear1', inputSize, hidden);
    const layer2 = linearParameters(init, 'linear2', hidden, outputSize);
    return supervisedWorkload(
      {
        params: [...layer1, ...layer2],
        groups: { base: layer1.map((p) => p.name), head: layer2.map((p) => p.name) },
        data: {
          key: `two-layer-regression:${samples}:${inputSize}:${outputSize}:${seed}`,
          build() {
            const data = Rng.forStream(seed, 'data');
            const x = data.fillNormal(new Float32Array(samples * inputSize));
            const y = data.fillNormal(new Float32Array(samples * outputSize));
            return { train: { count: samples, x, y } };
          },
        },
        forward: (input, [w1, b1, w2, b2]) => linear(tf.relu(linear(input, [w1!, b1!], true)), [w2!, b2!]),
        loss: (prediction, target) => tf.sum(tf.squaredDifference(prediction, target), [-2, -1]),
      },
      datasets,
    );
  },
};
