import * as tf from '@tensorflow/tfjs-core';
import { TrainerError } from '../errors.js';
import { Rng } from '../rng.js';
import { MNIST_DIGITS, mnistMlpMetadata } from '../workload-metadata.js';
import { argMaxAccuracy, linear, linearParameters, softmaxCrossEntropy } from './layers.js';
import { loadMnistDigits, MNIST_CLASSES, MNIST_PIXELS, mnistExamples } from './mnist-data.js';
import { supervisedWorkload } from './supervised.js';
import type { WorkloadDefinition } from './types.js';

/**
 * The network of the classic optimizer tutorials: 784 -> hidden -> ReLU -> 10 with softmax
 * cross-entropy, on real MNIST digits. The train/validation split is a seeded permutation of the
 * 10,000 digits, so every trial with the same seed sees the same split whatever its other options.
 */
export const mnistMlp: WorkloadDefinition = {
  ...mnistMlpMetadata,
  packable: true,
  create(options, seed, datasets) {
    const { hidden, trainSize, valSize } = options as { hidden: number; trainSize: number; valSize: number };
    if (trainSize + valSize > MNIST_DIGITS) {
      throw new TrainerError(
        `mnist-mlp has ${MNIST_DIGITS} digits; trainSize + valSize is ${trainSize + valSize}`,
        'workload/options/trainSize',
      );
    }
    const init = Rng.forStream(seed, 'init');
    // Drawn as torch lays them out: the same weights as this network given as a model (the README's
    // mnist-mlp equivalent on the built-in mnist dataset; test/builtin-datasets.test.ts).
    const hiddenLayer = linearParameters(init, 'hidden', MNIST_PIXELS, hidden, 'torch');
    const classifier = linearParameters(init, 'classifier', hidden, MNIST_CLASSES, 'torch');
    return supervisedWorkload(
      {
        params: [...hiddenLayer, ...classifier],
        groups: {
          base: hiddenLayer.map((p) => p.name),
          classifier: classifier.map((p) => p.name),
        },
        data: {
          key: `mnist-mlp:${trainSize}:${valSize}:${seed}`,
          build() {
            const digits = loadMnistDigits();
            const split = Rng.forStream(seed, 'data').permutation(digits.count);
            return {
              train: mnistExamples(digits, split, 0, trainSize),
              val: mnistExamples(digits, split, trainSize, trainSize + valSize),
            };
          },
        },
        forward: (x, [w1, b1, w2, b2]) => linear(tf.relu(linear(x, [w1!, b1!], true)), [w2!, b2!]),
        loss: softmaxCrossEntropy,
        accuracy: argMaxAccuracy,
      },
      datasets,
    );
  },
};
