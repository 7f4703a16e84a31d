import * as tf from '@tensorflow/tfjs-core';

type CustomGradArgs = Array<tf.Tensor | tf.GradSaveFunc>;

/**
 * The convolution of NHWC x [N, H, W, C] with filter [kh, kw, C, O] (no dilation: a dilated kernel is passed
 * with its zeros written in, see dilateFilter), stride and explicit padding [[top, bottom], [left, right]];
 * [N, oh, ow, O]. Forward and input gradient run tfjs's Conv2D and Conv2DBackpropInput kernels (XNNPACK on
 * wasm). tfjs-backend-wasm has no Conv2DBackpropFilter, so the filter gradient is itself a convolution, on
 * every backend: with the batch as channels, dW[a, b, c, o] = Σ_{n,i,j} xpad[n, a + s i, b + s j, c] dy[n, i, j, o]
 * is conv2d(xpad as [C, Hp, Wp, N], dy as a filter [oh, ow, N, O], dilated by the stride), cut to the kernel.
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
        const dx = tf.conv2dTranspose(dy4, ws, xs.shape, stride, explicit);
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
