import * as tf from '@tensorflow/tfjs-core';
import type { Parameter } from '../autograd/parameter.js';
import { Optimizer, type ParamGroup, type ParamState } from './optimizer.js';
import { addcdiv, adjustedGradient, nextStep, runningAverage, runningSquareAverage } from './update-math.js';

/**
 * torch.optim.NAdam (https://pytorch.org/docs/1.13/generated/torch.optim.NAdam.html, Dozat 2016):
 * Adam with the momentum schedule mu_t = beta1 * (1 - 0.5 * 0.96^(t * momentum_decay)) and
 * its running product `mu_product`, as torch 1.13's `_single_tensor_nadam` computes them.
 */
export class NAdam extends Optimizer {
  static override readonly torchType: string = 'NAdam';

  protected override updateParameter(
    param: Parameter,
    grad: NonNullable<Parameter['grad']>,
    state: ParamState,
    group: ParamGroup,
  ): void {
    const [beta1, beta2] = group['betas'] as [number, number];
    const momentumDecay = group['momentum_decay'] as number;
    const expAvg = this.zeroState(state, 'exp_avg', param);
    const expAvgSq = this.zeroState(state, 'exp_avg_sq', param);
    const step = nextStep(state);
    const biasCorrection2 = 1 - beta2 ** step;
    const s = this.scalars;
    const gradient = adjustedGradient(param, this.denseGrad(grad), group, s);
    const mu = beta1 * (1 - 0.5 * 0.96 ** (step * momentumDecay));
    const muNext = beta1 * (1 - 0.5 * 0.96 ** ((step + 1) * momentumDecay));
    // torch 1.13 keeps mu_product in a float32 tensor and (sic) multiplies mu in twice for
    // mu_product_next; the reference trajectories follow that, so this does too.
    const f32 = Math.fround;
    const muProduct = f32(((state['mu_product'] as number | undefined) ?? 1) * f32(mu));
    state['mu_product'] = muProduct;
    const muProductNext = f32(f32(muProduct * f32(mu)) * f32(muNext));
    const newExpAvg = runningAverage(expAvg, gradient, beta1, s);
    const newExpAvgSq = runningSquareAverage(expAvgSq, gradient, beta2, s);
    const denom = tf.add(tf.sqrt(tf.div(newExpAvgSq, biasCorrection2)), s.of(group['eps'] as number));
    const lr = group.lr;
    const afterGrad = addcdiv(param.variable, gradient, denom, (-lr * (1 - mu)) / (1 - muProduct));
    param.variable.assign(addcdiv(afterGrad, newExpAvg, denom, (-lr * muNext) / (1 - muProductNext)));
    this.setState(state, 'exp_avg', newExpAvg);
    this.setState(state, 'exp_avg_sq', newExpAvgSq);
  }
}
