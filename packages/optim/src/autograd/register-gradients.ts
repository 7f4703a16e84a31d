import * as tf from '@tensorflow/tfjs-core';
import { exactSign } from '../exact-ops.js';

/**
 * Gradient functions for the kernels our losses use.
 *
 * @tensorflow/tfjs-core's Node bundle registers no gradients: the full @tensorflow/tfjs package
 * does that (dist/register_all_gradients), and it is not a dependency here (its ESM sources cannot
 * be loaded by Node directly either). Nothing registers them on import: `registerGradients()` is
 * called by computeGradients (and by code that takes tf gradients itself) before the first use. These follow tfjs's own gradient definitions
 * (tfjs-core/src/gradients/*_grad.ts). A kernel that already has a gradient (e.g. when
 * @tensorflow/tfjs or tfjs-node is loaded) keeps it.
 */

type GradFunc = (
  dy: tf.Tensor,
  saved: tf.Tensor[],
  attrs: Record<string, unknown>,
) => Record<string, () => tf.Tensor>;

/** Sums `dy` over the axes that broadcasting added, back to `shape`. */
function unbroadcast(dy: tf.Tensor, shape: number[]): tf.Tensor {
  const axes = tf.backend_util.getReductionAxes(shape, dy.shape);
  const reduced = axes.length > 0 ? tf.sum(dy, axes) : dy;
  return tf.reshape(reduced, shape);
}

function binary(grad: (dy: tf.Tensor, a: tf.Tensor, b: tf.Tensor) => [tf.Tensor, tf.Tensor]): {
  inputsToSave: string[];
  gradFunc: GradFunc;
} {
  return {
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => {
      const [da, db] = grad(dy, a!, b!);
      return { a: () => unbroadcast(da, a!.shape), b: () => unbroadcast(db, b!.shape) };
    },
  };
}

function unaryOfInput(grad: (dy: tf.Tensor, x: tf.Tensor) => tf.Tensor) {
  return { inputsToSave: ['x'], gradFunc: ((dy, [x]) => ({ x: () => grad(dy, x!) })) as GradFunc };
}

function unaryOfOutput(grad: (dy: tf.Tensor, y: tf.Tensor) => tf.Tensor) {
  return { outputsToSave: [true], gradFunc: ((dy, [y]) => ({ x: () => grad(dy, y!) })) as GradFunc };
}

/** dy of a reduction, broadcast back over the reduced axes of `x`. */
function expandReduction(dy: tf.Tensor, x: tf.Tensor, axis: unknown): tf.Tensor {
  const axes = tf.util.parseAxisParam(axis as number | number[], x.shape);
  const kept = tf.backend_util.expandShapeToKeepDim(dy.shape, axes);
  return tf.mul(tf.reshape(dy, kept), tf.ones(x.shape));
}

const configs: Record<
  string,
  { inputsToSave?: string[]; outputsToSave?: boolean[]; saveAllInputs?: boolean; gradFunc: GradFunc }
> = {
  [tf.Add]: binary((dy) => [dy, dy]),
  [tf.AddN]: {
    saveAllInputs: true,
    gradFunc: (dy, saved) => Object.fromEntries(saved.map((_, i) => [String(i), () => tf.clone(dy)])),
  },
  [tf.Sub]: binary((dy) => [dy, tf.neg(dy)]),
  [tf.Multiply]: binary((dy, a, b) => [tf.mul(dy, b), tf.mul(dy, a)]),
  [tf.RealDiv]: binary((dy, a, b) => [tf.div(dy, b), tf.neg(tf.div(tf.mul(dy, a), tf.square(b)))]),
  [tf.SquaredDifference]: binary((dy, a, b) => {
    const twice = tf.mul(dy, tf.mul(2, tf.sub(a, b)));
    return [twice, tf.neg(twice)];
  }),
  [tf.Maximum]: binary((dy, a, b) => [
    tf.mul(dy, tf.cast(tf.greaterEqual(a, b), 'float32')),
    tf.mul(dy, tf.cast(tf.less(a, b), 'float32')),
  ]),
  [tf.Minimum]: binary((dy, a, b) => [
    tf.mul(dy, tf.cast(tf.lessEqual(a, b), 'float32')),
    tf.mul(dy, tf.cast(tf.greater(a, b), 'float32')),
  ]),
  [tf.Neg]: { gradFunc: (dy) => ({ x: () => tf.neg(dy) }) },
  [tf.Square]: unaryOfInput((dy, x) => tf.mul(dy, tf.mul(2, x))),
  [tf.Sqrt]: unaryOfInput((dy, x) => tf.div(dy, tf.mul(2, tf.sqrt(x)))),
  [tf.Exp]: unaryOfOutput((dy, y) => tf.mul(dy, y)),
  [tf.Log]: unaryOfInput((dy, x) => tf.div(dy, x)),
  [tf.Abs]: unaryOfInput((dy, x) => tf.mul(dy, exactSign(x))),
  [tf.Relu]: unaryOfInput((dy, x) => tf.mul(dy, tf.cast(tf.greater(x, 0), 'float32'))),
  [tf.Sigmoid]: unaryOfOutput((dy, y) => tf.mul(dy, tf.mul(y, tf.sub(1, y)))),
  [tf.Tanh]: unaryOfOutput((dy, y) => tf.mul(dy, tf.sub(1, tf.square(y)))),
  [tf.Softplus]: unaryOfInput((dy, x) => tf.mul(dy, tf.sigmoid(x))),
  [tf.Cast]: { gradFunc: (dy) => ({ x: () => tf.clone(dy) }) },
  [tf.Reshape]: { inputsToSave: ['x'], gradFunc: (dy, [x]) => ({ x: () => tf.reshape(dy, x!.shape) }) },
  [tf.Sum]: {
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => ({ x: () => expandReduction(dy, x!, attrs['axis']) }),
  },
  [tf.Mean]: {
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => ({
      x: () => {
        const axes = tf.util.parseAxisParam(attrs['axis'] as number | number[], x!.shape);
        const count = axes.reduce((product, axis) => product * x!.shape[axis]!, 1);
        return tf.div(expandReduction(dy, x!, axes), count);
      },
    }),
  },
  [tf.BatchMatMul]: {
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b], attrs) => {
      const transposeA = attrs['transposeA'] === true;
      const transposeB = attrs['transposeB'] === true;
      if (!transposeA && !transposeB) {
        return { a: () => tf.matMul(dy, b!, false, true), b: () => tf.matMul(a!, dy, true, false) };
      }
      if (!transposeA && transposeB) {
        return { a: () => tf.matMul(dy, b!, false, false), b: () => tf.matMul(dy, a!, true, false) };
      }
      if (transposeA && !transposeB) {
        return { a: () => tf.matMul(b!, dy, false, true), b: () => tf.matMul(a!, dy, false, false) };
      }
      return { a: () => tf.matMul(b!, dy, true, true), b: () => tf.matMul(dy, a!, true, true) };
    },
  },
  [tf.Slice]: {
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => {
      const [begin, size] = tf.slice_util.parseSliceParams(
        x as tf.TensorInfo as never,
        attrs['begin'] as number[],
        attrs['size'] as number[],
      );
      const paddings = x!.shape.map(
        (dim, i) => [begin![i]!, dim - begin![i]! - size![i]!] as [number, number],
      );
      return { x: () => tf.pad(dy, paddings) };
    },
  },
  [tf.Transpose]: {
    gradFunc: (dy, _saved, attrs) => {
      const perm = attrs['perm'] as number[];
      const inverse = perm.map((_, i) => perm.indexOf(i));
      return { x: () => tf.transpose(dy, inverse) };
    },
  },
  [tf.ClipByValue]: {
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => ({
      x: () =>
        tf.mul(
          dy,
          tf.cast(
            tf.logicalAnd(
              tf.greaterEqual(x!, attrs['clipValueMin'] as number),
              tf.lessEqual(x!, attrs['clipValueMax'] as number),
            ),
            'float32',
          ),
        ),
    }),
  },
  [tf.Softmax]: {
    outputsToSave: [true],
    gradFunc: (dy, [y], attrs) => {
      const dim = attrs['dim'] as number;
      return { logits: () => tf.sub(tf.mul(dy, y!), tf.mul(y!, tf.sum(tf.mul(dy, y!), dim, true))) };
    },
  },
  [tf.GatherV2]: {
    inputsToSave: ['x', 'indices'],
    gradFunc: (dy, [x, indices], attrs) => {
      const axis = tf.util.parseAxisParam(attrs['axis'] as number, x!.shape)[0];
      if (axis !== 0 || ((attrs['batchDims'] as number | undefined) ?? 0) !== 0) {
        throw new Error('the gather gradient is implemented for axis 0 only');
      }
      // ScatterNd sums repeated rows and exists on every backend (wasm lacks UnsortedSegmentSum).
      return {
        x: () => {
          const flat = tf.reshape(tf.cast(indices!, 'int32'), [-1, 1]);
          const rows = tf.reshape(dy, [flat.shape[0], ...x!.shape.slice(1)]);
          return tf.scatterND(flat, rows, x!.shape);
        },
        indices: () => tf.zerosLike(indices!),
      };
    },
  },
};

let registered = false;

/** Registers the gradients above for kernels that have none yet; idempotent. */
export function registerGradients(): void {
  if (registered) return;
  registered = true;
  for (const [kernelName, config] of Object.entries(configs)) {
    if (tf.getGradient(kernelName) != null) continue;
    tf.registerGradient({ kernelName, ...config } as tf.GradConfig);
  }
}
