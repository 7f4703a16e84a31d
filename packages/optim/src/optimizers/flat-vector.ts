import * as tf from '@tensorflow/tfjs-core';

/* Reductions LBFGS reads back as numbers: torch keeps them as 0-dim float32 tensors. */

/** Float32 dot product read back as a number (torch's 0-dim float32 `a.dot(b)`). */
export function dot(a: tf.Tensor, b: tf.Tensor): number {
  return readScalar(tf.tidy(() => tf.sum(tf.mul(a, b))));
}

export function maxAbs(a: tf.Tensor): number {
  return readScalar(tf.tidy(() => tf.max(tf.abs(a))));
}

export function sumAbs(a: tf.Tensor): number {
  return readScalar(tf.tidy(() => tf.sum(tf.abs(a))));
}

function readScalar(scalar: tf.Tensor): number {
  const value = scalar.dataSync()[0] as number;
  scalar.dispose();
  return value;
}
