import { Parameter } from '@hypersweep/optim';
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../rng.js';

/**
 * Weight [fanIn, fanOut] (x @ W layout, as the goldens store it) and bias [fanOut] of a dense
 * layer, initialised like torch.nn.Linear: kaiming_uniform_(a=sqrt(5)) for the weight and
 * U(-1/sqrt(fanIn), 1/sqrt(fanIn)) for the bias, both of which reduce to that same bound
 * (https://pytorch.org/docs/1.13/generated/torch.nn.Linear.html). The values come from `rng`,
 * not torch's generator, so the distribution matches torch but the numbers do not.
 */
export function linearParameters(
  rng: Rng,
  prefix: string,
  fanIn: number,
  fanOut: number,
): [Parameter, Parameter] {
  const bound = 1 / Math.sqrt(fanIn);
  const weight = rng.fillUniform(new Float32Array(fanIn * fanOut), -bound, bound);
  const bias = rng.fillUniform(new Float32Array(fanOut), -bound, bound);
  return [
    new Parameter(`${prefix}.weight`, weight, [fanIn, fanOut]),
    new Parameter(`${prefix}.bias`, bias, [fanOut]),
  ];
}

/** x @ weight + bias. */
export function linear(x: tf.Tensor, layer: readonly [Parameter, Parameter]): tf.Tensor2D {
  return tf.add(tf.matMul(x as tf.Tensor2D, layer[0].variable as tf.Tensor2D), layer[1].variable);
}

/** torch.nn.CrossEntropyLoss (mean over the batch) from logits and one-hot targets. */
export function softmaxCrossEntropy(logits: tf.Tensor, oneHot: tf.Tensor): tf.Scalar {
  return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1)));
}

/** Fraction of rows whose arg-max matches the one-hot target's. */
export function argMaxAccuracy(logits: tf.Tensor, oneHot: tf.Tensor): tf.Scalar {
  return tf.mean(tf.cast(tf.equal(tf.argMax(logits, 1), tf.argMax(oneHot, 1)), 'float32'));
}
