import * as tf from '@tensorflow/tfjs-core';

/**
 * torch's sparse gradient of a 2-D parameter (e.g. an embedding table): `values[k]` is the
 * gradient of row `indices[k]`. Indices may repeat; repeated rows are summed (torch's
 * `coalesce()`), and rows that appear nowhere received no gradient.
 */
export interface SparseGrad {
  indices: tf.Tensor1D;
  values: tf.Tensor2D;
}

export function isSparseGrad(grad: tf.Tensor | SparseGrad): grad is SparseGrad {
  return !(grad instanceof tf.Tensor);
}

/** A named trainable tensor with torch's `param.grad` slot. */
export class Parameter {
  readonly variable: tf.Variable;
  /** d loss / d parameter, as torch's `param.grad`; null when the last backward pass did not reach it. */
  grad: tf.Tensor | SparseGrad | null = null;

  /**
   * @param initial a tensor (copied) or row-major values with `shape` (default: 1-D).
   */
  constructor(
    readonly name: string,
    initial: tf.Tensor | ArrayLike<number>,
    shape?: readonly number[],
  ) {
    this.variable = tf.tidy(() => {
      const value =
        initial instanceof tf.Tensor
          ? tf.clone(tf.cast(initial, 'float32'))
          : tf.tensor(Float32Array.from(initial), shape === undefined ? [initial.length] : [...shape]);
      return tf.variable(shape === undefined ? value : tf.reshape(value, [...shape]), true);
    });
  }

  get shape(): number[] {
    return this.variable.shape;
  }

  get size(): number {
    return this.variable.size;
  }

  /** Frees the gradient (torch's `param.grad = None`). */
  clearGrad(): void {
    if (this.grad === null) return;
    if (isSparseGrad(this.grad)) {
      this.grad.indices.dispose();
      this.grad.values.dispose();
    } else {
      this.grad.dispose();
    }
    this.grad = null;
  }

  dispose(): void {
    this.clearGrad();
    this.variable.dispose();
  }
}
