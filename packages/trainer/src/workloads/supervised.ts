import type { Parameter } from '@hypersweep/optim';
import * as tf from '@tensorflow/tfjs-core';
import { backendChoiceFlag } from '../backend.js';
import type { CachedData, DatasetCache, HostMatrix } from '../dataset-cache.js';
import type { Batch, ForwardMode, PackedModel, WorkloadInstance } from './types.js';

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
  /**
   * The network's output for `x` under `weights` (the tensors of `params`, in order): x [batch, features]
   * with each parameter's own tensor, or, packed, x [K, batch, features] with weights stacked to [K, ...].
   */
  forward(x: tf.Tensor, weights: readonly tf.Tensor[], mode?: ForwardMode): tf.Tensor;
  /** The mean (or sum) over the batch: a scalar, or [K] for packed outputs and targets. */
  loss(output: tf.Tensor, y: tf.Tensor): tf.Tensor;
  accuracy?(output: tf.Tensor, y: tf.Tensor): tf.Scalar;
  /** Non-trainable state (BatchNorm's running statistics) that checkpoints keep. */
  buffers?: Readonly<Record<string, tf.Variable>>;
  /** Frees the parameters and buffers (default: each parameter's dispose). */
  dispose?(): void;
  /**
   * The network and loss on K trials at once (runPackedTrials); default `forward` and `loss` themselves (the
   * dense workloads' take stacks as they are); null where the trials cannot pack.
   */
  packed?: PackedModel | null;
}

/**
 * tfjs flag: where a training batch is made, 'auto' (by backend), 'host' or 'device'. 'auto' takes 'host' on
 * the backends whose tensors live in this process's memory: there a batch is copied from host arrays and
 * uploaded (~0.05 ms for 64 MNIST rows) rather than gathered by the backend (tfjs-backend-wasm's GatherV2
 * takes ~1.4 ms for the same rows, a third of a training step). Elsewhere (tfjs-node, CUDA) the data stays
 * on the device and a step moves only the batch's indices.
 */
export const BATCHES_ON_FLAG = 'HYPERSWEEP_BATCHES_ON';
const batchesOn = backendChoiceFlag(BATCHES_ON_FLAG, 'host', 'device', ['wasm', 'cpu']);

/** The data as the cache holds it: validation always on the backend, the training split where batches come from. */
function hold(data: SupervisedData, hostBatches: boolean): CachedData {
  const tensors: Record<string, tf.Tensor> = {};
  const arrays: Record<string, HostMatrix> = {};
  for (const [name, examples] of Object.entries(data) as Array<[string, Examples | undefined]>) {
    if (examples === undefined) continue;
    if (name === 'train' && hostBatches) {
      const { count: rows, x, y } = examples;
      arrays['train.x'] = { values: x, rows, columns: x.length / rows };
      arrays['train.y'] = { values: y, rows, columns: y.length / rows };
      continue;
    }
    tensors[`${name}.x`] = tf.tensor2d(examples.x, [examples.count, examples.x.length / examples.count]);
    tensors[`${name}.y`] = tf.tensor2d(examples.y, [examples.count, examples.y.length / examples.count]);
  }
  return { tensors, arrays };
}

function pair(tensors: Readonly<Record<string, tf.Tensor>>, name: string): Batch | undefined {
  const x = tensors[`${name}.x`];
  const y = tensors[`${name}.y`];
  return x === undefined || y === undefined ? undefined : { x, y };
}

/** The rows `indices` of a host matrix, as a [rows, columns] tensor. */
function hostRows({ values, rows, columns }: HostMatrix, indices: Int32Array): tf.Tensor2D {
  const gathered = new Float32Array(indices.length * columns);
  for (let i = 0; i < indices.length; i++) {
    const row = indices[i]!;
    if (!(row >= 0 && row < rows)) throw new RangeError(`batch row ${row} is outside 0..${rows - 1}`);
    gathered.set(values.subarray(row * columns, (row + 1) * columns), i * columns);
  }
  return tf.tensor2d(gathered, [indices.length, columns]);
}

const EVAL: ForwardMode = { training: false, step: 0 };

/**
 * A workload with a dataset held for the whole trial (and, with a DatasetCache, for the next trials of the
 * same data); each batch is its rows, copied on the host or gathered on the device (BATCHES_ON_FLAG).
 */
export function supervisedWorkload(model: SupervisedModel, cache?: DatasetCache): WorkloadInstance {
  const hostBatches = batchesOn() === 'host';
  const build = () => hold(model.data.build(), hostBatches);
  const held =
    cache === undefined
      ? (() => {
          const data = build();
          return { ...data, release: () => tf.dispose(Object.values(data.tensors)) };
        })()
      : cache.acquire(`${model.data.key}:${hostBatches ? 'host' : 'device'}`, build);
  const val = pair(held.tensors, 'val');
  const train = pair(held.tensors, 'train');
  const hostX = held.arrays['train.x'];
  const hostY = held.arrays['train.y'];
  const variables = model.params.map((param) => param.variable);
  return {
    params: model.params,
    groups: model.groups,
    trainSize: train === undefined ? hostX!.rows : train.x.shape[0]!,
    batch(indices) {
      if (indices === null) throw new Error('a supervised workload needs batch indices');
      if (train === undefined) return { x: hostRows(hostX!, indices), y: hostRows(hostY!, indices) };
      return tf.tidy(() => {
        const rows = tf.tensor1d(indices, 'int32');
        return { x: tf.gather(train.x, rows), y: tf.gather(train.y, rows) };
      });
    },
    loss(batch, step = 0) {
      if (batch === null) throw new Error('a supervised workload needs a batch');
      return model.loss(model.forward(batch.x, variables, { training: true, step }), batch.y) as tf.Scalar;
    },
    ...(model.buffers === undefined ? {} : { buffers: model.buffers }),
    ...(model.packed === null
      ? {}
      : { packed: model.packed ?? { forward: model.forward, loss: model.loss } }),
    ...(val === undefined
      ? {}
      : {
          async validate() {
            const scalars = tf.tidy(() => {
              const output = model.forward(val.x, variables, EVAL);
              const loss = model.loss(output, val.y);
              return model.accuracy === undefined ? [loss] : [loss, model.accuracy(output, val.y)];
            });
            const [loss, accuracy] = await Promise.all(
              scalars.map(async (scalar) => (await scalar.data())[0]!),
            );
            tf.dispose(scalars);
            return accuracy === undefined ? { loss: loss! } : { loss: loss!, accuracy };
          },
        }),
    dispose() {
      held.release();
      if (model.dispose !== undefined) model.dispose();
      else for (const param of model.params) param.dispose();
    },
  };
}
