import * as tf from '@tensorflow/tfjs-core';
import type { Parameter } from './parameter.js';
import { registerGradients } from './register-gradients.js';

/**
 * Evaluates `loss` and stores d loss / d param into every parameter's `grad` (disposing the
 * previous one; parameters the loss does not depend on get null), as torch's
 * `zero_grad(); loss.backward()`. Returns the loss value. One tf.variableGrads call.
 */
export function computeGradients(params: readonly Parameter[], loss: () => tf.Scalar): number {
  const value = takeGradients(params, loss);
  const lossValue = value.dataSync()[0] as number;
  value.dispose();
  return lossValue;
}

/**
 * computeGradients without reading the loss back: returns the loss tensor (the caller disposes it), for a
 * caller that reads it asynchronously (the webgpu backend in Node reads only with data()).
 */
export function takeGradients(params: readonly Parameter[], loss: () => tf.Scalar): tf.Scalar {
  registerGradients();
  const { value, grads } = tf.variableGrads(
    loss,
    params.map((param) => param.variable),
  );
  for (const param of params) {
    param.clearGrad();
    param.grad = grads[param.variable.name] ?? null;
  }
  return value;
}
