import * as tf from '@tensorflow/tfjs-core';

type CustomGradArgs = Array<tf.Tensor | tf.GradSaveFunc>;

/**
 * a [m, k] @ b [k, n], with a gradient whose matmuls take untransposed operands: tfjs-backend-wasm runs only
 * those on XNNPACK and sends a transposed operand (which tfjs's own MatMul gradient uses) to a naive loop
 * (see workloads/layers.ts); an explicit transpose costs far less.
 */
export function matMul(a: tf.Tensor, b: tf.Tensor): tf.Tensor2D {
  return tf.customGrad((...args: CustomGradArgs) => {
    const [x, w, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
    save([x, w]);
    return {
      value: tf.matMul(x, w),
      gradFunc: (dy: tf.Tensor, [savedX, savedW]: tf.Tensor[]) => [
        tf.matMul(dy as tf.Tensor2D, tf.transpose(savedW!) as tf.Tensor2D),
        tf.matMul(tf.transpose(savedX!) as tf.Tensor2D, dy as tf.Tensor2D),
      ],
    };
  })(a, b) as tf.Tensor2D;
}

/**
 * A value with no gradient (torch's `.detach()`): its gradient towards `x` is zero, so what it is computed
 * from (comparisons, arg-max) never needs a gradient of its own.
 */
export function detached(x: tf.Tensor, compute: (x: tf.Tensor) => tf.Tensor): tf.Tensor {
  return tf.customGrad((...args: CustomGradArgs) => {
    const [input, save] = args as [tf.Tensor, tf.GradSaveFunc];
    save([input]);
    return {
      value: compute(input),
      gradFunc: (_dy: tf.Tensor, [saved]: tf.Tensor[]) => [tf.zerosLike(saved!)],
    };
  })(x);
}

/**
 * tf.mean(x, axes, keepDims = true) written as a mean and a reshape: the Mean and Sum gradients that
 * @hypersweep/optim registers assume keepDims false (they expand dy again and the shapes clash).
 */
export function meanKeepDims(x: tf.Tensor, axes: number[]): tf.Tensor {
  return tf.reshape(
    tf.mean(x, axes),
    x.shape.map((size, axis) => (axes.includes(axis) ? 1 : size)),
  );
}
