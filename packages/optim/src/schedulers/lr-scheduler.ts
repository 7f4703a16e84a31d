import { OptimError } from '../errors.js';
import type { OptimizerLike } from '../types.js';
import type { Scheduler, SchedulerJsonValue, SchedulerState } from './scheduler.js';
import { readNumber, readNumberList } from './state-values.js';

/**
 * torch.optim.lr_scheduler._LRScheduler of PyTorch 1.13
 * (https://pytorch.org/docs/1.13/optim.html#how-to-adjust-learning-rate): `last_epoch` starts at -1
 * and the constructor performs one step, each group gets `initial_lr` (kept if already there, as
 * when several schedulers share an optimizer) and `base_lrs` are those. `getLr()` is torch's
 * chainable form, computed from the groups' current lrs; `closedFormLr()` (where torch has one)
 * is what torch's deprecated `step(epoch)` uses, which SequentialLR relies on at its milestones.
 *
 * Subclasses must set their own fields before calling `initialStep()` at the end of their
 * constructor (torch's `super().__init__` runs after the subclass's fields are assigned).
 */
export abstract class LRScheduler implements Scheduler {
  abstract readonly type: string;
  readonly optimizer: OptimizerLike;
  lastEpoch = -1;
  baseLrs: number[];
  /** torch's `_step_count`: CosineAnnealingLR's chainable form reads it. */
  stepCount = 0;
  protected lastLr: number[] = [];

  constructor(optimizer: OptimizerLike) {
    this.optimizer = optimizer;
    for (const group of optimizer.paramGroups) {
      if (group['initial_lr'] === undefined) group['initial_lr'] = group.lr;
    }
    this.baseLrs = optimizer.paramGroups.map((group) => group['initial_lr'] as number);
  }

  /** torch's `_initial_step`: resets the step count and steps once (SequentialLR calls it again). */
  initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  /** The chainable form: the next lr of every group given the current ones and `lastEpoch`. */
  abstract getLr(): number[];

  /** The lr of every group as a function of `lastEpoch` alone, where torch defines one. */
  closedFormLr?(): number[];

  /** Advances one epoch (or batch). The metric of the common `Scheduler` interface is unused here. */
  step(_metric?: number): void {
    this.stepCount += 1;
    this.lastEpoch += 1;
    this.applyLrs(this.getLr());
  }

  /**
   * torch's deprecated `step(epoch)`: jumps to `epoch` and uses the closed form where there is one.
   * SequentialLR calls it as `step(0)` when it hands over to the next scheduler.
   */
  stepToEpoch(epoch: number): void {
    this.stepCount += 1;
    this.lastEpoch = epoch;
    this.applyLrs(this.closedFormLr?.() ?? this.getLr());
  }

  protected applyLrs(lrs: readonly number[]): void {
    // torch would go on training with an inf or NaN learning rate (e.g. ConstantLR with factor 5e-324
    // multiplies by 1 / factor = inf at total_iters); a trial is better failed with the reason.
    const bad = lrs.findIndex((lr) => !Number.isFinite(lr));
    if (bad >= 0) {
      throw new OptimError(
        `${this.type} computed a non-finite learning rate (${lrs[bad]}) for group ${bad} at epoch ${this.lastEpoch}`,
      );
    }
    this.optimizer.paramGroups.forEach((group, index) => {
      const lr = lrs[index];
      if (lr !== undefined) group.lr = lr;
    });
    this.lastLr = this.optimizer.paramGroups.map((group) => group.lr);
  }

  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** The current lr of every group (what torch's chainable forms start from). */
  protected groupLrs(): number[] {
    return this.optimizer.paramGroups.map((group) => group.lr);
  }

  stateDict(): SchedulerState {
    return {
      type: this.type,
      last_epoch: this.lastEpoch,
      _step_count: this.stepCount,
      base_lrs: [...this.baseLrs],
      _last_lr: [...this.lastLr],
      ...this.extraState(),
    };
  }

  loadStateDict(state: SchedulerState): void {
    checkStateType(state, this.type);
    const groups = this.optimizer.paramGroups.length;
    this.lastEpoch = readNumber(state, 'last_epoch');
    this.stepCount = readNumber(state, '_step_count');
    this.baseLrs = readNumberList(state, 'base_lrs', groups);
    this.lastLr = readNumberList(state, '_last_lr', groups);
    this.loadExtraState(state);
  }

  /** Scheduler-specific state beyond the base fields (e.g. T_cur of warm restarts). */
  protected extraState(): Record<string, SchedulerJsonValue> {
    return {};
  }

  protected loadExtraState(_state: SchedulerState): void {}
}

export function checkStateType(state: SchedulerState, type: string): void {
  if (state === null || typeof state !== 'object' || state.type !== type) {
    throw new OptimError(
      `Cannot load a ${JSON.stringify((state as { type?: unknown } | null)?.type)} state dict into ${type}`,
      'type',
    );
  }
}
