import * as tf from '@tensorflow/tfjs-core';
import { backendKernel, ownKernel } from './kernels.js';

type Explicit = [[number, number], [number, number], [number, number], [number, number]];

/**
 * The convolution kernel: the active backend's FusedConv2D (bias added in the kernel, no activation) on NHWC,
 * its output moved to NCHW in the same kernel, so that the gradient gets dy in NCHW and moves it only once,
 * for what it computes. Its gradients (below) are each taken only where a gradient flows (ownKernel).
 */
const convKernel = ownKernel(
  'HypersweepConv2D',
  (backendName) => {
    const [fused, transpose] = [
      backendKernel(tf.FusedConv2D, backendName),
      backendKernel(tf.Transpose, backendName),
    ];
    return ({ inputs, backend, attrs }) => {
      const nhwc = fused({
        inputs,
        backend,
        attrs: {
          strides: attrs!['strides']!,
          pad: attrs!['pad']!,
          dataFormat: 'NHWC',
          dilations: [1, 1],
          dimRoundingMode: 'floor',
          activation: 'linear',
          leakyreluAlpha: 0,
        },
      }) as tf.TensorInfo;
      const nchw = transpose({
        inputs: { x: nhwc },
        backend,
        attrs: { perm: [0, 3, 1, 2] },
      }) as tf.TensorInfo;
      (backend as tf.KernelBackend).disposeData(nhwc.dataId);
      return nchw;
    };
  },
  ['x', 'filter'],
  (dy, [x, filter], attrs) => {
    const stride = attrs['strides'] as [number, number];
    const explicit = attrs['pad'] as unknown as Explicit;
    const [xs, ws, dy4] = [x as tf.Tensor4D, filter as tf.Tensor4D, dy as tf.Tensor4D];
    return {
      x: () =>
        inputGradient(tf.transpose(dy4, [0, 2, 3, 1]) as tf.Tensor4D, ws, xs.shape, stride, [
          explicit[1],
          explicit[2],
        ]),
      filter: () => filterGradient(dy4, xs, ws.shape, stride, explicit),
      // Over N, H and W: H and W first (innermost, no transpose), then the batch.
      bias: () => tf.sum(tf.sum(tf.reshape(dy4, [dy4.shape[0], dy4.shape[1], -1]), 2), 0),
    };
  },
);

/**
 * The convolution of NHWC x [N, H, W, C] with filter [kh, kw, C, O] (no dilation: a dilated kernel is passed
 * with its zeros written in, see dilateFilter), plus bias [O] if given, stride and explicit padding [[top,
 * bottom], [left, right]]; NCHW [N, O, oh, ow], torch's layout. All three products are tfjs Conv2D kernels
 * (XNNPACK on wasm), on every backend:
 * - the input gradient is the convolution of dy (stride written in as zeros, padded by kernel - 1 - padding)
 *   with the flipped filter, its in and out channels swapped: tfjs-backend-wasm's Conv2DBackpropInput is a
 *   naive loop, five times slower on a 16 -> 32 channel 3x3 layer. It is only computed where a gradient flows
 *   to x (not for a first layer's input, the data);
 * - tfjs-backend-wasm has no Conv2DBackpropFilter, so the filter gradient is a convolution too: with the
 *   batch as channels, dW[a, b, c, o] = Σ_{n,i,j} xpad[n, a + s i, b + s j, c] dy[n, i, j, o] is
 *   conv2d(xpad as [C, Hp, Wp, N], dy as a filter [oh, ow, N, O], dilated by the stride), cut to the kernel
 *   (faster than tfjs-backend-cpu's own Conv2DBackpropFilter too).
 */
export function conv2dToNchw(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  bias: tf.Tensor | undefined,
  stride: [number, number],
  padding: [[number, number], [number, number]],
): tf.Tensor4D {
  const pad: Explicit = [[0, 0], padding[0], padding[1], [0, 0]];
  return convKernel(bias === undefined ? { x, filter } : { x, filter, bias }, {
    strides: stride,
    pad: pad as unknown as number[][] as never,
  }) as tf.Tensor4D;
}

/** d loss / d filter of conv2dToNchw (see there), dy NCHW: one convolution with the batch as channels. */
function filterGradient(
  dy: tf.Tensor4D,
  x: tf.Tensor4D,
  [kh, kw]: [number, number, number, number],
  stride: [number, number],
  explicit: Explicit,
): tf.Tensor4D {
  // Transposed to [C, H, W, N] before padding: padding rows of N values is faster than rows of C (often 1).
  const padded = tf.pad(transposeOrReshape(x, [3, 1, 2, 0]), explicit) as tf.Tensor4D;
  const full = tf.conv2d(padded, tf.transpose(dy, [2, 3, 0, 1]) as tf.Tensor4D, 1, 'valid', 'NHWC', stride);
  return tf.transpose(
    tf.slice(full, [0, 0, 0, 0], [full.shape[0], kh, kw, full.shape[3]]),
    [1, 2, 0, 3],
  ) as tf.Tensor4D;
}

/** tf.transpose, or a reshape where the permutation only moves axes of size 1 (the same values in order). */
export function transposeOrReshape(x: tf.Tensor, perm: number[]): tf.Tensor {
  const moved = perm.filter((axis) => x.shape[axis] !== 1);
  const kept = moved.every((axis, i) => i === 0 || axis > moved[i - 1]!);
  return kept
    ? tf.reshape(
        x,
        perm.map((axis) => x.shape[axis]!),
      )
    : tf.transpose(x, perm);
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
 * d loss / d x of conv2dToNchw (dy here NHWC): dy spread by the stride, padded so that a 'valid' convolution with the flipped
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
