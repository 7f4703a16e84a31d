import { modulo } from '../expr/python-arithmetic.js';
import type { OptimizerLike } from '../types.js';
import { LRScheduler } from './lr-scheduler.js';
import { resolveSchedulerOptions } from './resolve-scheduler-options.js';

export interface CosineAnnealingLROptions {
  T_max: number;
  eta_min?: number;
}

/**
 * Cosine annealing (SGDR without restarts, https://arxiv.org/abs/1608.03983) in torch's recursive
 * form: each lr is derived from the previous one, so past T_max the lr climbs back up along the
 * cosine instead of restarting, and changes made to the lr outside the scheduler carry over.
 * https://pytorch.org/docs/1.13/generated/torch.optim.lr_scheduler.CosineAnnealingLR.html
 */
export class CosineAnnealingLR extends LRScheduler {
  readonly type = 'CosineAnnealingLR';
  readonly tMax: number;
  readonly etaMin: number;

  constructor(optimizer: OptimizerLike, options: CosineAnnealingLROptions) {
    const resolved = resolveSchedulerOptions(
      'CosineAnnealingLR',
      options,
    ) as unknown as Required<CosineAnnealingLROptions>;
    super(optimizer);
    this.tMax = resolved.T_max;
    this.etaMin = resolved.eta_min;
    this.initialStep();
  }

  getLr(): number[] {
    const { lastEpoch, tMax, etaMin } = this;
    if (lastEpoch === 0) return this.groupLrs();
    if (this.stepCount === 1 && lastEpoch > 0) {
      return this.baseLrs.map(
        (baseLr) => etaMin + ((baseLr - etaMin) * (1 + Math.cos((lastEpoch * Math.PI) / tMax))) / 2,
      );
    }
    if (modulo(lastEpoch - 1 - tMax, 2 * tMax) === 0) {
      return this.optimizer.paramGroups.map(
        (group, index) => group.lr + ((this.baseLrs[index]! - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2,
      );
    }
    return this.groupLrs().map(
      (lr) =>
        ((1 + Math.cos((Math.PI * lastEpoch) / tMax)) / (1 + Math.cos((Math.PI * (lastEpoch - 1)) / tMax))) *
          (lr - etaMin) +
        etaMin,
    );
  }

  override closedFormLr(): number[] {
    return this.baseLrs.map(
      (baseLr) =>
        this.etaMin + ((baseLr - this.etaMin) * (1 + Math.cos((Math.PI * this.lastEpoch) / this.tMax))) / 2,
    );
  }
}
