import * as tf from '@tensorflow/tfjs-core';
import type { Parameter } from '../autograd/parameter.js';
import { Optimizer, type ParamGroup, type ParamState } from './optimizer.js';
import { adjustedGradient, nextStep, runningSquareAverage } from './update-math.js';

/**
 * torch.optim.Adadelta (https://pytorch.org/docs/1.13/generated/torch.optim.Adadelta.html,
 * Zeiler 2012): delta = sqrt(acc_delta + eps) / sqrt(square_avg + eps) * g; p -= lr * delta.
 */
export class Adadelta extends Optimizer {
  static override readonly torchType: string = 'Adadelta';

  protected override updateParameter(
    param: Parameter,
    grad: NonNullable<Parameter['grad']>,
    state: ParamState,
    group: ParamGroup,
  ): void {
    const rho = group['rho'] as number;
    const eps = group['eps'] as number;
    const squareAvg = this.zeroState(state, 'square_avg', param);
    const accDelta = this.zeroState(state, 'acc_delta', param);
    nextStep(state);
    const s = this.scalars;
    const gradient = adjustedGradient(param, this.denseGrad(grad), group, s);
    const newSquareAvg = runningSquareAverage(squareAvg, gradient, rho, s);
    const std = tf.sqrt(tf.add(newSquareAvg, s.of(eps)));
    const delta = tf.mul(tf.div(tf.sqrt(tf.add(accDelta, s.of(eps))), std), gradient);
    this.setState(state, 'acc_delta', runningSquareAverage(accDelta, delta, rho, s));
    this.setState(state, 'square_avg', newSquareAvg);
    param.variable.assign(tf.add(param.variable, tf.mul(delta, s.of(-group.lr))));
  }
}
