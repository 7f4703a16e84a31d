import { TrainerError } from './errors.js';
import { isMetricName, metricNames } from './objective.js';
import type { MetricName, SchedulerInterval, TrialConfig } from './types.js';

/** Schedulers torch's examples step after every batch rather than every epoch. */
const STEP_INTERVAL_SCHEDULERS = new Set(['OneCycleLR', 'CyclicLR']);
const METRIC_SCHEDULERS = new Set(['ReduceLROnPlateau']);

export interface SchedulerPlan {
  spec: { type: string; options: Record<string, unknown> };
  interval: SchedulerInterval;
  /** The epoch metric passed to step() (ReduceLROnPlateau), else null. */
  monitor: MetricName | null;
}

/**
 * When the trial's scheduler steps and with what. OneCycleLR needs its length: when the spec
 * gives neither total_steps nor epochs/steps_per_epoch it is the number of scheduler steps the
 * trial will take (optimizer steps for interval 'step', epochs for 'epoch').
 */
export function planScheduler(
  scheduler: TrialConfig['scheduler'],
  run: { epochs: number; totalSteps: number; hasValidation: boolean },
): SchedulerPlan | null {
  if (scheduler === null || scheduler === undefined) return null;
  const monitors = METRIC_SCHEDULERS.has(scheduler.type);
  const interval = scheduler.interval ?? (STEP_INTERVAL_SCHEDULERS.has(scheduler.type) ? 'step' : 'epoch');
  if (monitors && interval === 'step') {
    throw new TrainerError(
      `${scheduler.type} steps once per epoch with an epoch metric`,
      'scheduler/interval',
    );
  }
  let monitor: MetricName | null = null;
  if (monitors) {
    const requested = scheduler.monitor ?? (run.hasValidation ? 'val_loss' : 'train_loss');
    if (!isMetricName(requested)) {
      throw new TrainerError(
        `unknown monitor "${requested}"; expected one of ${metricNames.join(', ')}`,
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
