import { OptimError } from '../errors.js';
import type { OptimizerLike } from '../types.js';
import { checkStateType } from './lr-scheduler.js';
import { loadNestedStates, nestedStates } from './nested-states.js';
import type { Scheduler, SchedulerState } from './scheduler.js';
import { readNumberList } from './state-values.js';

export interface ChainedSchedulerOptions {
  /** Schedulers already built on one optimizer (createScheduler builds them from specs); not ReduceLROnPlateau. */
  schedulers: readonly Scheduler[];
}

/**
 * Steps all its schedulers at every step, so their chainable changes compound.
 * https://pytorch.org/docs/1.13/generated/torch.optim.lr_scheduler.ChainedScheduler.html
 */
export class ChainedScheduler implements Scheduler {
  readonly type = 'ChainedScheduler';
  readonly optimizer: OptimizerLike;
  readonly schedulers: readonly Scheduler[];
  private lastLr: number[];

  constructor(options: ChainedSchedulerOptions) {
    const { schedulers } = options;
    const first = schedulers[0];
    if (first === undefined)
      throw new OptimError('ChainedScheduler needs at least one scheduler', 'schedulers');
    schedulers.forEach((scheduler, index) => {
      if (scheduler.optimizer !== first.optimizer) {
        throw new OptimError(
          `ChainedScheduler expects all schedulers to belong to the same optimizer, but got schedulers at index 0 and ${index} to be different`,
          `schedulers/${index}`,
        );
      }
    });
    this.schedulers = schedulers;
    this.optimizer = first.optimizer;
    this.lastLr = this.optimizer.paramGroups.map((group) => group.lr);
  }

  step(_metric?: number): void {
    for (const scheduler of this.schedulers) scheduler.step();
    this.lastLr = this.optimizer.paramGroups.map((group) => group.lr);
  }

  getLastLr(): number[] {
    return [...this.lastLr];
  }

  stateDict(): SchedulerState {
    return { type: this.type, _last_lr: [...this.lastLr], _schedulers: nestedStates(this.schedulers) };
  }

  loadStateDict(state: SchedulerState): void {
    checkStateType(state, this.type);
    this.lastLr = readNumberList(state, '_last_lr', this.optimizer.paramGroups.length);
    loadNestedStates(this.schedulers, state);
  }
}
