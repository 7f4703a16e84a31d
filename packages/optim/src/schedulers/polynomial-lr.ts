import type { OptimizerLike } from '../types.js';
import { LRScheduler } from './lr-scheduler.js';
import { resolveSchedulerOptions } from './resolve-scheduler-options.js';

export interface PolynomialLROptions {
  total_iters?: number;
  power?: number;
}

/**
 * Decays the lr as (1 - epoch / total_iters) ** power, reaching 0 at total_iters.
 * https://pytorch.org/docs/1.13/generated/torch.optim.lr_scheduler.PolynomialLR.html
 */
export class PolynomialLR extends LRScheduler {
  readonly type = 'PolynomialLR';
  readonly totalIters: number;
  readonly power: number;

  constructor(optimizer: OptimizerLike, options: PolynomialLROptions = {}) {
    const resolved = resolveSchedulerOptions(
      'PolynomialLR',
      options,
    ) as unknown as Required<PolynomialLROptions>;
    super(optimizer);
    this.totalIters = resolved.total_iters;
    this.power = resolved.power;
    this.initialStep();
  }

  getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch > this.totalIters) return this.groupLrs();
    const decayFactor =
      ((1 - this.lastEpoch / this.totalIters) / (1 - (this.lastEpoch - 1) / this.totalIters)) ** this.power;
    return this.groupLrs().map((lr) => lr * decayFactor);
  }

  override closedFormLr(): number[] {
    const remaining = 1 - Math.min(this.totalIters, this.lastEpoch) / this.totalIters;
    return this.baseLrs.map((baseLr) => baseLr * remaining ** this.power);
  }
}
