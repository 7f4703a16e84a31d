import * as tf from '@tensorflow/tfjs-core';
import { TrainerError } from '../errors.js';
import type { Rng } from '../rng.js';
import type { Args } from './args.js';
import { conv2dToNchw, dilateFilter, transposeOrReshape } from './conv2d.js';
import { uniformParam } from './init.js';
import { matMul } from './matmul.js';
import type { Module } from './types.js';
import { convOut, type WindowAxis } from './windows.js';

/**
 * torch.nn.Linear: weight [out, in] (torch's layout, so state_dicts map one to one), bias [out]; x [..., in].
 * Initialised as torch 1.13: kaiming_uniform_(a=sqrt(5)) and U(±1/sqrt(in)), both bound 1/sqrt(in).
 */
export function linearModule(args: Args, rng: Rng): Module {
  const [inFeatures, outFeatures] = [args.integer('in_features'), args.integer('out_features')];
  const bias = args.boolean('bias');
  const bound = 1 / Math.sqrt(inFeatures);
  const params = [uniformParam(rng, 'weight', [outFeatures, inFeatures], bound)];
  if (bias) params.push(uniformParam(rng, 'bias', [outFeatures], bound));
  return {
    params,
    buffers: {},
    forward(x, [weight, b]) {
      if (x.shape[x.rank - 1] !== inFeatures)
        throw new TrainerError(
          `Linear(${inFeatures}, ${outFeatures}) got an input of shape ${JSON.stringify(x.shape)}`,
        );
      const rows = tf.reshape(x, [-1, inFeatures]);
      const product = matMul(rows, tf.transpose(weight!));
      const out = b === undefined ? product : tf.add(product, b);
      return tf.reshape(out, [...x.shape.slice(0, -1), outFeatures]);
    },
  };
}

/**
 * torch.nn.Conv1d / Conv2d with stride, padding (integers, 'valid', or 'same' split as torch does: the odd
 * pixel of an even kernel after), dilation and groups; padding_mode 'zeros'. Weight [out, in/groups, ...kernel]
 * as torch's. Runs on NHWC with tfjs's convolution kernels (conv2dToNchw, which also says how the filter
 * gradient is taken; the bias is added in the kernel); tfjs has no grouped convolution, so groups are sliced
 * apart and concatenated.
 * Conv1d is Conv2d on [N, C, 1, L].
 */
export function convModule(args: Args, dims: 1 | 2, rng: Rng): Module {
  const inChannels = args.integer('in_channels');
  const outChannels = args.integer('out_channels');
  const kernel = args.ints('kernel_size', dims);
  const stride = args.ints('stride', dims);
  const dilation = args.ints('dilation', dims);
  const groups = args.integer('groups');
  const bias = args.boolean('bias');
  if (args.string('padding_mode') !== 'zeros')
    throw new TrainerError(`Conv${dims}d: only padding_mode 'zeros' is supported`);
  if (inChannels % groups !== 0 || outChannels % groups !== 0)
    throw new TrainerError(`Conv${dims}d: in_channels and out_channels must be divisible by groups`);
  const raw = args.raw('padding');
  const padding: Array<[number, number]> =
    raw === 'valid'
      ? kernel.map(() => [0, 0])
      : raw === 'same'
        ? kernel.map((k, i) => {
            if (stride[i] !== 1) throw new TrainerError(`Conv${dims}d: padding='same' needs stride 1`);
            const total = dilation[i]! * (k - 1);
            return [Math.floor(total / 2), total - Math.floor(total / 2)];
          })
        : args.ints('padding', dims).map((p) => [p, p]);
  const perGroup = inChannels / groups;
  const kernelSize = kernel.reduce((a, b) => a * b, 1);
  const bound = 1 / Math.sqrt(perGroup * kernelSize);
  const params = [uniformParam(rng, 'weight', [outChannels, perGroup, ...kernel], bound)];
  if (bias) params.push(uniformParam(rng, 'bias', [outChannels], bound));
  // Conv1d runs as Conv2d with a kernel of height 1.
  const axis = (i: number): Omit<WindowAxis, 'out'> =>
    dims === 1 && i === 0
      ? { kernel: 1, stride: 1, dilation: 1, before: 0, after: 0 }
      : (() => {
          const j = dims === 1 ? 0 : i;
          return {
            kernel: kernel[j]!,
            stride: stride[j]!,
            dilation: dilation[j]!,
            before: padding[j]![0],
            after: padding[j]![1],
          };
        })();
  return {
    params,
    buffers: {},
    forward(x, [weight, b]) {
      if (x.rank !== dims + 2 || x.shape[1] !== inChannels)
        throw new TrainerError(
          `Conv${dims}d(${inChannels}, ${outChannels}) expects [N, ${inChannels}, ${dims === 1 ? 'L' : 'H, W'}], got ${JSON.stringify(x.shape)}`,
        );
      const x4 = (dims === 1 ? tf.expandDims(x, 2) : x) as tf.Tensor4D;
      const [height, width] = [x4.shape[2], x4.shape[3]];
      const [h, w] = [axis(0), axis(1)];
      if (convOut(height, h) < 1 || convOut(width, w) < 1)
        throw new TrainerError(`Conv${dims}d: input ${JSON.stringify(x.shape)} is smaller than the kernel`);
      const nhwc = transposeOrReshape(x4, [0, 2, 3, 1]) as tf.Tensor4D;
      // torch's [O, C/groups, kh, kw] -> [kh, kw, C/groups, O], dilation written in.
      const filter = dilateFilter(
        tf.reshape(tf.transpose(weight!, dims === 1 ? [2, 1, 0] : [2, 3, 1, 0]), [
          h.kernel,
          w.kernel,
          perGroup,
          outChannels,
        ]) as tf.Tensor4D,
        [h.dilation, w.dilation],
      );
      const stride: [number, number] = [h.stride, w.stride];
      const pads: [[number, number], [number, number]] = [
        [h.before, h.after],
        [w.before, w.after],
      ];
      const outPerGroup = outChannels / groups;
      const outputs: tf.Tensor[] = [];
      for (let g = 0; g < groups; g++) {
        const part = (t: tf.Tensor4D, size: number) =>
          groups === 1
            ? t
            : (tf.slice(t, [0, 0, 0, g * size], [...t.shape.slice(0, 3), size]) as tf.Tensor4D);
        const groupBias = b === undefined || groups === 1 ? b : tf.slice(b, [g * outPerGroup], [outPerGroup]);
        outputs.push(conv2dToNchw(part(nhwc, perGroup), part(filter, outPerGroup), groupBias, stride, pads));
      }
      const nchw = groups === 1 ? outputs[0]! : tf.concat(outputs, 1);
      return dims === 1 ? tf.squeeze(nchw, [2]) : nchw;
    },
  };
}
