import * as tf from '@tensorflow/tfjs-core';
import type { Parameter } from '../autograd/parameter.js';
import { exactSign } from '../exact-ops.js';
import { Optimizer, type ParamGroup, type ParamState } from './optimizer.js';
import { nextStep } from './update-math.js';

/**
 * torch.optim.Rprop (https://pytorch.org/docs/1.13/generated/torch.optim.Rprop.html): each
 * element's step size grows by etaplus while the gradient keeps its sign and shrinks by etaminus
 * when it flips; after a flip the gradient is treated as zero (no move, no sign memory).
 */
export class Rprop extends Optimizer {
  static override readonly torchType: string = 'Rprop';

  protected override updateParameter(
    param: Parameter,
    grad: NonNullable<Parameter['grad']>,
    state: ParamState,
    group: ParamGroup,
  ): void {
    const [etaminus, etaplus] = group['etas'] as [number, number];
    const [stepSizeMin, stepSizeMax] = group['step_sizes'] as [number, number];
    const prev = this.zeroState(state, 'prev', param);
    const stepSize = this.stateTensor(state, 'step_size', () => tf.fill(param.shape, group.lr));
    nextStep(state);
    const dense = this.denseGrad(grad);
    const gradient = group['maximize'] === true ? tf.neg(dense) : dense;
    const s = this.scalars;
    // torch: sign(grad * prev) picks etaplus (> 0), etaminus (< 0) or 1 (= 0). As 0/1 masks the
    // factor is a sum in which only one term is non-zero, so it is exactly torch's value.
    const agreement = exactSign(tf.mul(gradient, prev));
    const grows = tf.clipByValue(agreement, 0, 1);
    const flips = tf.clipByValue(tf.neg(agreement), 0, 1);
    const keeps = tf.sub(1, tf.abs(agreement));
    const factor = tf.add(tf.add(tf.mul(grows, s.of(etaplus)), tf.mul(flips, s.of(etaminus))), keeps);
    const newStepSize = tf.clipByValue(tf.mul(stepSize, factor), stepSizeMin, stepSizeMax);
    // after a sign flip the gradient counts as zero: no move now, no sign memory next step
    const kept = tf.mul(gradient, tf.sub(1, flips));
    param.variable.assign(tf.sub(param.variable, tf.mul(exactSign(kept), newStepSize)));
    this.setState(state, 'step_size', newStepSize);
    this.setState(state, 'prev', kept);
  }
}
