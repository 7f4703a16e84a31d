import type { OptimizerLike } from '../types.js';
import { LRScheduler } from './lr-scheduler.js';
import { resolveSchedulerOptions } from './resolve-scheduler-options.js';

export interface LinearLROptions {
  start_factor?: number;
  end_factor?: number;
  total_iters?: number;
}

/**
 * Multiplies the lr by a factor moving linearly from start_factor to end_factor over total_iters epochs.
 * https://pytorch.org/docs/1.13/generated/torch.optim.lr_scheduler.LinearLR.html
 */
export class LinearLR extends LRScheduler {
  readonly type = 'LinearLR';
  readonly startFactor: number;
  readonly endFactor: number;
  readonly totalIters: number;

  constructor(optimizer: OptimizerLike, options: LinearLROptions = {}) {
    const resolved = resolveSchedulerOptions('LinearLR', options) as unknown as Required<LinearLROptions>;
    super(optimizer);
    this.startFactor = resolved.start_factor;
    this.endFactor = resolved.end_factor;
    this.totalIters = resolved.total_iters;
    this.initialStep();
  }

  getLr(): number[] {
    if (this.lastEpoch === 0) return this.groupLrs().map((lr) => lr * this.startFactor);
    if (this.lastEpoch > this.totalIters) return this.groupLrs();
    const change = this.endFactor - this.startFactor;
    return this.groupLrs().map(
      (lr) => lr * (1 + change / (this.totalIters * this.startFactor + (this.lastEpoch - 1) * change)),
    );
  }

  override closedFormLr(): number[] {
    // torch's evaluation order: (change * min(total_iters, last_epoch)) / total_iters.
    const done = Math.min(this.totalIters, this.lastEpoch);
    return this.baseLrs.map(
      (baseLr) =>
        baseLr * (this.startFactor + ((this.endFactor - this.startFactor) * done) / this.totalIters),
    );
  }
}
