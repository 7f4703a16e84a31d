import * as tf from '@tensorflow/tfjs-core';
import type { Parameter } from '../autograd/parameter.js';
import { Optimizer, type ParamGroup, type ParamState } from './optimizer.js';
import { addcdiv, adjustedGradient, nextStep, runningAverage, runningSquareAverage } from './update-math.js';

/**
 * torch.optim.RMSprop (https://pytorch.org/docs/1.13/generated/torch.optim.RMSprop.html):
 * avg = sqrt(square_avg [- grad_avg² if centered]) + eps; p -= lr * g / avg, through a momentum
 * buffer when momentum > 0.
 */
export class RMSprop extends Optimizer {
  static override readonly torchType: string = 'RMSprop';

  protected override updateParameter(
    param: Parameter,
    grad: NonNullable<Parameter['grad']>,
    state: ParamState,
    group: ParamGroup,
  ): void {
    const alpha = group['alpha'] as number;
    const momentum = group['momentum'] as number;
    const zeros = () => tf.zerosLike(param.variable);
    const squareAvg = this.stateTensor(state, 'square_avg', zeros);
    nextStep(state);
    const s = this.scalars;
    const gradient = adjustedGradient(param, this.denseGrad(grad), group, s);
    const newSquareAvg = runningSquareAverage(squareAvg, gradient, alpha, s);
    this.setState(state, 'square_avg', newSquareAvg);
    let variance = newSquareAvg;
    if (group['centered'] === true) {
      const gradAvg = runningAverage(this.stateTensor(state, 'grad_avg', zeros), gradient, alpha, s);
      this.setState(state, 'grad_avg', gradAvg);
      variance = tf.sub(newSquareAvg, tf.square(gradAvg));
    }
    const avg = tf.add(tf.sqrt(variance), s.of(group['eps'] as number));
    if (momentum > 0) {
      const buffer = tf.add(
        tf.mul(this.stateTensor(state, 'momentum_buffer', zeros), s.of(momentum)),
        tf.div(gradient, avg),
      );
      this.setState(state, 'momentum_buffer', buffer);
      param.variable.assign(tf.add(param.variable, tf.mul(buffer, s.of(-group.lr))));
    } else {
      param.variable.assign(addcdiv(param.variable, gradient, avg, s.of(-group.lr)));
    }
  }
}
