import type { OptimizerLike } from '../types.js';
import { LRScheduler } from './lr-scheduler.js';
import { resolveSchedulerOptions } from './resolve-scheduler-options.js';

export interface ConstantLROptions {
  factor?: number;
  total_iters?: number;
}

/**
 * Multiplies the lr by factor until epoch total_iters, then restores it.
 * https://pytorch.org/docs/1.13/generated/torch.optim.lr_scheduler.ConstantLR.html
 */
export class ConstantLR extends LRScheduler {
  readonly type = 'ConstantLR';
  readonly factor: number;
  readonly totalIters: number;

  constructor(optimizer: OptimizerLike, options: ConstantLROptions = {}) {
    const resolved = resolveSchedulerOptions('ConstantLR', options) as unknown as Required<ConstantLROptions>;
    super(optimizer);
    this.factor = resolved.factor;
    this.totalIters = resolved.total_iters;
    this.initialStep();
  }

  getLr(): number[] {
    if (this.lastEpoch === 0) return this.groupLrs().map((lr) => lr * this.factor);
    if (this.lastEpoch !== this.totalIters) return this.groupLrs();
    return this.groupLrs().map((lr) => lr * (1 / this.factor));
  }

  override closedFormLr(): number[] {
    const done = this.lastEpoch >= this.totalIters ? 1 : 0;
    return this.baseLrs.map((baseLr) => baseLr * (this.factor + done * (1 - this.factor)));
  }
}
