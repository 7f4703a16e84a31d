import type { Parameter } from '@hypersweep/optim';
import * as tf from '@tensorflow/tfjs-core';
import type { DatasetCache } from '../dataset-cache.js';
import type { Batch, WorkloadInstance } from './types.js';

/** Row-major examples: `x` is count x features, `y` is count x targets. */
export interface Examples {
  count: number;
  x: Float32Array;
  y: Float32Array;
}

/** The examples of a workload, built from its options and seed. */
export interface SupervisedData {
  train: Examples;
  val?: Examples;
}

export interface SupervisedModel {
  params: Parameter[];
  groups: Record<string, readonly string[]>;
  /**
   * `key` names everything `build` depends on (workload, the options it reads, seed): trials with the
   * same key share one upload of the data through a DatasetCache.
   */
  data: { key: string; build(): SupervisedData };
  forward(x: tf.Tensor): tf.Tensor;
  loss(output: tf.Tensor, y: tf.Tensor): tf.Scalar;
  accuracy?(output: tf.Tensor, y: tf.Tensor): tf.Scalar;
}

function toTensors(data: SupervisedData): Record<string, tf.Tensor> {
  const tensors: Record<string, tf.Tensor> = {};
  for (const [name, examples] of Object.entries(data) as Array<[string, Examples | undefined]>) {
    if (examples === undefined) continue;
    tensors[`${name}.x`] = tf.tensor2d(examples.x, [examples.count, examples.x.length / examples.count]);
    tensors[`${name}.y`] = tf.tensor2d(examples.y, [examples.count, examples.y.length / examples.count]);
  }
  return tensors;
}

function pair(tensors: Readonly<Record<string, tf.Tensor>>, name: string): Batch | undefined {
  const x = tensors[`${name}.x`];
  const y = tensors[`${name}.y`];
  return x === undefined || y === undefined ? undefined : { x, y };
}

/**
 * A workload with a dataset held on the backend for the whole trial (and, with a DatasetCache, for
 * the next trials of the same data); each batch is a gather of its rows, so a step moves only the
 * batch's indices from JavaScript to the backend.
 */
export function supervisedWorkload(model: SupervisedModel, cache?: DatasetCache): WorkloadInstance {
  const held =
    cache === undefined
      ? (() => {
          const tensors = toTensors(model.data.build());
          return { tensors, release: () => tf.dispose(Object.values(tensors)) };
        })()
      : cache.acquire(model.data.key, () => toTensors(model.data.build()));
  const train = pair(held.tensors, 'train')!;
  const val = pair(held.tensors, 'val');
  return {
    params: model.params,
    groups: model.groups,
    trainSize: train.x.shape[0]!,
    batch(indices) {
      if (indices === null) throw new Error('a supervised workload needs batch indices');
      return tf.tidy(() => {
        const rows = tf.tensor1d(indices, 'int32');
        return { x: tf.gather(train.x, rows), y: tf.gather(train.y, rows) };
      });
    },
    loss(batch) {
      if (batch === null) throw new Error('a supervised workload needs a batch');
      return model.loss(model.forward(batch.x), batch.y);
    },
    ...(val === undefined
      ? {}
      : {
          validate() {
            return tf.tidy(() => {
              const output = model.forward(val.x);
              const loss = model.loss(output, val.y).dataSync()[0]!;
              if (model.accuracy === undefined) return { loss };
              return { loss, accuracy: model.accuracy(output, val.y).dataSync()[0]! };
            });
          },
        }),
    dispose() {
      held.release();
      for (const param of model.params) param.dispose();
    },
  };
}
