import { Adam } from './adam.js';

/**
 * torch.optim.AdamW (https://pytorch.org/docs/1.13/generated/torch.optim.AdamW.html,
 * Loshchilov & Hutter 2017): Adam with decoupled weight decay, param *= 1 - lr * weight_decay.
 */
export class AdamW extends Adam {
  static override readonly torchType: string = 'AdamW';
  protected override readonly decoupledWeightDecay: boolean = true;
}
