import * as tf from '@tensorflow/tfjs-core';

/** Where update rules get their scalar operands: a cached tensor, or the number itself. */
export interface Scalars {
  of(value: number): tf.Scalar | number;
}

/** Plain numbers: tfjs uploads a fresh scalar tensor per use. */
export const uncachedScalars: Scalars = { of: (value) => value };

/**
 * Scalar tensors for an optimizer's hyper-parameters (betas, 1 - beta, eps, momentum, ...),
 * created once and reused every step: uploading a fresh scalar costs about as much as a small
 * element-wise op on the wasm backend. Least recently used entries beyond `capacity` are freed,
 * so values a scheduler changes every step cannot pile up.
 */
export class ScalarCache implements Scalars {
  private readonly cache = new Map<string, tf.Scalar>();

  constructor(private readonly capacity = 64) {}

  of(value: number): tf.Scalar {
    // Object.is semantics: -0 and 0 are different scalars (x * -0 is -0).
    const key = Object.is(value, -0) ? '-0' : String(value);
    const cached = this.cache.get(key);
    if (cached !== undefined) {
      this.cache.delete(key);
      this.cache.set(key, cached);
      return cached;
    }
    const created = tf.keep(tf.scalar(value, 'float32'));
    this.cache.set(key, created);
    if (this.cache.size > this.capacity) {
      const [oldestKey, oldest] = this.cache.entries().next().value as [string, tf.Scalar];
      this.cache.delete(oldestKey);
      oldest.dispose();
    }
    return created;
  }

  dispose(): void {
    for (const scalar of this.cache.values()) scalar.dispose();
    this.cache.clear();
  }
}
