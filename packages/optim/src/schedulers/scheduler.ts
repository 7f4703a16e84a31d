import type { OptimizerLike } from '../types.js';

/** A JSON value: what a scheduler's state dict is made of, so a checkpoint can be stored as JSON. */
export type SchedulerJsonValue =
  | null
  | boolean
  | number
  | string
  | SchedulerJsonValue[]
  | { [key: string]: SchedulerJsonValue };

/**
 * A scheduler's state, like torch's `state_dict()` (torch's attribute names: `last_epoch`,
 * `base_lrs`, `_step_count`, `_last_lr`, ...), plus the scheduler's `type` so that a state is
 * never loaded into a different scheduler. Hyperparameters are not part of it: they come from the
 * spec the scheduler is rebuilt from.
 */
export interface SchedulerState {
  type: string;
  [key: string]: SchedulerJsonValue;
}

/**
 * What every scheduler offers, ReduceLROnPlateau included: a trainer can call `step(metric)` on any
 * of them (only ReduceLROnPlateau reads the metric), read the lrs it set, and checkpoint it.
 */
export interface Scheduler {
  /** torch class name, e.g. "StepLR". */
  readonly type: string;
  readonly optimizer: OptimizerLike;
  step(metric?: number): void;
  /** The lr of every param group as of the last step (torch's `get_last_lr()`). */
  getLastLr(): number[];
  stateDict(): SchedulerState;
  /** Restores a state from `stateDict()` of a scheduler built from the same spec; it then continues exactly. */
  loadStateDict(state: SchedulerState): void;
}
