import { OptimError } from '../errors.js';
import type { Scheduler, SchedulerState } from './scheduler.js';

/** The states of a composite scheduler's children, as torch stores them under `_schedulers`. */
export function nestedStates(schedulers: readonly Scheduler[]): SchedulerState[] {
  return schedulers.map((scheduler) => scheduler.stateDict());
}

export function loadNestedStates(schedulers: readonly Scheduler[], state: SchedulerState): void {
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
