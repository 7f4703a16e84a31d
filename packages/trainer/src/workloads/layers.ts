import { Parameter } from '@hypersweep/optim';
import * as tf from '@tensorflow/tfjs-core';
import { backendChoiceFlag } from '../backend.js';
import type { Rng } from '../rng.js';

/**
 * Weight [fanIn, fanOut] (x @ W layout, as the goldens store it) and bias [fanOut] of a dense
 * layer, initialised like torch.nn.Linear: kaiming_uniform_(a=sqrt(5)) for the weight and
 * U(-1/sqrt(fanIn), 1/sqrt(fanIn)) for the bias, both of which reduce to that same bound
 * (https://pytorch.org/docs/1.13/generated/torch.nn.Linear.html). The values come from `rng`,
 * not torch's generator, so the distribution matches torch but the numbers do not.
 *
 * `drawn: 'torch'` draws the weight in torch's [fanOut, fanIn] order (as the nn package's Linear does, so a
 * workload and the same network given as a model start from the same weights) and stores its transpose.
 */
export function linearParameters(
  rng: Rng,
  prefix: string,
  fanIn: number,
  fanOut: number,
  drawn: 'x@W' | 'torch' = 'x@W',
): [Parameter, Parameter] {
  const bound = 1 / Math.sqrt(fanIn);
  const values = rng.fillUniform(new Float32Array(fanIn * fanOut), -bound, bound);
  const weight = drawn === 'x@W' ? values : transposed(values, fanOut, fanIn);
  const bias = rng.fillUniform(new Float32Array(fanOut), -bound, bound);
  return [
    new Parameter(`${prefix}.weight`, weight, [fanIn, fanOut]),
    new Parameter(`${prefix}.bias`, bias, [fanOut]),
  ];
}

/** The [columns, rows] transpose of a row-major [rows, columns] matrix. */
function transposed(values: Float32Array, rows: number, columns: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < columns; c++) out[c * rows + r] = values[r * columns + c]!;
  return out;
}

/**
 * tfjs flag: how a rank-3 (packed) matmul runs, 'auto' (by backend), 'batched' or 'slices'. 'auto' takes
 * 'slices' on the backends whose BatchMatMul does not compute each slice as their 2-D MatMul does:
 * tfjs-backend-wasm runs a 2-D matmul on XNNPACK but any batch of more than one on a blocked naive loop
 * (slow_batch_matmul in its batch_mat_mul_impl.cc), which sums the inner dimension in blocks of 48 (another
 * rounding: up to ~1e-4 relative on a 784-wide product) and is much slower. There a packed matmul is one
 * 2-D matmul per slice. tfjs-backend-cpu runs both through the same loop, bit for bit (test/packed.test.ts
 * checks both).
 */
export const PACKED_MATMUL_FLAG = 'HYPERSWEEP_PACKED_MATMUL';
const packedMatMul = backendChoiceFlag(PACKED_MATMUL_FLAG, 'slices', 'batched', ['wasm']);

/** Whether a packed matmul runs as one 2-D matmul per slice here (PACKED_MATMUL_FLAG). */
export const packedMatMulRunsSlices = (): boolean => packedMatMul() === 'slices';

/**
 * a @ b; for stacks, [K, m, n] @ [K, n, p], K independent products: one batched matmul, or one 2-D matmul per
 * slice where PACKED_MATMUL_FLAG says so.
 */
function matMul(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  if (a.rank === 2 || packedMatMul() === 'batched') return tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D);
  const [as, bs] = [tf.unstack(a), tf.unstack(b)];
  const products = as.map((slice, k) => tf.matMul(slice as tf.Tensor2D, bs[k] as tf.Tensor2D));
  const stacked = tf.stack(products);
  tf.dispose([...as, ...bs, ...products]);
  return stacked;
}

/** The transpose of the last two axes (of a matrix, or of each matrix of a stack). */
function transposeLast(x: tf.Tensor): tf.Tensor {
  return x.rank === 2 ? tf.transpose(x) : tf.transpose(x, [0, 2, 1]);
}

/**
 * x @ weight + bias, with its gradient written out so that every matmul in it has untransposed operands:
 * tfjs-backend-wasm runs only those on XNNPACK and sends a matmul with a transposed operand (which tfjs's
 * own MatMul gradient uses for both dx and dW) to a naive loop (slow_batch_matmul in its
 * batch_mat_mul_impl.cc), an order of magnitude slower for these shapes; an explicit transpose costs far
 * less. With `xIsData` the input gets no gradient at all (it is the batch, not a hidden layer): tfjs only
 * skips the gradients of inputs it does not need, not work inside a custom gradient.
 *
 * Packed (runPackedTrials): x [K, batch, fanIn], weight [K, fanIn, fanOut] and bias [K, fanOut] hold K
 * trials' batches and layers, and every product, sum and gradient is taken per trial along the first axis.
 */
export function linear(x: tf.Tensor, layer: readonly [tf.Tensor, tf.Tensor], xIsData = false): tf.Tensor {
  const [weight, bias] = layer;
  // The batch axis: 0 for one trial, 1 for a pack (whose bias broadcasts over it as [K, 1, fanOut]).
  const batchAxis = x.rank - 2;
  const forward = (input: tf.Tensor, w: tf.Tensor, b: tf.Tensor) =>
    tf.add(matMul(input, w), batchAxis === 0 ? b : tf.expandDims(b, 1));
  const weightGrad = (input: tf.Tensor, dy: tf.Tensor) => matMul(transposeLast(input), dy);
  if (xIsData) {
    return tf.customGrad((...args: CustomGradArgs) => {
      const [w, b] = args as [tf.Tensor, tf.Tensor];
      return {
        value: forward(x, w, b),
        gradFunc: (dy: tf.Tensor) => [weightGrad(x, dy), tf.sum(dy, batchAxis)],
      };
    })(weight, bias);
  }
  return tf.customGrad((...args: CustomGradArgs) => {
    const [input, w, b, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([input, w]);
    return {
      value: forward(input, w, b),
      gradFunc: (dy: tf.Tensor, [savedInput, savedW]: tf.Tensor[]) => [
        matMul(dy, transposeLast(savedW!)),
        weightGrad(savedInput!, dy),
        tf.sum(dy, batchAxis),
      ],
    };
  })(x, weight, bias);
}

type CustomGradArgs = Array<tf.Tensor | tf.GradSaveFunc>;

/**
 * torch.nn.CrossEntropyLoss (mean over the batch) from logits and one-hot targets. Its gradient is the
 * closed form (softmax - target) / batch, three kernels instead of the chain back through logSoftmax.
 * Packed ([K, batch, classes]) it is the K trials' losses, [K].
 */
export function softmaxCrossEntropy(logits: tf.Tensor, oneHot: tf.Tensor): tf.Tensor {
  const batch = oneHot.shape[oneHot.rank - 2]!;
  return tf.customGrad((...args: CustomGradArgs) => {
    const [z, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const logProbabilities = tf.logSoftmax(z);
    save([logProbabilities]);
    return {
      value: tf.neg(tf.mean(tf.sum(tf.mul(oneHot, logProbabilities), -1), -1)),
      gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) =>
        tf.mul(
          tf.sub(tf.exp(saved!), oneHot),
          tf.div(dy.rank === 0 ? dy : tf.reshape(dy, [-1, 1, 1]), batch),
        ),
    };
  })(logits);
}

/** Fraction of rows whose arg-max matches the one-hot target's. */
export function argMaxAccuracy(logits: tf.Tensor, oneHot: tf.Tensor): tf.Scalar {
  return tf.mean(tf.cast(tf.equal(tf.argMax(logits, 1), tf.argMax(oneHot, 1)), 'float32'));
}
