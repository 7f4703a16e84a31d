import type * as tf from '@tensorflow/tfjs-core';
import type { ParamInit } from './init.js';

/**
 * The resolved layer and loss as packages/spec writes them (src/model/types.ts there: torch's constructor
 * arguments under their torch names, every default filled). Declared here structurally because the spec
 * package does not export its model types yet; the lead swaps these for `import type { ResolvedLayer,
 * ResolvedLoss } from '@hypersweep/spec'` once it does (the shapes are the same).
 */
export interface ResolvedLayer {
  type: string;
  name?: string;
  [argument: string]: unknown;
}

export interface ResolvedLoss {
  type: string;
  [argument: string]: unknown;
}

/** How a forward pass runs: training (batch statistics, dropout) or eval, and the optimizer step it is for. */
export interface ForwardMode {
  training: boolean;
  /** Dropout masks are a function of (seed, step, layer index): the same step draws the same masks. */
  step: number;
}

/** One built layer: the parameters it owns (torch shapes, initial values) and its forward pass. */
export interface Module {
  params: ParamInit[];
  /** Buffers by suffix (BatchNorm's running_mean, running_var, num_batches_tracked). */
  buffers: Record<string, tf.Variable>;
  /** x in torch's layout; `weights` are this layer's parameters' tensors in `params` order. */
  forward(x: tf.Tensor, weights: readonly tf.Tensor[], mode: ForwardMode): tf.Tensor;
}
