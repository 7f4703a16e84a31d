import * as tf from '@tensorflow/tfjs-core';
import type { Parameter } from '../autograd/parameter.js';
import { exactMaximum } from '../exact-ops.js';
import { Optimizer, type ParamGroup, type ParamState } from './optimizer.js';
import { addcdiv, adjustedGradient, nextStep, runningAverage } from './update-math.js';

/**
 * torch.optim.Adamax (https://pytorch.org/docs/1.13/generated/torch.optim.Adamax.html):
 * exp_inf = max(beta2 * exp_inf, |g| + eps); p -= lr / (1 - beta1^t) * exp_avg / exp_inf.
 */
export class Adamax extends Optimizer {
  static override readonly torchType: string = 'Adamax';

  protected override updateParameter(
    param: Parameter,
    grad: NonNullable<Parameter['grad']>,
    state: ParamState,
    group: ParamGroup,
  ): void {
    const [beta1, beta2] = group['betas'] as [number, number];
    const expAvg = this.zeroState(state, 'exp_avg', param);
    const expInf = this.zeroState(state, 'exp_inf', param);
    const step = nextStep(state);
    const s = this.scalars;
    const gradient = adjustedGradient(param, this.denseGrad(grad), group, s);
    const newExpAvg = runningAverage(expAvg, gradient, beta1, s);
    const newExpInf = exactMaximum(
      tf.mul(expInf, s.of(beta2)),
      tf.add(tf.abs(gradient), s.of(group['eps'] as number)),
    );
    const clr = group.lr / (1 - beta1 ** step);
    param.variable.assign(addcdiv(param.variable, newExpAvg, newExpInf, -clr));
    this.setState(state, 'exp_avg', newExpAvg);
    this.setState(state, 'exp_inf', newExpInf);
  }
}
