import * as tf from '@tensorflow/tfjs-core';
import type { Parameter } from '../autograd/parameter.js';
import { Optimizer, type ParamGroup, type ParamState } from './optimizer.js';
import { adjustedGradient, nextStep, runningAverage, runningSquareAverage } from './update-math.js';

/**
 * torch.optim.RAdam (https://pytorch.org/docs/1.13/generated/torch.optim.RAdam.html, Liu et al.
 * 2019): the adaptive term is used only once the variance estimate is tractable (rho_t > 5),
 * scaled by the rectification term; before that the update is bias-corrected momentum SGD.
 */
export class RAdam extends Optimizer {
  static override readonly torchType: string = 'RAdam';

  protected override updateParameter(
    param: Parameter,
    grad: NonNullable<Parameter['grad']>,
    state: ParamState,
    group: ParamGroup,
  ): void {
    const [beta1, beta2] = group['betas'] as [number, number];
    const expAvg = this.zeroState(state, 'exp_avg', param);
    const expAvgSq = this.zeroState(state, 'exp_avg_sq', param);
    const step = nextStep(state);
    const s = this.scalars;
    const gradient = adjustedGradient(param, this.denseGrad(grad), group, s);
    const newExpAvg = runningAverage(expAvg, gradient, beta1, s);
    const newExpAvgSq = runningSquareAverage(expAvgSq, gradient, beta2, s);
    this.setState(state, 'exp_avg', newExpAvg);
    this.setState(state, 'exp_avg_sq', newExpAvgSq);
    const biasCorrection1 = 1 - beta1 ** step;
    const biasCorrection2 = 1 - beta2 ** step;
    const correctedExpAvg = tf.div(newExpAvg, biasCorrection1);
    const rhoInf = 2 / (1 - beta2) - 1;
    const rhoT = rhoInf - (2 * step * beta2 ** step) / biasCorrection2;
    let update = tf.mul(correctedExpAvg, group.lr);
    if (rhoT > 5) {
      const rect = Math.sqrt(((rhoT - 4) * (rhoT - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rhoT));
      const adaptiveLr = tf.div(
        Math.sqrt(biasCorrection2),
        tf.add(tf.sqrt(newExpAvgSq), s.of(group['eps'] as number)),
      );
      update = tf.mul(tf.mul(update, adaptiveLr), rect);
    }
    param.variable.assign(tf.sub(param.variable, update));
  }
}
