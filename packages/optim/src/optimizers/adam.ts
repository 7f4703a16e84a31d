import type { Parameter } from '../autograd/parameter.js';
import { adamUpdate } from './adam-update.js';
import { Optimizer, type ParamGroup, type ParamState } from './optimizer.js';

/** torch.optim.Adam (https://pytorch.org/docs/1.13/generated/torch.optim.Adam.html, Kingma & Ba 2014). */
export class Adam extends Optimizer {
  static override readonly torchType: string = 'Adam';
  /** AdamW: weight decay applied to the parameter, not added to the gradient. */
  protected readonly decoupledWeightDecay: boolean = false;

  protected override updateParameter(
    param: Parameter,
    grad: NonNullable<Parameter['grad']>,
    state: ParamState,
    group: ParamGroup,
  ): void {
    adamUpdate(
      param,
      this.denseGrad(grad),
      state,
      group,
      this.decoupledWeightDecay,
      this.scalars,
      (key) => this.zeroState(state, key, param),
      (key, value) => this.setState(state, key, value),
    );
  }
}
