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

/**
 * x @ weight + bias, with its gradient written out so that every matmul in it has untransposed operands:
 * tfjs-backend-wasm runs only those on XNNPACK and sends a matmul with a transposed operand (which tfjs's
 * own MatMul gradient uses for both dx and dW) to a naive loop (slow_batch_matmul in its
 * batch_mat_mul_impl.cc), an order of magnitude slower for these shapes; an explicit transpose costs far
 * less. With `xIsData` the input gets no gradient at all (it is the batch, not a hidden layer): tfjs only
 * skips the gradients of inputs it does not need, not work inside a custom gradient.
 */
export function linear(x: tf.Tensor, layer: readonly [Parameter, Parameter], xIsData = false): tf.Tensor2D {
  const [weight, bias] = [layer[0].variable, layer[1].variable];
  const forward = (input: tf.Tensor, w: tf.Tensor) =>
    tf.add(tf.matMul(input as tf.Tensor2D, w as tf.Tensor2D), bias);
  const weightGrad = (input: tf.Tensor, dy: tf.Tensor) =>
    tf.matMul(tf.transpose(input as tf.Tensor2D), dy as tf.Tensor2D);
  if (xIsData) {
    return tf.customGrad((...args: CustomGradArgs) => {
      const [w] = args as [tf.Tensor, tf.Tensor];
      return { value: forward(x, w), gradFunc: (dy: tf.Tensor) => [weightGrad(x, dy), tf.sum(dy, 0)] };
    })(weight, bias) as tf.Tensor2D;
  }
  return tf.customGrad((...args: CustomGradArgs) => {
    const [input, w, , save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([input, w]);
    return {
      value: forward(input, w),
      gradFunc: (dy: tf.Tensor, [savedInput, savedW]: tf.Tensor[]) => [
        tf.matMul(dy as tf.Tensor2D, tf.transpose(savedW as tf.Tensor2D)),
        weightGrad(savedInput!, dy),
        tf.sum(dy, 0),
      ],
    };
  })(x, weight, bias) as tf.Tensor2D;
}

type CustomGradArgs = Array<tf.Tensor | tf.GradSaveFunc>;

/**
 * torch.nn.CrossEntropyLoss (mean over the batch) from logits and one-hot targets. Its gradient is the
 * closed form (softmax - target) / batch, three kernels instead of the chain back through logSoftmax.
 */
export function softmaxCrossEntropy(logits: tf.Tensor, oneHot: tf.Tensor): tf.Scalar {
  return tf.customGrad((...args: CustomGradArgs) => {
    const [z, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    const logProbabilities = tf.logSoftmax(z);
    save([logProbabilities]);
    return {
      value: tf.neg(tf.mean(tf.sum(tf.mul(oneHot, logProbabilities), 1))) as tf.Scalar,
      gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) =>
        tf.mul(tf.sub(tf.exp(saved!), oneHot), tf.div(dy, oneHot.shape[0]!)),
    };
  })(logits) as tf.Scalar;
}

/** Fraction of rows whose arg-max matches the one-hot target's. */
export function argMaxAccuracy(logits: tf.Tensor, oneHot: tf.Tensor): tf.Scalar {
  return tf.mean(tf.cast(tf.equal(tf.argMax(logits, 1), tf.argMax(oneHot, 1)), 'float32'));
}
