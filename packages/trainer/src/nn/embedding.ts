import * as tf from '@tensorflow/tfjs-core';
import { TrainerError } from '../errors.js';
import type { Rng } from '../rng.js';
import type { Args } from './args.js';
import { normalParam } from './init.js';
import { matMul } from './matmul.js';
import type { Module } from './types.js';

type CustomGradArgs = Array<tf.Tensor | tf.GradSaveFunc>;

/**
 * torch.nn.Embedding: weight [num_embeddings, embedding_dim] ~ N(0, 1) with the padding_idx row zeroed; x holds
 * int32 indices [N, ...], the output is [N, ..., embedding_dim]. The table's gradient is one-hot(x)^T @ dy with
 * the padding_idx row left at zero, as torch's: tfjs's own Gather gradient needs UnsortedSegmentSum, which
 * tfjs-backend-wasm lacks.
 */
export function embeddingModule(args: Args, rng: Rng): Module {
  const count = args.integer('num_embeddings');
  const dim = args.integer('embedding_dim');
  let paddingIdx = args.numberOrNull('padding_idx');
  if (paddingIdx !== null) {
    if (paddingIdx < -count || paddingIdx >= count)
      throw new TrainerError(`Embedding: padding_idx ${paddingIdx} is outside the table of ${count} rows`);
    if (paddingIdx < 0) paddingIdx += count;
  }
  const weight = normalParam(rng, 'weight', [count, dim]);
  if (paddingIdx !== null) weight.values.fill(0, paddingIdx * dim, (paddingIdx + 1) * dim);
  return {
    params: [weight],
    buffers: {},
    forward(x, [table]) {
      if (x.dtype !== 'int32') throw new TrainerError(`Embedding expects int32 indices, got ${x.dtype}`);
      const indices = tf.reshape(x, [-1]);
      const rows = tf.customGrad((...inputs: CustomGradArgs) => {
        const [t, save] = inputs as [tf.Tensor, tf.GradSaveFunc];
        // Only saved tensors outlive the forward pass (tf.variableGrads frees the rest before backprop).
        save([indices]);
        return {
          value: tf.gather(t, indices),
          gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) => {
            const kept =
              paddingIdx === null
                ? saved!
                : tf.where(tf.equal(saved!, paddingIdx), tf.fill(saved!.shape, -1, 'int32'), saved!);
            // one-hot of -1 is a zero row: the padding row gets no gradient.
            const oneHot = tf.transpose(tf.cast(tf.oneHot(kept as tf.Tensor1D, count), 'float32'));
            return [matMul(oneHot, dy)];
          },
        };
      })(table!);
      return tf.reshape(rows, [...x.shape, dim]);
    },
  };
}
