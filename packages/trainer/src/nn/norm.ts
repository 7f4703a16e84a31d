import * as tf from '@tensorflow/tfjs-core';
import { TrainerError } from '../errors.js';
import type { Args } from './args.js';
import { constantParam } from './init.js';
import { meanKeepDims } from './matmul.js';
import type { Module } from './types.js';

/**
 * torch.nn.BatchNorm1d ([N, C] or [N, C, L]) and BatchNorm2d ([N, C, H, W]). Training (or without running
 * stats) normalises with the batch's mean and biased variance; with track_running_stats a training forward
 * also updates running_mean, running_var (with the unbiased variance) and num_batches_tracked as torch does,
 * momentum null being the cumulative average (factor 1 / num_batches_tracked). The update is assigned to the
 * buffers inside the forward pass: it is not on the path to the loss, so tf.variableGrads never differentiates it.
 */
/** A non-trainable variable holding `initial`'s values (tf.variable keeps its own copy: `initial` is freed). */
function buffer(initial: tf.Tensor): tf.Variable {
  const variable = tf.variable(initial, false, undefined, initial.dtype);
  initial.dispose();
  return variable;
}

export function batchNormModule(args: Args, dims: 1 | 2): Module {
  const features = args.integer('num_features');
  const eps = args.number('eps');
  const momentum = args.numberOrNull('momentum');
  const affine = args.boolean('affine');
  const track = args.boolean('track_running_stats');
  const params = affine ? [constantParam('weight', [features], 1), constantParam('bias', [features], 0)] : [];
  const buffers: Record<string, tf.Variable> = track
    ? {
        running_mean: buffer(tf.zeros([features])),
        running_var: buffer(tf.ones([features])),
        num_batches_tracked: buffer(tf.scalar(0, 'int32')),
      }
    : {};
  const ranks = dims === 1 ? [2, 3] : [4];
  return {
    params,
    buffers,
    forward(x, weights, mode) {
      if (!ranks.includes(x.rank) || x.shape[1] !== features)
        throw new TrainerError(
          `BatchNorm${dims}d(${features}) expects [N, ${features}${dims === 1 ? '(, L)' : ', H, W'}], got ${JSON.stringify(x.shape)}`,
        );
      const axes = [0, ...x.shape.slice(2).map((_, i) => i + 2)];
      const channelShape = [1, features, ...x.shape.slice(2).map(() => 1)];
      let mean: tf.Tensor;
      let variance: tf.Tensor;
      if (mode.training && x.size / features === 1)
        throw new TrainerError(
          `BatchNorm${dims}d: expected more than 1 value per channel when training, got input ${JSON.stringify(x.shape)}`,
        );
      if (mode.training || !track) {
        mean = meanKeepDims(x, axes);
        variance = meanKeepDims(tf.square(tf.sub(x, mean)), axes);
        if (mode.training && track) {
          const count = x.size / features;
          const nbt = buffers['num_batches_tracked']!;
          const factor = momentum ?? tf.div(1, tf.cast(tf.add(nbt, 1), 'float32'));
          const update = (buffer: tf.Variable, batch: tf.Tensor) =>
            buffer.assign(
              tf.add(tf.mul(tf.sub(1, factor), buffer), tf.mul(factor, tf.reshape(batch, [features]))),
            );
          update(buffers['running_mean']!, mean);
          update(buffers['running_var']!, tf.mul(variance, count / (count - 1)));
          nbt.assign(tf.add(nbt, tf.scalar(1, 'int32')));
        }
      } else {
        mean = tf.reshape(buffers['running_mean']!, channelShape);
        variance = tf.reshape(buffers['running_var']!, channelShape);
      }
      const normalised = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps)));
      if (!affine) return normalised;
      return tf.add(
        tf.mul(normalised, tf.reshape(weights[0]!, channelShape)),
        tf.reshape(weights[1]!, channelShape),
      );
    },
  };
}

/** torch.nn.LayerNorm: mean and biased variance over the trailing normalized_shape dims; weight and bias of that shape. */
export function layerNormModule(args: Args): Module {
  const shape = args.ints('normalized_shape');
  const eps = args.number('eps');
  const affine = args.boolean('elementwise_affine');
  return {
    params: affine ? [constantParam('weight', shape, 1), constantParam('bias', shape, 0)] : [],
    buffers: {},
    forward(x, weights) {
      const trailing = x.shape.slice(x.rank - shape.length);
      if (x.rank < shape.length || trailing.some((size, i) => size !== shape[i]))
        throw new TrainerError(
          `LayerNorm(${JSON.stringify(shape)}) does not fit an input of shape ${JSON.stringify(x.shape)}`,
        );
      const axes = shape.map((_, i) => x.rank - shape.length + i);
      const mean = meanKeepDims(x, axes);
      const variance = meanKeepDims(tf.square(tf.sub(x, mean)), axes);
      const normalised = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps)));
      return affine ? tf.add(tf.mul(normalised, weights[0]!), weights[1]!) : normalised;
    },
  };
}
