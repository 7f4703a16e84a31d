import { modulo } from '../expr/python-arithmetic.js';
import type { OptimizerLike } from '../types.js';
import { LRScheduler } from './lr-scheduler.js';
import { resolveSchedulerOptions } from './resolve-scheduler-options.js';

export interface StepLROptions {
  step_size: number;
  gamma?: number;
}

/**
 * Multiplies the lr by gamma every step_size epochs.
 * https://pytorch.org/docs/1.13/generated/torch.optim.lr_scheduler.StepLR.html
 */
export class StepLR extends LRScheduler {
  readonly type = 'StepLR';
  readonly stepSize: number;
  readonly gamma: number;

  constructor(optimizer: OptimizerLike, options: StepLROptions) {
    const resolved = resolveSchedulerOptions('StepLR', options) as unknown as Required<StepLROptions>;
    super(optimizer);
    this.stepSize = resolved.step_size;
    this.gamma = resolved.gamma;
    this.initialStep();
  }

  getLr(): number[] {
    if (this.lastEpoch === 0 || modulo(this.lastEpoch, this.stepSize) !== 0) return this.groupLrs();
    return this.groupLrs().map((lr) => lr * this.gamma);
  }

  override closedFormLr(): number[] {
    return this.baseLrs.map((baseLr) => baseLr * this.gamma ** Math.floor(this.lastEpoch / this.stepSize));
  }
}
