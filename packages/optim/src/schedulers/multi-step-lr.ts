import type { OptimizerLike } from '../types.js';
import { LRScheduler } from './lr-scheduler.js';
import { resolveSchedulerOptions } from './resolve-scheduler-options.js';

export interface MultiStepLROptions {
  milestones: number[];
  gamma?: number;
}

/**
 * Multiplies the lr by gamma at each milestone. torch keeps the milestones in a Counter, so a
 * milestone listed twice multiplies by gamma ** 2 there.
 * https://pytorch.org/docs/1.13/generated/torch.optim.lr_scheduler.MultiStepLR.html
 */
export class MultiStepLR extends LRScheduler {
  readonly type = 'MultiStepLR';
  /** milestone -> how many times it is listed (torch's Counter). */
  readonly milestones: ReadonlyMap<number, number>;
  readonly gamma: number;

  constructor(optimizer: OptimizerLike, options: MultiStepLROptions) {
    const resolved = resolveSchedulerOptions(
      'MultiStepLR',
      options,
    ) as unknown as Required<MultiStepLROptions>;
    super(optimizer);
    const counts = new Map<number, number>();
    for (const milestone of resolved.milestones) counts.set(milestone, (counts.get(milestone) ?? 0) + 1);
    this.milestones = counts;
    this.gamma = resolved.gamma;
    this.initialStep();
  }

  getLr(): number[] {
    const count = this.milestones.get(this.lastEpoch);
    if (count === undefined) return this.groupLrs();
    return this.groupLrs().map((lr) => lr * this.gamma ** count);
  }

  override closedFormLr(): number[] {
    // bisect_right over the sorted milestone list, repetitions included.
    let passed = 0;
    for (const [milestone, count] of this.milestones) if (milestone <= this.lastEpoch) passed += count;
    return this.baseLrs.map((baseLr) => baseLr * this.gamma ** passed);
  }
}
