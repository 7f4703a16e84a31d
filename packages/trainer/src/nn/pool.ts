import * as tf from '@tensorflow/tfjs-core';
import { backendChoiceFlag } from '../backend.js';
import { TrainerError } from '../errors.js';
import type { Args } from './args.js';
import { hostMaxPool } from './host-pool.js';
import { detached, meanKeepDims } from './matmul.js';
import type { Module } from './types.js';
import { poolOut, type WindowAxis, windowViews } from './windows.js';

/**
 * tfjs flag: where a max pool runs, 'auto' (by backend), 'host' or 'device'. 'auto' takes 'host' (hostMaxPool:
 * loops over the values, exact and fast) on the backends whose tensors live in this process's memory, and
 * 'device' (tfjs ops only: a reshape for non-overlapping windows, one slice per kernel position otherwise)
 * elsewhere. Tests run both.
 */
export const MAX_POOL_ON_FLAG = 'HYPERSWEEP_MAX_POOL_ON';
const maxPoolOn = backendChoiceFlag(MAX_POOL_ON_FLAG, 'host', 'device', ['wasm', 'cpu']);

/** float32's lowest value: the padding of a max pool (never the maximum of a window, which always holds input). */
const LOWEST = -3.4028234663852886e38;

type CustomGradArgs = Array<tf.Tensor | tf.GradSaveFunc>;

/**
 * x [N, C, H, W] padded for a 'valid' pooling that yields exactly torch's windows: `before` on top and left,
 * and after them torch's padding or whatever the last (ceil_mode) window needs. NHWC, or NCHW with `nchw`.
 */
function padForPooling(x: tf.Tensor, h: WindowAxis, w: WindowAxis, value: number, nchw = false): tf.Tensor4D {
  const input = (nchw ? x : tf.transpose(x, [0, 2, 3, 1])) as tf.Tensor4D;
  const after = (axis: WindowAxis, length: number) =>
    Math.max(length + axis.before + axis.after, (axis.out - 1) * axis.stride + axis.kernel) -
    length -
    axis.before;
  const [afterH, afterW] = [after(h, x.shape[2]!), after(w, x.shape[3]!)];
  if (h.before === 0 && w.before === 0 && afterH === 0 && afterW === 0) return input;
  const spatial: Array<[number, number]> = [
    [h.before, afterH],
    [w.before, afterW],
  ];
  return tf.pad(input, nchw ? [[0, 0], [0, 0], ...spatial] : [[0, 0], ...spatial, [0, 0]], value);
}

/**
 * Max pooling over non-overlapping windows (kernel = stride, no dilation), [N, C, oh, ow]: each window's
 * values gathered by a reshape and a transpose, times a detached one-hot of their first arg-max (the gradient
 * goes to the first maximum in row-major order, as in torch).
 */
function tiledMaxPool(x: tf.Tensor, h: WindowAxis, w: WindowAxis): tf.Tensor {
  const [n, c] = [x.shape[0]!, x.shape[1]!];
  let padded: tf.Tensor = padForPooling(x, h, w, LOWEST, true);
  const [tileH, tileW] = [h.out * h.kernel, w.out * w.kernel];
  if (padded.shape[2] !== tileH || padded.shape[3] !== tileW)
    padded = tf.slice(padded, [0, 0, 0, 0], [n, c, tileH, tileW]);
  const windows = tf.reshape(
    tf.transpose(tf.reshape(padded, [n, c, h.out, h.kernel, w.out, w.kernel]), [0, 1, 2, 4, 3, 5]),
    [n, c, h.out, w.out, h.kernel * w.kernel],
  );
  const first = detached(windows, (v) => tf.cast(tf.oneHot(tf.argMax(v, 4), h.kernel * w.kernel), 'float32'));
  return tf.sum(tf.mul(windows, first), 4);
}

/**
 * tfjs's AvgPool kernel ('valid') on NHWC x, with its gradient from the AvgPoolGrad kernel (tfjs-core's Node
 * bundle registers none). Max pooling does not use tfjs's kernels: tfjs-backend-wasm's MaxPoolGrad and
 * MaxPoolWithArgmax start each window's maximum at FLT_MIN, so a window of negative values gets a wrong
 * output or gradient (the nn reference cases caught it).
 */
function nativeAvgPool(x: tf.Tensor4D, h: WindowAxis, w: WindowAxis): tf.Tensor4D {
  const filterSize: [number, number] = [h.kernel, w.kernel];
  const strides: [number, number] = [h.stride, w.stride];
  return tf.customGrad((...args: CustomGradArgs) => {
    const [input, save] = args as [tf.Tensor4D, tf.GradSaveFunc];
    save([input]);
    return {
      value: tf.avgPool(input, filterSize, strides, 'valid'),
      gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) =>
        tf
          .engine()
          .runKernel(
            tf.AvgPoolGrad,
            { dy, input: saved! },
            { filterSize, strides, pad: 'valid' },
          ) as tf.Tensor,
    };
  })(x) as tf.Tensor4D;
}

function poolAxes(args: Args, x: tf.Tensor, dilation: number[], what: string): [WindowAxis, WindowAxis] {
  if (x.rank !== 4) throw new TrainerError(`${what} expects [N, C, H, W], got ${JSON.stringify(x.shape)}`);
  const kernel = args.ints('kernel_size', 2);
  const stride = args.ints('stride', 2);
  const padding = args.ints('padding', 2);
  const ceilMode = args.boolean('ceil_mode');
  if (padding.some((p, i) => p < 0 || p > kernel[i]! / 2))
    throw new TrainerError(
      `${what}: pad should be at most half of kernel size, got padding ${JSON.stringify(padding)}`,
    );
  return [0, 1].map((i) => {
    const out = poolOut(x.shape[2 + i]!, kernel[i]!, stride[i]!, padding[i]!, dilation[i]!, ceilMode);
    if (out < 1)
      throw new TrainerError(`${what}: input ${JSON.stringify(x.shape)} is smaller than the window`);
    return {
      kernel: kernel[i]!,
      stride: stride[i]!,
      dilation: dilation[i]!,
      before: padding[i]!,
      after: padding[i]!,
      out,
    };
  }) as [WindowAxis, WindowAxis];
}

/**
 * torch.nn.MaxPool2d (kernel, stride, padding, dilation, ceil_mode). The gradient goes to the first maximum
 * of each window in row-major order, as torch's CPU kernel picks it (ties included): the output is the sum of
 * the window's views times a detached one-hot of their arg-max.
 */
export function maxPoolModule(args: Args): Module {
  const dilation = args.ints('dilation', 2);
  return {
    params: [],
    buffers: {},
    forward(x) {
      const [h, w] = poolAxes(args, x, dilation, 'MaxPool2d');
      if (maxPoolOn() === 'host') return hostMaxPool(x, h, w);
      const tiled = h.dilation === 1 && w.dilation === 1 && h.kernel === h.stride && w.kernel === w.stride;
      if (tiled) return tiledMaxPool(x, h, w);
      // Overlapping or dilated windows: every kernel position's view (many slices: slow on large inputs) and a
      // detached one-hot of the first arg-max.
      const stacked = tf.stack(windowViews(x as tf.Tensor4D, h, w, LOWEST), 4);
      const k = h.kernel * w.kernel;
      const first = detached(stacked, (s) => tf.cast(tf.oneHot(tf.argMax(s, 4), k), 'float32'));
      return tf.sum(tf.mul(stacked, first), 4);
    },
  };
}

/**
 * torch.nn.AvgPool2d (kernel, stride, padding, ceil_mode, count_include_pad, divisor_override): the window's
 * sum divided by torch's divisor for that position (avg_pool2d's CPU kernel: windows clipped to the padded
 * input count its padding, or only the input without count_include_pad).
 */
export function avgPoolModule(args: Args): Module {
  const countIncludePad = args.boolean('count_include_pad');
  const divisorOverride = args.numberOrNull('divisor_override');
  return {
    params: [],
    buffers: {},
    forward(x) {
      const [h, w] = poolAxes(args, x, [1, 1], 'AvgPool2d');
      const [height, width] = [x.shape[2]!, x.shape[3]!];
      const divisor = new Float32Array(h.out * w.out);
      for (let i = 0; i < h.out; i++) {
        for (let j = 0; j < w.out; j++) {
          let [h0, w0] = [i * h.stride - h.before, j * w.stride - w.before];
          let [h1, w1] = [
            Math.min(h0 + h.kernel, height + h.before),
            Math.min(w0 + w.kernel, width + w.before),
          ];
          const poolSize = (h1 - h0) * (w1 - w0);
          [h0, w0, h1, w1] = [Math.max(h0, 0), Math.max(w0, 0), Math.min(h1, height), Math.min(w1, width)];
          divisor[i * w.out + j] = divisorOverride ?? (countIncludePad ? poolSize : (h1 - h0) * (w1 - w0));
        }
      }
      // The kernel's mean over the whole (zero-padded) window, rescaled to torch's divisor.
      const scale = divisor.map((d) => (h.kernel * w.kernel) / d);
      const mean = nativeAvgPool(padForPooling(x, h, w, 0), h, w);
      return tf.transpose(tf.mul(mean, tf.tensor3d(scale, [h.out, w.out, 1])), [0, 3, 1, 2]);
    },
  };
}

/** torch.nn.AdaptiveAvgPool2d: output cell i of an axis averages input [floor(i L / out), ceil((i + 1) L / out)). */
export function adaptiveAvgPoolModule(args: Args): Module {
  const raw = args.raw('output_size');
  const outputSize = Array.isArray(raw) ? raw : [raw, raw];
  const bins = (x: tf.Tensor, axis: 2 | 3, out: number): tf.Tensor => {
    const length = x.shape[axis]!;
    if (out === length) return x;
    const cells: tf.Tensor[] = [];
    for (let i = 0; i < out; i++) {
      const start = Math.floor((i * length) / out);
      const end = Math.ceil(((i + 1) * length) / out);
      const begin = [0, 0, 0, 0];
      const size = [...x.shape];
      begin[axis] = start;
      size[axis] = end - start;
      cells.push(meanKeepDims(tf.slice(x, begin, size), [axis]));
    }
    return cells.length === 1 ? cells[0]! : tf.concat(cells, axis);
  };
  return {
    params: [],
    buffers: {},
    forward(x) {
      if (x.rank !== 4)
        throw new TrainerError(`AdaptiveAvgPool2d expects [N, C, H, W], got ${JSON.stringify(x.shape)}`);
      const [oh, ow] = outputSize.map((size, i) => (typeof size === 'number' ? size : x.shape[2 + i]!));
      return bins(bins(x, 2, oh!), 3, ow!);
    },
  };
}

/** torch.nn.Flatten(start_dim, end_dim): dims of the batched tensor, negative ones from the end. */
export function flattenModule(args: Args): Module {
  const [startDim, endDim] = [args.integer('start_dim'), args.integer('end_dim')];
  return {
    params: [],
    buffers: {},
    forward(x) {
      const start = startDim < 0 ? startDim + x.rank : startDim;
      const end = endDim < 0 ? endDim + x.rank : endDim;
      if (!(start >= 0 && start <= end && end < x.rank))
        throw new TrainerError(`Flatten(${startDim}, ${endDim}) does not fit an input of rank ${x.rank}`);
      const merged = x.shape.slice(start, end + 1).reduce((a, b) => a * b, 1);
      return tf.reshape(x, [...x.shape.slice(0, start), merged, ...x.shape.slice(end + 1)]);
    },
  };
}
