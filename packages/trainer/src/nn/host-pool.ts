import * as tf from '@tensorflow/tfjs-core';
import type { WindowAxis } from './windows.js';

type CustomGradArgs = Array<tf.Tensor | tf.GradSaveFunc>;

/** What hostValues reads of tfjs-backend-wasm (4.22): where each tensor's values sit in the module's heap. */
interface WasmBackendLike {
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  wasm: { HEAPU8: { buffer: ArrayBuffer } };
}

const onWasm = () => tf.getBackend() === 'wasm';

/**
 * A tensor's values without a copy where the backend keeps them in this process: on wasm a view of the
 * module's heap (valid until the next tensor is allocated, which may grow and move the heap: read it before
 * making any), elsewhere dataSync (the cpu backend's own array). A copy of a whole activation costs more than
 * the pooling loop: these machines take page faults on every fresh megabyte.
 */
function hostValues(t: tf.Tensor): Float32Array | Int32Array {
  if (onWasm()) {
    const backend = tf.backend() as unknown as Partial<WasmBackendLike>;
    const memoryOffset = backend.dataIdMap?.get(t.dataId)?.memoryOffset;
    if (memoryOffset !== undefined && backend.wasm !== undefined) {
      const view = t.dtype === 'int32' ? Int32Array : Float32Array;
      return new view(backend.wasm.HEAPU8.buffer, memoryOffset, t.size);
    }
  }
  return t.dataSync() as Float32Array | Int32Array;
}

/**
 * Buffers for results that go straight into a tensor: reused on wasm (tf.tensor copies them into the heap), a
 * fresh array elsewhere (the cpu backend keeps the array it is given). `zero` clears a reused one.
 */
const scratch = { float: new Float32Array(0), int: new Int32Array(0) };
function floatBuffer(length: number, zero: boolean): Float32Array {
  if (!onWasm()) return new Float32Array(length);
  if (scratch.float.length < length) scratch.float = new Float32Array(length);
  const buffer = scratch.float.subarray(0, length);
  if (zero) buffer.fill(0);
  return buffer;
}
function intBuffer(length: number): Int32Array {
  if (!onWasm()) return new Int32Array(length);
  if (scratch.int.length < length) scratch.int = new Int32Array(length);
  return scratch.int.subarray(0, length);
}

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
    const values = hostValues(input);
    const planes = n * c;
    const out = floatBuffer(planes * h.out * w.out, false);
    const argMax = intBuffer(out.length);
    const loop = { values, out, argMax, planes, height, width, h, w };
    if (!(insideInput(h, height) && insideInput(w, width))) maxPoolClipped(loop);
    else if (h.kernel === 2 && w.kernel === 2 && h.dilation === 1 && w.dilation === 1) maxPool2x2(loop);
    else maxPoolInside(loop);
    const indices = tf.tensor1d(argMax, 'int32');
    save([indices]);
    return {
      value: tf.tensor4d(out, [n, c, h.out, w.out]),
      gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) => {
        const gradient = hostValues(dy);
        const targets = hostValues(saved!);
        const dx = floatBuffer(n * c * height * width, true);
        for (let o = 0; o < targets.length; o++) {
          const target = targets[o]!;
          dx[target] = dx[target]! + gradient[o]!;
        }
        return tf.tensor4d(dx, [n, c, height, width]);
      },
    };
  })(x);
}

/** A max pool's input values, [planes, height, width], and where its outputs and arg-maxes go. */
interface PoolLoop {
  values: Float32Array | Int32Array;
  out: Float32Array;
  argMax: Int32Array;
  planes: number;
  height: number;
  width: number;
  h: WindowAxis;
  w: WindowAxis;
}

/** Whether every window of the axis lies in the input (no padding, none reaching past the end). */
const insideInput = (axis: WindowAxis, length: number) =>
  axis.before === 0 && (axis.out - 1) * axis.stride + (axis.kernel - 1) * axis.dilation < length;

/**
 * hostMaxPool's loop where every window lies in the input (no bounds checks): each window starts from its
 * first value, then takes a later one that is larger or NaN, as maxPoolClipped does.
 */
function maxPoolInside({ values, out, argMax, planes, height, width, h, w }: PoolLoop): void {
  const [rowStep, colStep] = [h.dilation * width, w.dilation];
  let k = 0;
  for (let plane = 0; plane < planes; plane++) {
    const base = plane * height * width;
    for (let i = 0; i < h.out; i++) {
      const top = base + i * h.stride * width;
      for (let j = 0; j < w.out; j++) {
        const start = top + j * w.stride;
        let where = start;
        let best = values[start]!;
        for (let a = 0; a < h.kernel; a++) {
          const row = start + a * rowStep;
          for (let b = 0; b < w.kernel; b++) {
            const index = row + b * colStep;
            const value = values[index]!;
            // biome-ignore lint/suspicious/noSelfCompare: value !== value is NaN, without a call per value.
            if (value > best || value !== value) {
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
}

/** maxPoolInside for 2x2 windows without dilation, unrolled: a third faster in V8 than its loops. */
function maxPool2x2({ values, out, argMax, planes, height, width, h, w }: PoolLoop): void {
  let k = 0;
  for (let plane = 0; plane < planes; plane++) {
    const base = plane * height * width;
    for (let i = 0; i < h.out; i++) {
      let start = base + i * h.stride * width;
      for (let j = 0; j < w.out; j++, start += w.stride) {
        let where = start;
        let best = values[start]!;
        let value = values[start + 1]!;
        if (value > best || Number.isNaN(value)) {
          best = value;
          where = start + 1;
        }
        value = values[start + width]!;
        if (value > best || Number.isNaN(value)) {
          best = value;
          where = start + width;
        }
        value = values[start + width + 1]!;
        if (value > best || Number.isNaN(value)) {
          best = value;
          where = start + width + 1;
        }
        out[k] = best;
        argMax[k] = where;
        k++;
      }
    }
  }
}

/** hostMaxPool's loop for windows that reach into the padding or past the input: those cells never win. */
function maxPoolClipped({ values, out, argMax, planes, height, width, h, w }: PoolLoop): void {
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
}
