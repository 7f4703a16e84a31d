import { ACTIVATION_TYPES } from '@hypersweep/spec';
import * as tf from '@tensorflow/tfjs-core';
import { packedMatMulRunsSlices } from '../workloads/layers.js';
import type { Module, ResolvedLayer } from './types.js';

/**
 * A layer on K trials at once (runPackedTrials): x [K, batch, ...] and its weights stacked to [K, ...torch's
 * shape]; the output [K, batch, ...]. Slice k is exactly the layer's forward on trial k's slice.
 */
export type PackedForward = (x: tf.Tensor, weights: readonly tf.Tensor[]) => tf.Tensor;

/**
 * Layers without parameters, buffers or randomness that treat each example alone and act the same in train and
 * eval mode: K trials' batches fold into one batch of K x batch examples.
 */
const PER_EXAMPLE: ReadonlySet<string> = new Set([
  ...ACTIVATION_TYPES,
  'Flatten',
  'MaxPool2d',
  'AvgPool2d',
  'AdaptiveAvgPool2d',
]);

/** The layer types a model may hold for its trials to pack. */
export const PACKING_LAYERS: readonly string[] = ['Linear', ...PER_EXAMPLE];

const EVAL = { training: false, step: 0 };

/** Why a model's trials cannot pack (the first layer that does not), or null when they can. */
export function unpackableLayer(layers: readonly ResolvedLayer[]): string | null {
  const index = layers.findIndex((layer) => !PACKING_LAYERS.includes(layer.type));
  if (index < 0) return null;
  return `layer ${index} is ${layers[index]!.type}; only models of ${PACKING_LAYERS.join(', ')} pack`;
}

/** The packed forward of one built layer, or null for a layer that does not pack. */
export function packedForward(layer: ResolvedLayer, module: Module): PackedForward | null {
  if (PER_EXAMPLE.has(layer.type)) {
    return (x) => {
      const [k, batch] = x.shape as [number, number];
      const folded = module.forward(tf.reshape(x, [k * batch, ...x.shape.slice(2)]), [], EVAL);
      return tf.reshape(folded, [k, batch, ...folded.shape.slice(1)]);
    };
  }
  if (layer.type === 'Linear') {
    return (x, weights) => {
      // One 2-D product per trial where the backend's batched matmul is not its 2-D one slice by slice
      // (tfjs-backend-wasm: see PACKED_MATMUL_FLAG): the very kernels of the unpacked layer.
      if (packedMatMulRunsSlices()) {
        const xs = tf.unstack(x);
        const per = weights.map((w) => tf.unstack(w));
        return tf.stack(
          xs.map((slice, k) =>
            module.forward(
              slice,
              per.map((w) => w[k]!),
              EVAL,
            ),
          ),
        );
      }
      const [weight, bias] = weights as [tf.Tensor, tf.Tensor | undefined];
      const [k, batch] = x.shape as [number, number];
      const inFeatures = x.shape[x.rank - 1]!;
      const rows = tf.reshape(x, [k, -1, inFeatures]) as tf.Tensor3D;
      const product = tf.matMul(rows, weight as tf.Tensor3D, false, true);
      const out = bias === undefined ? product : tf.add(product, tf.expandDims(bias, 1));
      return tf.reshape(out, [k, batch, ...x.shape.slice(2, -1), weight.shape[1]!]);
    };
  }
  return null;
}
