import { OptimError } from '../errors.js';
import { pythonMax } from '../expr/python-arithmetic.js';
import type { OptimizerLike } from '../types.js';
import { checkStateType } from './lr-scheduler.js';
import { perGroup } from './per-group.js';
import { resolveSchedulerOptions } from './resolve-scheduler-options.js';
import type { Scheduler, SchedulerState } from './scheduler.js';
import { encodeNumber, readNumber, readNumberList } from './state-values.js';

export interface ReduceLROnPlateauOptions {
  mode?: 'min' | 'max';
  factor?: number;
  patience?: number;
  threshold?: number;
  threshold_mode?: 'rel' | 'abs';
  cooldown?: number;
  min_lr?: number | number[];
  eps?: number;
}

/**
 * Reduces the lr by `factor` once the monitored metric has not improved for `patience` epochs.
 * Not an LRScheduler (as in torch 1.13): `step(metric)` must get the metric every epoch.
 * https://pytorch.org/docs/1.13/generated/torch.optim.lr_scheduler.ReduceLROnPlateau.html
 */
export class ReduceLROnPlateau implements Scheduler {
  readonly type = 'ReduceLROnPlateau';
  readonly optimizer: OptimizerLike;
  readonly mode: 'min' | 'max';
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly thresholdMode: 'rel' | 'abs';
  readonly cooldown: number;
  readonly minLrs: number[];
  readonly eps: number;
  best: number;
  numBadEpochs = 0;
  cooldownCounter = 0;
  lastEpoch = 0;
  private lastLr: number[];

  constructor(optimizer: OptimizerLike, options: ReduceLROnPlateauOptions = {}) {
    const resolved = resolveSchedulerOptions(
      'ReduceLROnPlateau',
      options,
    ) as unknown as Required<ReduceLROnPlateauOptions>;
    this.optimizer = optimizer;
    this.factor = resolved.factor;
    this.minLrs = perGroup(
      optimizer,
      'min_lr',
      resolved.min_lr,
      (expected, got) => `expected ${expected} min_lrs, got ${got}`,
    );
    this.patience = resolved.patience;
    this.cooldown = resolved.cooldown;
    this.mode = resolved.mode;
    this.threshold = resolved.threshold;
    this.thresholdMode = resolved.threshold_mode;
    this.eps = resolved.eps;
    this.best = this.modeWorse();
    this.lastLr = optimizer.paramGroups.map((group) => group.lr);
  }

  /** The worst value for the mode: where `best` starts. */
  private modeWorse(): number {
    return this.mode === 'min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  }

  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  isBetter(a: number, best: number): boolean {
    if (this.mode === 'min' && this.thresholdMode === 'rel') return a < best * (1 - this.threshold);
    if (this.mode === 'min') return a < best - this.threshold;
    if (this.thresholdMode === 'rel') return a > best * (this.threshold + 1);
    return a > best + this.threshold;
  }

  step(metric?: number): void {
    if (typeof metric !== 'number') {
      throw new OptimError(
        'ReduceLROnPlateau.step() needs the monitored metric, e.g. step(valLoss)',
        'metric',
      );
    }
    this.lastEpoch += 1;
    if (this.isBetter(metric, this.best)) {
      this.best = metric;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.inCooldown) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0; // bad epochs during the cooldown do not count
    }
    if (this.numBadEpochs > this.patience) {
      this.reduceLr();
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map((group) => group.lr);
  }

  private reduceLr(): void {
    this.optimizer.paramGroups.forEach((group, index) => {
      const oldLr = group.lr;
      const newLr = pythonMax(oldLr * this.factor, this.minLrs[index]!);
      if (oldLr - newLr > this.eps) group.lr = newLr;
    });
  }

  getLastLr(): number[] {
    return [...this.lastLr];
  }

  stateDict(): SchedulerState {
    return {
      type: this.type,
      best: encodeNumber(this.best),
      num_bad_epochs: this.numBadEpochs,
      cooldown_counter: this.cooldownCounter,
      last_epoch: this.lastEpoch,
      _last_lr: [...this.lastLr],
    };
  }

  loadStateDict(state: SchedulerState): void {
    checkStateType(state, this.type);
    this.best = readNumber(state, 'best');
    this.numBadEpochs = readNumber(state, 'num_bad_epochs');
    this.cooldownCounter = readNumber(state, 'cooldown_counter');
    this.lastEpoch = readNumber(state, 'last_epoch');
    this.lastLr = readNumberList(state, '_last_lr', this.optimizer.paramGroups.length);
  }
}
