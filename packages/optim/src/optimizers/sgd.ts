import * as tf from '@tensorflow/tfjs-core';
import type { Parameter } from '../autograd/parameter.js';
import { Optimizer, type ParamGroup, type ParamState } from './optimizer.js';
import type { Scalars } from './scalar-cache.js';
import { adjustedGradient } from './update-math.js';

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
    const s = this.scalars;
    let direction = adjustedGradient(param, this.denseGrad(grad), group, s);
    if (momentum !== 0) {
      const previous = state['momentum_buffer'];
      // torch starts the buffer as a copy of the first gradient (no dampening on step 1).
      const buffer =
        previous instanceof tf.Tensor
          ? tf.add(tf.mul(previous, s.of(momentum)), dampened(direction, group['dampening'] as number, s))
          : tf.clone(direction);
      this.setState(state, 'momentum_buffer', buffer);
      direction = group['nesterov'] === true ? tf.add(direction, tf.mul(buffer, s.of(momentum))) : buffer;
    }
    param.variable.assign(tf.add(param.variable, tf.mul(direction, s.of(-group.lr))));
  }
}

/** (1 - dampening) * g; without dampening g itself (x * 1 == x, one op saved). */
function dampened(gradient: tf.Tensor, dampening: number, scalars: Scalars): tf.Tensor {
  return dampening === 0 ? gradient : tf.mul(gradient, scalars.of(1 - dampening));
}
