import type { LoadedDataset } from '@hypersweep/data';
import {
  type DatasetFileRef,
  datasetFilesOf,
  isBuiltinDataset,
  MODEL_WORKLOAD,
  type ModelWorkloadOptions,
} from '@hypersweep/spec';
import * as tf from '@tensorflow/tfjs-core';
import { loadBuiltinDataset } from '../builtin-datasets.js';
import { TrainerError } from '../errors.js';
import { buildLoss, buildNetwork, unpackableLayer } from '../nn/index.js';
import { Rng } from '../rng.js';
import { modelExamples } from './model-data.js';
import { supervisedWorkload } from './supervised.js';
import type { LoadedDatasets, WorkloadDefinition } from './types.js';

/**
 * A dataset the trial's loaded datasets hold (TrialRun.open loads every file `datasetFiles` names), or a
 * built-in one, read from this installation.
 */
function from(loaded: LoadedDatasets | undefined) {
  return (ref: Pick<DatasetFileRef, 'id' | 'sha256'>): LoadedDataset => {
    if (isBuiltinDataset(ref.id)) return loadBuiltinDataset(ref.id);
    const dataset = loaded?.get(ref.sha256);
    if (dataset === undefined) {
      throw new TrainerError(
        `dataset ${ref.sha256.slice(0, 12)} was not loaded for this trial`,
        'workload/options/dataset',
      );
    }
    return dataset;
  };
}

/**
 * A torch.nn model given in the spec, on an uploaded dataset: the network (packages/trainer/src/nn) built from
 * the resolved layers, its parameters drawn from the trial's init stream, the data read from the file the
 * worker fetched, split and standardised by modelExamples. Validation runs the network in eval mode.
 */
export const modelWorkload: WorkloadDefinition = {
  name: MODEL_WORKLOAD,
  description: 'A torch.nn model from the spec, trained on an uploaded dataset.',
  options: {},
  paramGroups: [],
  hasValidation: true,
  trainExamples: () => 1,
  // Trials of one model and dataset (and training) pack where every layer does (nn/packed.ts).
  packable: true,
  unpackable: (options) => unpackableLayer((options as unknown as ModelWorkloadOptions).model),
  resolveOptions(options) {
    for (const key of ['dataset', 'model', 'loss']) {
      if (typeof options[key] !== 'object' || options[key] === null) {
        throw new TrainerError(`a model workload's options need "${key}"`, `workload/options/${key}`);
      }
    }
    return options;
  },
  validates: (options) => (options as unknown as ModelWorkloadOptions).dataset.val !== null,
  datasetFiles: (options) => datasetFilesOf({ workload: { name: MODEL_WORKLOAD, options } }),
  create(rawOptions, seed, datasets, loaded) {
    const { dataset, model, loss: lossConfig } = rawOptions as unknown as ModelWorkloadOptions;
    const network = buildNetwork(model, dataset.shape, Rng.forStream(seed, 'init'), seed);
    const loss = buildLoss(lossConfig);
    const classes = dataset.targetKind === 'class';
    const input = (x: tf.Tensor) => {
      const shaped = tf.reshape(x, [x.shape[0]!, ...dataset.shape]);
      return dataset.inputDtype === 'int32' ? tf.cast(shaped, 'int32') : shaped;
    };
    const target = (output: tf.Tensor, y: tf.Tensor) =>
      classes ? tf.cast(tf.reshape(y, [-1]), 'int32') : tf.reshape(y, output.shape);
    const valRef =
      dataset.val !== null && 'sha256' in dataset.val ? dataset.val.sha256 : `${dataset.val?.fraction}`;
    return supervisedWorkload(
      {
        params: network.params,
        groups: network.groups,
        buffers: network.buffers,
        data: {
          key: [
            MODEL_WORKLOAD,
            dataset.sha256,
            dataset.features.join(','),
            dataset.target.join(','),
            valRef,
            dataset.standardize,
            seed,
          ].join(':'),
          build: () => modelExamples(dataset, seed, from(loaded)),
        },
        forward: (x, weights, mode) =>
          network.forward(input(x), weights, mode ?? { training: false, step: 0 }),
        loss: (output, y) => loss.loss(output, target(output, y)),
        ...(loss.accuracy === undefined
          ? {}
          : { accuracy: (output: tf.Tensor, y: tf.Tensor) => loss.accuracy!(output, target(output, y)) }),
        dispose: () => network.dispose(),
        packed:
          network.packedForward === undefined
            ? null
            : {
                forward: (x, weights) =>
                  network.packedForward!(
                    tf.reshape(x, [x.shape[0]!, x.shape[1]!, ...dataset.shape]),
                    weights,
                  ),
                // Each trial's loss as it is alone (a loss over [K, batch, ...] would mix the trials' means).
                loss: (output, y) => {
                  const ys = tf.unstack(y);
                  return tf.stack(tf.unstack(output).map((o, k) => loss.loss(o, target(o, ys[k]!))));
                },
              },
      },
      datasets,
    );
  },
};
