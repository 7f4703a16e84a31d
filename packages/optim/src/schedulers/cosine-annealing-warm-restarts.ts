import { OptimError } from '../errors.js';
import type { OptimizerLike } from '../types.js';
import { LRScheduler } from './lr-scheduler.js';
import { resolveSchedulerOptions } from './resolve-scheduler-options.js';
import type { SchedulerJsonValue, SchedulerState } from './scheduler.js';
import { readNumber } from './state-values.js';

export interface CosineAnnealingWarmRestartsOptions {
  T_0: number;
  T_mult?: number;
  eta_min?: number;
}

/**
 * SGDR (https://arxiv.org/abs/1608.03983): cosine annealing restarted after T_0 epochs, then after
 * T_0 x T_mult, T_0 x T_mult², ... `T_cur` counts the epochs since the last restart, `T_i` the
 * length of the current period.
 * https://pytorch.org/docs/1.13/generated/torch.optim.lr_scheduler.CosineAnnealingWarmRestarts.html
 */
export class CosineAnnealingWarmRestarts extends LRScheduler {
  readonly type = 'CosineAnnealingWarmRestarts';
  readonly t0: number;
  readonly tMult: number;
  readonly etaMin: number;
  tI: number;
  tCur: number;

  constructor(optimizer: OptimizerLike, options: CosineAnnealingWarmRestartsOptions) {
    const resolved = resolveSchedulerOptions(
      'CosineAnnealingWarmRestarts',
      options,
    ) as unknown as Required<CosineAnnealingWarmRestartsOptions>;
    super(optimizer);
    this.t0 = resolved.T_0;
    this.tI = resolved.T_0;
    this.tMult = resolved.T_mult;
    this.etaMin = resolved.eta_min;
    this.tCur = this.lastEpoch;
    this.initialStep();
  }

  getLr(): number[] {
    return this.baseLrs.map(
      (baseLr) =>
        this.etaMin + ((baseLr - this.etaMin) * (1 + Math.cos((Math.PI * this.tCur) / this.tI))) / 2,
    );
  }

  /** torch's step(None): one more epoch, restarting when T_cur reaches T_i. */
  override step(_metric?: number): void {
    if (this.lastEpoch < 0) {
      this.stepToEpoch(0);
      return;
    }
    this.tCur += 1;
    if (this.tCur >= this.tI) {
      this.tCur -= this.tI;
      this.tI *= this.tMult;
    }
    this.setEpoch(this.lastEpoch + 1);
  }

  /** torch's step(epoch): places T_cur and T_i for that (possibly fractional) epoch. */
  override stepToEpoch(epoch: number): void {
    if (epoch < 0) throw new OptimError(`Expected non-negative epoch, but got ${epoch}`, 'epoch');
    if (epoch >= this.t0) {
      if (this.tMult === 1) {
        this.tCur = epoch % this.t0;
      } else {
        // int(math.log(epoch / T_0 * (T_mult - 1) + 1, T_mult)): Python's two-argument log is log(x) / log(base).
        const n = Math.trunc(Math.log((epoch / this.t0) * (this.tMult - 1) + 1) / Math.log(this.tMult));
        this.tCur = epoch - (this.t0 * (this.tMult ** n - 1)) / (this.tMult - 1);
        this.tI = this.t0 * this.tMult ** n;
      }
    } else {
      this.tI = this.t0;
      this.tCur = epoch;
    }
    this.setEpoch(epoch);
  }

  private setEpoch(epoch: number): void {
    this.lastEpoch = Math.floor(epoch);
    this.applyLrs(this.getLr());
  }

  protected override extraState(): Record<string, SchedulerJsonValue> {
    return { T_cur: this.tCur, T_i: this.tI };
  }

  protected override loadExtraState(state: SchedulerState): void {
    this.tCur = readNumber(state, 'T_cur');
    this.tI = readNumber(state, 'T_i');
  }
}
