import * as tf from '@tensorflow/tfjs-core';
import type { Parameter } from '../autograd/parameter.js';
import { Optimizer, type ParamGroup, type ParamGroupInput, type ParamState } from './optimizer.js';
import { addcdiv, adjustedGradient, nextStep } from './update-math.js';

/**
 * torch.optim.Adagrad (https://pytorch.org/docs/1.13/generated/torch.optim.Adagrad.html):
 * sum += g²; p -= clr * g / (sqrt(sum) + eps) with clr = lr / (1 + (step - 1) * lr_decay).
 * As in torch, the state (step 0, sum = initial_accumulator_value) exists from construction.
 */
export class Adagrad extends Optimizer {
  static override readonly torchType: string = 'Adagrad';

  constructor(
    params: readonly Parameter[] | readonly ParamGroupInput[],
    options: Record<string, unknown> = {},
  ) {
    super(params, options);
    for (const group of this.paramGroups) {
      for (const param of group.params) {
        const initial = group['initial_accumulator_value'] as number;
        this.state.set(param, { step: 0, sum: tf.keep(tf.fill(param.shape, initial)) });
      }
    }
  }

  protected override updateParameter(
    param: Parameter,
    grad: NonNullable<Parameter['grad']>,
    state: ParamState,
    group: ParamGroup,
  ): void {
    const sum = this.stateTensor(state, 'sum', () =>
      tf.fill(param.shape, group['initial_accumulator_value'] as number),
    );
    const step = nextStep(state);
    const gradient = adjustedGradient(param, this.denseGrad(grad), group, this.scalars);
    const clr = group.lr / (1 + (step - 1) * (group['lr_decay'] as number));
    const newSum = tf.add(sum, tf.square(gradient));
    const std = tf.add(tf.sqrt(newSum), this.scalars.of(group['eps'] as number));
    param.variable.assign(addcdiv(param.variable, gradient, std, -clr));
    this.setState(state, 'sum', newSum);
  }
}
