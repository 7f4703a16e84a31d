import { Parameter } from '@hypersweep/optim';
import * as tf from '@tensorflow/tfjs-core';
import { TrainerError } from '../errors.js';
import type { Rng } from '../rng.js';
import { activation, activationModule } from './activation.js';
import { Args } from './args.js';
import { convModule, linearModule } from './conv.js';
import { dropoutModule } from './dropout.js';
import { embeddingModule } from './embedding.js';
import { registerNnGradients } from './gradients.js';
import { batchNormModule, layerNormModule } from './norm.js';
import { packedForward } from './packed.js';
import { adaptiveAvgPoolModule, avgPoolModule, flattenModule, maxPoolModule } from './pool.js';
import type { ForwardMode, Module, ResolvedLayer } from './types.js';

export interface Network {
  /**
   * In layer order, each layer's weight then bias, named as torch's state_dict of an nn.Sequential of the
   * layers: `${layer.name ?? index}.weight`. Shapes are torch's ([out, in] Linear weight, [out, in/groups, kh,
   * kw] conv weight), so a state_dict maps one to one.
   */
  params: Parameter[];
  /** One group per layer with a `name` (and parameters): group name -> its parameters' names. */
  groups: Record<string, string[]>;
  /** BatchNorm running_mean / running_var (float32) / num_batches_tracked (int32), by state_dict name. */
  buffers: Record<string, tf.Variable>;
  /**
   * x: [batch, ...inputShape] in torch's layout (NCHW, NCL; int32 indices for a leading Embedding). weights:
   * the tensors of `params`, in order (so tf.variableGrads can differentiate them). A training forward updates
   * the BatchNorm buffers. Intermediate tensors are freed; the output is the caller's.
   */
  forward(x: tf.Tensor, weights: readonly tf.Tensor[], mode: ForwardMode): tf.Tensor;
  /**
   * K trials of this architecture at once (runPackedTrials), where every layer packs (see nn/packed.ts): x
   * [K, batch, ...inputShape], weights stacked to [K, ...]; slice k of the output is `forward` on trial k's
   * slice. Absent otherwise. Its layers are mode-free, so it serves training and evaluation alike.
   */
  packedForward?(x: tf.Tensor, weights: readonly tf.Tensor[]): tf.Tensor;
  dispose(): void;
}

function buildModule(layer: ResolvedLayer, index: number, rng: Rng, seed: number): Module {
  const args = new Args(layer, `layer ${index} (${layer.type})`);
  switch (layer.type) {
    case 'Linear':
      return linearModule(args, rng);
    case 'Conv1d':
      return convModule(args, 1, rng);
    case 'Conv2d':
      return convModule(args, 2, rng);
    case 'MaxPool2d':
      return maxPoolModule(args);
    case 'AvgPool2d':
      return avgPoolModule(args);
    case 'AdaptiveAvgPool2d':
      return adaptiveAvgPoolModule(args);
    case 'Flatten':
      return flattenModule(args);
    case 'Dropout':
      return dropoutModule(args, seed, index);
    case 'BatchNorm1d':
      return batchNormModule(args, 1);
    case 'BatchNorm2d':
      return batchNormModule(args, 2);
    case 'LayerNorm':
      return layerNormModule(args);
    case 'Embedding':
      return embeddingModule(args, rng);
    default: {
      const fn = activation(layer.type, args);
      if (fn === null) throw new TrainerError(`unknown layer type "${layer.type}"`, `model/${index}/type`);
      return activationModule(fn);
    }
  }
}

/**
 * The network of `layers` (torch.nn.Sequential of them). Initial parameters are drawn from `rng` (the trial's
 * init stream) in layer order with torch 1.13's initialisers; `seed` (the trial's) keys the dropout masks.
 * `inputShape` (without the batch axis) is checked against each forward's input.
 */
export function buildNetwork(
  layers: readonly ResolvedLayer[],
  inputShape: readonly number[],
  rng: Rng,
  seed: number,
): Network {
  registerNnGradients();
  const modules = layers.map((layer, index) => buildModule(layer, index, rng, seed));
  const params: Parameter[] = [];
  const groups: Record<string, string[]> = {};
  const buffers: Record<string, tf.Variable> = {};
  const offsets: number[] = [];
  modules.forEach((module, index) => {
    const prefix = layers[index]!.name ?? String(index);
    offsets.push(params.length);
    for (const param of module.params)
      params.push(new Parameter(`${prefix}.${param.suffix}`, param.values, param.shape));
    const name = layers[index]!.name;
    if (name !== undefined && module.params.length > 0) {
      if (groups[name] !== undefined)
        throw new TrainerError(`two layers are named "${name}"`, `model/${index}/name`);
      groups[name] = module.params.map((param) => `${prefix}.${param.suffix}`);
    }
    for (const [suffix, buffer] of Object.entries(module.buffers)) buffers[`${prefix}.${suffix}`] = buffer;
  });
  const slices = (weights: readonly tf.Tensor[], index: number) =>
    weights.slice(offsets[index]!, offsets[index]! + modules[index]!.params.length);
  const packed = layers.map((layer, index) => packedForward(layer, modules[index]!));
  const packs = packed.every((forward) => forward !== null);
  return {
    params,
    groups,
    buffers,
    ...(packs
      ? {
          packedForward(x: tf.Tensor, weights: readonly tf.Tensor[]) {
            if (
              x.shape.length !== inputShape.length + 2 ||
              inputShape.some((size, i) => x.shape[i + 2] !== size)
            )
              throw new TrainerError(
                `the packed network expects inputs [K, batch, ${inputShape.join(', ')}], got ${JSON.stringify(x.shape)}`,
              );
            return tf.tidy(() =>
              packed.reduce((h, forward, index) => forward!(h, slices(weights, index)), x),
            );
          },
        }
      : {}),
    forward(x, weights, mode) {
      if (weights.length !== params.length)
        throw new TrainerError(`forward got ${weights.length} weights for ${params.length} parameters`);
      if (x.shape.length !== inputShape.length + 1 || inputShape.some((size, i) => x.shape[i + 1] !== size))
        throw new TrainerError(
          `the network expects inputs [batch, ${inputShape.join(', ')}], got ${JSON.stringify(x.shape)}`,
        );
      return tf.tidy(() =>
        modules.reduce((h, module, index) => module.forward(h, slices(weights, index), mode), x),
      );
    },
    dispose() {
      for (const param of params) param.dispose();
      for (const buffer of Object.values(buffers)) buffer.dispose();
    },
  };
}
