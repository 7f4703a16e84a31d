import * as tf from '@tensorflow/tfjs-core';
import type { WindowAxis } from './windows.js';

type CustomGradArgs = Array<tf.Tensor | tf.GradSaveFunc>;

/**
 * torch's CPU max_pool2d, forward and backward, as loops over the tensors' values on the host: for the
 * backends whose tensors live in this process (wasm, cpu), where reading them costs nothing and tfjs's own
 * ops are either wrong (tfjs-backend-wasm's MaxPoolGrad and MaxPoolWithArgmax start each window at FLT_MIN,
 * so all-negative windows come out wrong) or slow (one slice per kernel position). As torch: each window's
 * maximum is its first in row-major order (`val > max`, a NaN wins), padding never wins, and the backward
 * adds each output's gradient to its arg-max in output order, so overlapping windows sum in torch's order.
 */
export function hostMaxPool(x: tf.Tensor, h: WindowAxis, w: WindowAxis): tf.Tensor {
  return tf.customGrad((...args: CustomGradArgs) => {
    const [input, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const [n, c, height, width] = input.shape as [number, number, number, number];
    const values = input.dataSync() as Float32Array;
    const planes = n * c;
    const out = new Float32Array(planes * h.out * w.out);
    const argMax = new Int32Array(out.length);
    let k = 0;
    for (let plane = 0; plane < planes; plane++) {
      const base = plane * height * width;
      for (let i = 0; i < h.out; i++) {
        const top = i * h.stride - h.before;
        for (let j = 0; j < w.out; j++) {
          const left = j * w.stride - w.before;
          let best = Number.NEGATIVE_INFINITY;
          let where = -1;
          for (let a = 0; a < h.kernel; a++) {
            const r = top + a * h.dilation;
            if (r < 0 || r >= height) continue;
            for (let b = 0; b < w.kernel; b++) {
              const col = left + b * w.dilation;
              if (col < 0 || col >= width) continue;
              const index = base + r * width + col;
              const value = values[index]!;
              if (where < 0) where = index;
              if (value > best || Number.isNaN(value)) {
                best = value;
                where = index;
              }
            }
          }
          out[k] = best;
          argMax[k] = where;
          k++;
        }
      }
    }
    const indices = tf.tensor1d(argMax, 'int32');
    save([indices]);
    return {
      value: tf.tensor4d(out, [n, c, h.out, w.out]),
      gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) => {
        const gradient = dy.dataSync() as Float32Array;
        const targets = saved!.dataSync() as Int32Array;
        const dx = new Float32Array(n * c * height * width);
        for (let o = 0; o < targets.length; o++) {
          const target = targets[o]!;
          dx[target] = dx[target]! + gradient[o]!;
        }
        return tf.tensor4d(dx, [n, c, height, width]);
      },
    };
  })(x);
}
