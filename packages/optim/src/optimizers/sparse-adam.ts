import * as tf from '@tensorflow/tfjs-core';
import { isSparseGrad, type Parameter } from '../autograd/parameter.js';
import { Optimizer, type ParamGroup, type ParamState } from './optimizer.js';
import { nextStep } from './update-math.js';

/**
 * torch.optim.SparseAdam (https://pytorch.org/docs/1.13/generated/torch.optim.SparseAdam.html):
 * lazy Adam; only the rows that received a gradient change, in the parameter and in its moments.
 *
 * torch coalesces the sparse gradient (sums repeated rows) and updates those rows with
 * old += (1 - beta) * (new - old), then p -= lr * sqrt(bc2) / bc1 * exp_avg / (sqrt(exp_avg_sq) + eps).
 * Here the coalesced gradient is scattered into a dense tensor (ScatterNd sums duplicates and exists
 * on every backend, unlike UnsortedSegmentSum) and the rows without gradient are masked out, which
 * gives torch's values on the touched rows and leaves the others bit-for-bit unchanged.
 * A dense gradient counts as a gradient for every row.
 */
export class SparseAdam extends Optimizer {
  static override readonly torchType: string = 'SparseAdam';

  protected override updateParameter(
    param: Parameter,
    grad: NonNullable<Parameter['grad']>,
    state: ParamState,
    group: ParamGroup,
  ): void {
    const [beta1, beta2] = group['betas'] as [number, number];
    const expAvg = this.zeroState(state, 'exp_avg', param);
    const expAvgSq = this.zeroState(state, 'exp_avg_sq', param);
    const { dense, rows } = coalesce(grad, param.shape);
    const gradient = group['maximize'] === true ? tf.neg(dense) : dense;
    const step = nextStep(state);
    const masked = (updated: tf.Tensor, old: tf.Tensor) =>
      rows === null ? updated : tf.where(rows, updated, old);
    const newExpAvg = tf.add(expAvg, tf.mul(tf.sub(gradient, expAvg), 1 - beta1));
    const newExpAvgSq = tf.add(expAvgSq, tf.mul(tf.sub(tf.square(gradient), expAvgSq), 1 - beta2));
    const denom = tf.add(tf.sqrt(newExpAvgSq), group['eps'] as number);
    const stepSize = (group.lr * Math.sqrt(1 - beta2 ** step)) / (1 - beta1 ** step);
    const updatedParam = tf.add(param.variable, tf.mul(tf.div(newExpAvg, denom), -stepSize));
    param.variable.assign(masked(updatedParam, param.variable));
    this.setState(state, 'exp_avg', masked(newExpAvg, expAvg));
    this.setState(state, 'exp_avg_sq', masked(newExpAvgSq, expAvgSq));
  }
}

/**
 * A dense copy of the gradient with repeated rows summed, and a boolean mask (broadcastable to
 * the parameter) of the rows that received gradient; `rows` is null for a dense gradient.
 */
function coalesce(
  grad: NonNullable<Parameter['grad']>,
  shape: number[],
): { dense: tf.Tensor; rows: tf.Tensor | null } {
  if (!isSparseGrad(grad)) return { dense: grad, rows: null };
  const indices = tf.expandDims(tf.cast(grad.indices, 'int32'), 1);
  const rowCount = shape[0] ?? 1;
  const dense = tf.scatterND(indices, grad.values, shape);
  const hits = tf.scatterND(indices, tf.ones([grad.indices.shape[0]]), [rowCount]);
  const rowShape = [rowCount, ...shape.slice(1).map(() => 1)];
  const rows = tf.broadcastTo(tf.reshape(tf.greater(hits, 0), rowShape), shape);
  return { dense, rows };
}
