import { defaultObjectiveMetric, isObjectiveMetric, objectiveMetrics } from '@hypersweep/core';
import { defaultSchedulerInterval, type SchedulerInterval, schedulerMonitorsMetric } from '@hypersweep/optim';
import type { ObjectiveMetric } from '@hypersweep/spec';
import { TrainerError } from './errors.js';
import type { TrialConfig } from './types.js';

/**
 * How a trial steps its scheduler (not the spec's SchedulerPlan, a validated entry of the sweep spec):
 * the scheduler to build, when `scheduler.step()` runs and with which epoch metric.
 */
export interface SchedulerStepping {
  spec: { type: string; options: Record<string, unknown> };
  interval: SchedulerInterval;
  /** The epoch metric passed to step() (ReduceLROnPlateau), else null. */
  monitor: ObjectiveMetric | null;
}

/**
 * When the trial's scheduler steps and with what. OneCycleLR needs its length: when the spec
 * gives neither total_steps nor epochs/steps_per_epoch it is the number of scheduler steps the
 * trial will take (optimizer steps for interval 'step', epochs for 'epoch').
 */
export function planScheduler(
  scheduler: TrialConfig['scheduler'],
  run: { epochs: number; totalSteps: number; hasValidation: boolean },
): SchedulerStepping | null {
  if (scheduler === null || scheduler === undefined) return null;
  const monitors = schedulerMonitorsMetric(scheduler.type);
  const interval = scheduler.interval ?? defaultSchedulerInterval(scheduler.type);
  if (monitors && interval === 'step') {
    throw new TrainerError(
      `${scheduler.type} steps once per epoch with an epoch metric`,
      'scheduler/interval',
    );
  }
  let monitor: ObjectiveMetric | null = null;
  if (monitors) {
    const requested: string = scheduler.monitor ?? defaultObjectiveMetric(run.hasValidation);
    if (!isObjectiveMetric(requested)) {
      throw new TrainerError(
        `unknown monitor "${requested}"; expected one of ${objectiveMetrics.join(', ')}`,
        'scheduler/monitor',
      );
    }
    monitor = requested;
    if (monitor !== 'train_loss' && !run.hasValidation) {
      throw new TrainerError(`this workload has no validation set to give ${monitor}`, 'scheduler/monitor');
    }
  }
  const options = { ...scheduler.options };
  if (
    scheduler.type === 'OneCycleLR' &&
    options['total_steps'] == null &&
    (options['epochs'] == null || options['steps_per_epoch'] == null)
  ) {
    options['total_steps'] = interval === 'step' ? run.totalSteps : run.epochs;
  }
  return { spec: { type: scheduler.type, options }, interval, monitor };
}
