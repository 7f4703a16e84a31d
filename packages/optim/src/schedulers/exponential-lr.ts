import type { OptimizerLike } from '../types.js';
import { LRScheduler } from './lr-scheduler.js';
import { resolveSchedulerOptions } from './resolve-scheduler-options.js';

export interface ExponentialLROptions {
  gamma: number;
}

/**
 * Multiplies the lr by gamma every epoch.
 * https://pytorch.org/docs/1.13/generated/torch.optim.lr_scheduler.ExponentialLR.html
 */
export class ExponentialLR extends LRScheduler {
  readonly type = 'ExponentialLR';
  readonly gamma: number;

  constructor(optimizer: OptimizerLike, options: ExponentialLROptions) {
    const resolved = resolveSchedulerOptions('ExponentialLR', options) as unknown as ExponentialLROptions;
    super(optimizer);
    this.gamma = resolved.gamma;
    this.initialStep();
  }

  getLr(): number[] {
    if (this.lastEpoch === 0) return this.groupLrs();
    return this.groupLrs().map((lr) => lr * this.gamma);
  }

  override closedFormLr(): number[] {
    return this.baseLrs.map((baseLr) => baseLr * this.gamma ** this.lastEpoch);
  }
}
