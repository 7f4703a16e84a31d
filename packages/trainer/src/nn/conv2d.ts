import * as tf from '@tensorflow/tfjs-core';

type CustomGradArgs = Array<tf.Tensor | tf.GradSaveFunc>;

/**
 * The convolution of NHWC x [N, H, W, C] with filter [kh, kw, C, O] (no dilation: a dilated kernel is passed
 * with its zeros written in, see dilateFilter), stride and explicit padding [[top, bottom], [left, right]];
 * [N, oh, ow, O]. All three products are tfjs Conv2D kernels (XNNPACK on wasm), on every backend:
 * - the input gradient is the convolution of dy (stride written in as zeros, padded by kernel - 1 - padding)
 *   with the flipped filter, its in and out channels swapped: tfjs-backend-wasm's Conv2DBackpropInput is a
 *   naive loop, five times slower on a 16 -> 32 channel 3x3 layer;
 * - tfjs-backend-wasm has no Conv2DBackpropFilter, so the filter gradient is a convolution too: with the
 *   batch as channels, dW[a, b, c, o] = Σ_{n,i,j} xpad[n, a + s i, b + s j, c] dy[n, i, j, o] is
 *   conv2d(xpad as [C, Hp, Wp, N], dy as a filter [oh, ow, N, O], dilated by the stride), cut to the kernel
 *   (faster than tfjs-backend-cpu's own Conv2DBackpropFilter too).
 */
export function conv2dNhwc(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  stride: [number, number],
  padding: [[number, number], [number, number]],
): tf.Tensor4D {
  const explicit: [[number, number], [number, number], [number, number], [number, number]] = [
    [0, 0],
    padding[0],
    padding[1],
    [0, 0],
  ];
  return tf.customGrad((...args: CustomGradArgs) => {
    const [input, w, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
    save([input, w]);
    return {
      value: tf.conv2d(input, w, stride, explicit),
      gradFunc: (dy: tf.Tensor, [savedX, savedW]: tf.Tensor[]) => {
        const [xs, ws] = [savedX as tf.Tensor4D, savedW as tf.Tensor4D];
        const dy4 = dy as tf.Tensor4D;
        const [kh, kw] = [ws.shape[0], ws.shape[1]];
        const dx = inputGradient(dy4, ws, xs.shape, stride, padding);
        const padded = tf.pad(xs, explicit);
        const full = tf.conv2d(
          tf.transpose(padded, [3, 1, 2, 0]) as tf.Tensor4D,
          tf.transpose(dy4, [1, 2, 0, 3]) as tf.Tensor4D,
          1,
          'valid',
          'NHWC',
          stride,
        );
        const dw = tf.transpose(
          tf.slice(full, [0, 0, 0, 0], [full.shape[0], kh, kw, full.shape[3]]),
          [1, 2, 0, 3],
        );
        return [dx, dw];
      },
    };
  })(x, filter) as tf.Tensor4D;
}

/** A filter [kh, kw, C, O] with dilation written in as zeros: [(kh - 1) dh + 1, (kw - 1) dw + 1, C, O]. */
export function dilateFilter(filter: tf.Tensor4D, dilation: [number, number]): tf.Tensor4D {
  const [dh, dw] = dilation;
  if (dh === 1 && dw === 1) return filter;
  const [kh, kw, c, o] = filter.shape;
  const spread = tf.pad(tf.reshape(filter, [kh, 1, kw, 1, c, o]), [
    [0, 0],
    [0, dh - 1],
    [0, 0],
    [0, dw - 1],
    [0, 0],
    [0, 0],
  ]);
  return tf.slice(
    tf.reshape(spread, [kh * dh, kw * dw, c, o]),
    [0, 0, 0, 0],
    [(kh - 1) * dh + 1, (kw - 1) * dw + 1, c, o],
  ) as tf.Tensor4D;
}

/** dy [N, oh, ow, O] with stride - 1 zeros between its rows and columns: [N, (oh - 1) sh + 1, (ow - 1) sw + 1, O]. */
function spreadByStride(dy: tf.Tensor4D, [sh, sw]: [number, number]): tf.Tensor4D {
  if (sh === 1 && sw === 1) return dy;
  const [n, oh, ow, o] = dy.shape;
  const spread = tf.pad(tf.reshape(dy, [n, oh, 1, ow, 1, o]), [
    [0, 0],
    [0, 0],
    [0, sh - 1],
    [0, 0],
    [0, sw - 1],
    [0, 0],
  ]);
  return tf.slice(
    tf.reshape(spread, [n, oh * sh, ow * sw, o]),
    [0, 0, 0, 0],
    [n, (oh - 1) * sh + 1, (ow - 1) * sw + 1, o],
  ) as tf.Tensor4D;
}

/**
 * d loss / d x of conv2dNhwc: dy spread by the stride, padded so that a 'valid' convolution with the flipped
 * filter [kh, kw, O, C] gives back x's shape (kernel - 1 - before on top, kernel - 1 - after plus the rows the
 * last window never reached at the bottom; a padding larger than the kernel crops instead).
 */
function inputGradient(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  xShape: [number, number, number, number],
  stride: [number, number],
  padding: [[number, number], [number, number]],
): tf.Tensor4D {
  const [kh, kw] = [filter.shape[0], filter.shape[1]];
  const spread = spreadByStride(dy, stride);
  const edges = [0, 1].map((axis) => {
    const k = axis === 0 ? kh : kw;
    const length = xShape[axis + 1]!;
    const [before, after] = padding[axis]!;
    const remainder = (length + before + after - k) % stride[axis]!;
    return [k - 1 - before, k - 1 - after + remainder] as [number, number];
  });
  const padded = tf.pad(spread, [
    [0, 0],
    [Math.max(0, edges[0]![0]), Math.max(0, edges[0]![1])],
    [Math.max(0, edges[1]![0]), Math.max(0, edges[1]![1])],
    [0, 0],
  ]);
  const cropped = edges.flat().some((edge) => edge < 0)
    ? tf.slice(
        padded,
        [0, Math.max(0, -edges[0]![0]), Math.max(0, -edges[1]![0]), 0],
        [
          padded.shape[0],
          padded.shape[1] - Math.max(0, -edges[0]![0]) - Math.max(0, -edges[0]![1]),
          padded.shape[2] - Math.max(0, -edges[1]![0]) - Math.max(0, -edges[1]![1]),
          padded.shape[3],
        ],
      )
    : padded;
  const flipped = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
  return tf.conv2d(cropped as tf.Tensor4D, flipped, 1, 'valid');
}
