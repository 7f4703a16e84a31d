import type { Parameter } from '@hypersweep/optim';
import * as tf from '@tensorflow/tfjs-core';
import type { Batch, WorkloadInstance } from './types.js';

/** Row-major examples: `x` is count x features, `y` is count x targets. */
export interface Examples {
  count: number;
  x: Float32Array;
  y: Float32Array;
}

export interface SupervisedModel {
  params: Parameter[];
  groups: Record<string, readonly string[]>;
  train: Examples;
  val?: Examples;
  forward(x: tf.Tensor): tf.Tensor;
  loss(output: tf.Tensor, y: tf.Tensor): tf.Scalar;
  accuracy?(output: tf.Tensor, y: tf.Tensor): tf.Scalar;
}

function toTensors(examples: Examples): Batch {
  const targets = examples.y.length / examples.count;
  return {
    x: tf.tensor2d(examples.x, [examples.count, examples.x.length / examples.count]),
    y: tf.tensor2d(examples.y, [examples.count, targets]),
  };
}

/**
 * A workload with a dataset held on the backend for the whole trial; each batch is a gather of
 * its rows, so a step moves only the batch's indices from JavaScript to the backend.
 */
export function supervisedWorkload(model: SupervisedModel): WorkloadInstance {
  const train = toTensors(model.train);
  const val = model.val === undefined ? undefined : toTensors(model.val);
  return {
    params: model.params,
    groups: model.groups,
    trainSize: model.train.count,
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
      tf.dispose([train.x, train.y, ...(val === undefined ? [] : [val.x, val.y])]);
      for (const param of model.params) param.dispose();
    },
  };
}
