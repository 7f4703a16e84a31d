import * as tf from '@tensorflow/tfjs-core';
import type { Parameter } from '../autograd/parameter.js';
import { Optimizer, type ParamGroup, type ParamState } from './optimizer.js';
import { adjustedGradient, nextStep } from './update-math.js';

/**
 * torch.optim.ASGD, averaged SGD (https://pytorch.org/docs/1.13/generated/torch.optim.ASGD.html,
 * Polyak & Juditsky 1992). `state.get(param).ax` holds the averaged parameters.
 * torch keeps eta and mu as float32 tensors, hence the Math.fround.
 */
export class ASGD extends Optimizer {
  static override readonly torchType: string = 'ASGD';

  /** The averaged value of `param` (torch's `state['ax']`), or null before its first step. */
  averagedParameter(param: Parameter): tf.Tensor | null {
    const ax = this.state.get(param)?.['ax'];
    return ax instanceof tf.Tensor ? ax : null;
  }

  protected override updateParameter(
    param: Parameter,
    grad: NonNullable<Parameter['grad']>,
    state: ParamState,
    group: ParamGroup,
  ): void {
    const { lr } = group;
    const lambd = group['lambd'] as number;
    const ax = this.zeroState(state, 'ax', param);
    state['eta'] ??= Math.fround(lr);
    state['mu'] ??= 1;
    const step = nextStep(state);
    const eta = state['eta'] as number;
    const mu = state['mu'] as number;
    const gradient = adjustedGradient(param, this.denseGrad(grad), group, this.scalars);
    const decayed = tf.mul(param.variable, 1 - lambd * eta);
    const updated = tf.add(decayed, tf.mul(gradient, -eta));
    param.variable.assign(updated);
    this.setState(state, 'ax', mu !== 1 ? tf.add(ax, tf.mul(tf.sub(updated, ax), mu)) : tf.clone(updated));
    state['eta'] = Math.fround(lr / (1 + lambd * lr * step) ** (group['alpha'] as number));
    state['mu'] = Math.fround(1 / Math.max(1, step - (group['t0'] as number)));
  }
}
