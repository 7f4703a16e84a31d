import * as tf from '@tensorflow/tfjs-core';

/** One spatial axis of a sliding window (convolution or pooling), in torch's terms. */
export interface WindowAxis {
  kernel: number;
  stride: number;
  dilation: number;
  /** Padding before and after (torch's 'same' pads asymmetrically for even kernels). */
  before: number;
  after: number;
  /** Output length. */
  out: number;
}

/** Output length of a convolution: floor((L + before + after - d(k-1) - 1) / s) + 1. */
export function convOut(length: number, axis: Omit<WindowAxis, 'out'>): number {
  return (
    Math.floor((length + axis.before + axis.after - axis.dilation * (axis.kernel - 1) - 1) / axis.stride) + 1
  );
}

/**
 * Output length of torch's pooling (pooling_output_shape in ATen's Pool.h): with ceil_mode the last window
 * may run past the input, but it must start inside the input or its left padding.
 */
export function poolOut(
  length: number,
  kernel: number,
  stride: number,
  padding: number,
  dilation: number,
  ceilMode: boolean,
): number {
  const span = length + 2 * padding - dilation * (kernel - 1) - 1 + (ceilMode ? stride - 1 : 0);
  let out = Math.floor(span / stride) + 1;
  if (ceilMode && (out - 1) * stride >= length + padding) out -= 1;
  return out;
}

/**
 * Every kernel position's view of x [N, C, H, W]: kernel_h * kernel_w tensors [N, C, outH, outW], row-major
 * over the kernel (torch's weight order), element (n, c, i, j) of view (a, b) being padded x at
 * (i * stride_h + a * dilation_h, j * stride_w + b * dilation_w). Padding (and whatever the last windows need
 * beyond it) is `padValue`. Strides are taken by reshaping an axis into [length / stride, stride] and slicing
 * (tfjs has no gradient for StridedSlice), so pad, slice and reshape carry the gradient on every backend.
 */
export function windowViews(x: tf.Tensor4D, h: WindowAxis, w: WindowAxis, padValue: number): tf.Tensor4D[] {
  const [n, c, height, width] = x.shape;
  const extent = (axis: WindowAxis) =>
    axis.stride * (Math.floor((axis.dilation * (axis.kernel - 1)) / axis.stride) + axis.out);
  const [totalH, totalW] = [extent(h), extent(w)];
  const afterH = totalH - height - h.before;
  const afterW = totalW - width - w.before;
  let padded: tf.Tensor = tf.reshape(x, [n * c, height, width]);
  if (h.before > 0 || w.before > 0 || afterH > 0 || afterW > 0) {
    padded = tf.pad(
      padded,
      [
        [0, 0],
        [h.before, Math.max(0, afterH)],
        [w.before, Math.max(0, afterW)],
      ],
      padValue,
    );
  }
  if (afterH < 0 || afterW < 0) padded = tf.slice(padded, [0, 0, 0], [n * c, totalH, totalW]);
  // Rows first, then columns of each row selection: slices of rank 4 at most, which tfjs-backend-wasm runs in
  // a tight loop (rank 5 and up go through a generic per-element path, ten times slower).
  const rowGrid = tf.reshape(padded, [n * c, totalH / h.stride, h.stride, totalW]);
  const views: tf.Tensor4D[] = [];
  for (let a = 0; a < h.kernel; a++) {
    const offH = a * h.dilation;
    const rows = tf.slice(
      rowGrid,
      [0, Math.floor(offH / h.stride), offH % h.stride, 0],
      [n * c, h.out, 1, totalW],
    );
    const columnGrid = tf.reshape(rows, [n * c * h.out, totalW / w.stride, w.stride]);
    for (let b = 0; b < w.kernel; b++) {
      const offW = b * w.dilation;
      const view = tf.slice(
        columnGrid,
        [0, Math.floor(offW / w.stride), offW % w.stride],
        [n * c * h.out, w.out, 1],
      );
      views.push(tf.reshape(view, [n, c, h.out, w.out]));
    }
  }
  return views;
}
