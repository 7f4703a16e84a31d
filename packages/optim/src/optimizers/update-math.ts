import * as tf from '@tensorflow/tfjs-core';
import type { Parameter } from '../autograd/parameter.js';
import { type Scalars, uncachedScalars } from './scalar-cache.js';

/**
 * The gradient torch's update rules start from: negated for `maximize`, then with the L2
 * penalty `weight_decay * param` added (torch: `grad = -grad if maximize`, then
 * `grad = grad.add(param, alpha=weight_decay)`).
 */
export function adjustedGradient(
  param: Parameter,
  grad: tf.Tensor,
  options: Record<string, unknown>,
  scalars: Scalars = uncachedScalars,
): tf.Tensor {
  const directed = options['maximize'] === true ? tf.neg(grad) : grad;
  const decay = (options['weight_decay'] as number | undefined) ?? 0;
  return decay === 0 ? directed : tf.add(directed, tf.mul(param.variable, scalars.of(decay)));
}

/** `average * beta + value * (1 - beta)`: torch's `avg.mul_(beta).add_(value, alpha=1 - beta)`. */
export function runningAverage(
  average: tf.Tensor,
  value: tf.Tensor,
  beta: number,
  scalars: Scalars = uncachedScalars,
): tf.Tensor {
  return tf.add(tf.mul(average, scalars.of(beta)), tf.mul(value, scalars.of(1 - beta)));
}

/** `average * beta + value² * (1 - beta)`: torch's `avg.mul_(beta).addcmul_(v, v, value=1 - beta)`. */
export function runningSquareAverage(
  average: tf.Tensor,
  value: tf.Tensor,
  beta: number,
  scalars: Scalars = uncachedScalars,
): tf.Tensor {
  return tf.add(tf.mul(average, scalars.of(beta)), tf.mul(tf.square(value), scalars.of(1 - beta)));
}

/** `param + value * (numerator / denominator)`: torch's `param.addcdiv_(num, den, value=value)`. */
export function addcdiv(
  param: tf.Tensor,
  numerator: tf.Tensor,
  denominator: tf.Tensor,
  value: number | tf.Scalar,
): tf.Tensor {
  return tf.add(param, tf.mul(tf.div(numerator, denominator), value));
}

/** Increments the state's step counter (torch's `state['step'] += 1`) and returns it. */
export function nextStep(state: Record<string, unknown>): number {
  const step = ((state['step'] as number | undefined) ?? 0) + 1;
  state['step'] = step;
  return step;
}
