import * as tf from '@tensorflow/tfjs-core';
import type { Parameter } from '../autograd/parameter.js';
import { exactMaximum } from '../exact-ops.js';
import type { ParamGroup, ParamState } from './optimizer.js';
import type { Scalars } from './scalar-cache.js';
import { addcdiv, adjustedGradient, nextStep, runningAverage, runningSquareAverage } from './update-math.js';

/** How the Adam update stores a state tensor (the optimizer's keep-and-replace). */
export type StateSetter = (key: string, value: tf.Tensor) => void;
export type StateGetter = (key: string) => tf.Tensor;

/**
 * torch 1.13's `_single_tensor_adam`, shared by Adam and AdamW (`decoupled`: AdamW's
 * param *= 1 - lr * weight_decay instead of the L2 term in the gradient). Bias corrections and
 * the step size are float64 scalars as in torch; the denominator is
 * (sqrt(v) / sqrt(bias_correction2)) + eps, exactly torch's placement of eps.
 */
export function adamUpdate(
  param: Parameter,
  grad: tf.Tensor,
  state: ParamState,
  group: ParamGroup,
  decoupled: boolean,
  scalars: Scalars,
  getState: StateGetter,
  setState: StateSetter,
): void {
  const [beta1, beta2] = group['betas'] as [number, number];
  const weightDecay = group['weight_decay'] as number;
  const expAvg = getState('exp_avg');
  const expAvgSq = getState('exp_avg_sq');
  const step = nextStep(state);
  let value: tf.Tensor = param.variable;
  let gradient: tf.Tensor;
  if (decoupled) {
    value = tf.mul(value, 1 - group.lr * weightDecay);
    gradient = adjustedGradient(param, grad, { maximize: group['maximize'] });
  } else {
    gradient = adjustedGradient(param, grad, group, scalars);
  }
  const newExpAvg = runningAverage(expAvg, gradient, beta1, scalars);
  let secondMoment = runningSquareAverage(expAvgSq, gradient, beta2, scalars);
  setState('exp_avg', newExpAvg);
  setState('exp_avg_sq', secondMoment);
  if (group['amsgrad'] === true) {
    secondMoment = exactMaximum(getState('max_exp_avg_sq'), secondMoment);
    setState('max_exp_avg_sq', secondMoment);
  }
  const biasCorrection1 = 1 - beta1 ** step;
  const biasCorrection2Sqrt = Math.sqrt(1 - beta2 ** step);
  const denom = tf.add(
    tf.div(tf.sqrt(secondMoment), biasCorrection2Sqrt),
    scalars.of(group['eps'] as number),
  );
  param.variable.assign(addcdiv(value, newExpAvg, denom, -(group.lr / biasCorrection1)));
}
