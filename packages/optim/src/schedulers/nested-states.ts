import { OptimError } from '../errors.js';
import type { LRScheduler } from './lr-scheduler.js';
import type { SchedulerState } from './scheduler.js';

/** The states of a composite scheduler's children, as torch stores them under `_schedulers`. */
export function nestedStates(schedulers: readonly LRScheduler[]): SchedulerState[] {
  return schedulers.map((scheduler) => scheduler.stateDict());
}

export function loadNestedStates(schedulers: readonly LRScheduler[], state: SchedulerState): void {
  const states = state['_schedulers'];
  if (!Array.isArray(states) || states.length !== schedulers.length) {
    throw new OptimError(
      `Invalid state dict: _schedulers must hold ${schedulers.length} scheduler states`,
      '_schedulers',
    );
  }
  schedulers.forEach((scheduler, index) => {
    scheduler.loadStateDict(states[index] as SchedulerState);
  });
}
