import * as tf from '@tensorflow/tfjs-core';
import { TrainerError } from '../errors.js';
import type { Args } from './args.js';
import { detached, meanKeepDims } from './matmul.js';
import type { Module } from './types.js';
import { poolOut, type WindowAxis, windowViews } from './windows.js';

/** float32's lowest value: the padding of a max pool (never the maximum of a window, which always holds input). */
const LOWEST = -3.4028234663852886e38;

function poolAxes(args: Args, x: tf.Tensor, dilation: number[], what: string): [WindowAxis, WindowAxis] {
  if (x.rank !== 4) throw new TrainerError(`${what} expects [N, C, H, W], got ${JSON.stringify(x.shape)}`);
  const kernel = args.ints('kernel_size', 2);
  const stride = args.ints('stride', 2);
  const padding = args.ints('padding', 2);
  const ceilMode = args.boolean('ceil_mode');
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
      return tf.div(tf.addN(windowViews(x as tf.Tensor4D, h, w, 0)), tf.tensor2d(divisor, [h.out, w.out]));
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
