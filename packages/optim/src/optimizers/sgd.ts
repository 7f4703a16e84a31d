import * as tf from '@tensorflow/tfjs-core';
import { Optimizer, type ParamGroup, type ParamGroupInput, type ParamState } from '../optimizer.js';
import type { Parameter } from '../parameter.js';
import { adjustedGradient } from './gradient.js';

/**
 * torch.optim.SGD (https://pytorch.org/docs/1.13/generated/torch.optim.SGD.html):
 * buf = momentum * buf + (1 - dampening) * g; g = nesterov ? g + momentum * buf : buf; p -= lr * g.
 */
export class SGD extends Optimizer {
  static override readonly torchType: string = 'SGD';

  protected override updateParameter(
    param: Parameter,
    grad: NonNullable<Parameter['grad']>,
    state: ParamState,
    group: ParamGroup,
  ): void {
    const momentum = group['momentum'] as number;
    let direction = adjustedGradient(param, this.denseGrad(grad), group);
    if (momentum !== 0) {
      const previous = state['momentum_buffer'];
      // torch starts the buffer as a copy of the first gradient (no dampening on step 1).
      const buffer =
        previous instanceof tf.Tensor
          ? tf.add(tf.mul(previous, momentum), tf.mul(direction, 1 - (group['dampening'] as number)))
          : tf.clone(direction);
      this.setState(state, 'momentum_buffer', buffer);
      direction = group['nesterov'] === true ? tf.add(direction, tf.mul(buffer, momentum)) : buffer;
    }
    param.variable.assign(tf.add(param.variable, tf.mul(direction, -group.lr)));
  }
}
