import { OptimError } from '../errors.js';
import type { OptimizerLike } from '../types.js';
import { checkStateType, type LRScheduler } from './lr-scheduler.js';
import { loadNestedStates, nestedStates } from './nested-states.js';
import type { Scheduler, SchedulerState } from './scheduler.js';
import { readNumber, readNumberList } from './state-values.js';

export interface SequentialLROptions {
  /** Schedulers already built on `optimizer`, in order (createScheduler builds them from specs). */
  schedulers: readonly LRScheduler[];
  milestones: readonly number[];
}

/** Python's bisect.bisect_right: the number of leading items <= value in a sorted list. */
function bisectRight(sorted: readonly number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (value < sorted[middle]!) high = middle;
    else low = middle + 1;
  }
  return low;
}

/**
 * Runs its schedulers one after another: at each milestone the next one takes over, starting with
 * torch's `step(0)` (its closed form at epoch 0 where it has one). Like torch, construction resets
 * the lrs to initial_lr, moves every child back one epoch and re-runs the first child's initial step.
 * https://pytorch.org/docs/1.13/generated/torch.optim.lr_scheduler.SequentialLR.html
 */
export class SequentialLR implements Scheduler {
  readonly type = 'SequentialLR';
  readonly optimizer: OptimizerLike;
  readonly schedulers: readonly LRScheduler[];
  readonly milestones: readonly number[];
  lastEpoch: number;
  private lastLr: number[];

  constructor(optimizer: OptimizerLike, options: SequentialLROptions) {
    const { schedulers, milestones } = options;
    schedulers.forEach((scheduler, index) => {
      if (scheduler.optimizer !== optimizer) {
        throw new OptimError(
          `Sequential Schedulers expects all schedulers to belong to the same optimizer, but got schedulers at index ${index} to be different than the optimizer passed in.`,
          `schedulers/${index}`,
        );
      }
    });
    if (milestones.length !== schedulers.length - 1) {
      throw new OptimError(
        `Sequential Schedulers expects number of schedulers provided to be one more than the number of milestone points, but got number of schedulers ${schedulers.length} and the number of milestones to be equal to ${milestones.length}`,
        'milestones',
      );
    }
    this.optimizer = optimizer;
    this.schedulers = schedulers;
    this.milestones = [...milestones];
    this.lastEpoch = 0;
    for (const group of optimizer.paramGroups) group.lr = group['initial_lr'] as number;
    for (const scheduler of schedulers) scheduler.lastEpoch -= 1;
    schedulers[0]!.initialStep();
    this.lastLr = schedulers[0]!.getLastLr();
  }

  step(_metric?: number): void {
    this.lastEpoch += 1;
    const index = bisectRight(this.milestones, this.lastEpoch);
    const scheduler = this.schedulers[index]!;
    if (index > 0 && this.milestones[index - 1] === this.lastEpoch) scheduler.stepToEpoch(0);
    else scheduler.step();
    this.lastLr = scheduler.getLastLr();
  }

  getLastLr(): number[] {
    return [...this.lastLr];
  }

  stateDict(): SchedulerState {
    return {
      type: this.type,
      last_epoch: this.lastEpoch,
      _last_lr: [...this.lastLr],
      _schedulers: nestedStates(this.schedulers),
    };
  }

  loadStateDict(state: SchedulerState): void {
    checkStateType(state, this.type);
    this.lastEpoch = readNumber(state, 'last_epoch');
    this.lastLr = readNumberList(state, '_last_lr', this.optimizer.paramGroups.length);
    loadNestedStates(this.schedulers, state);
  }
}
