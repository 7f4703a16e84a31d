import type { SchedulerInterval } from '@hypersweep/optim';
import type { SweepMetric } from './objective.js';

export type { SchedulerInterval };

/** One optimizer parameter group: the workload groups it covers plus the options it overrides. */
export interface ParamGroupConfig {
  params: string | string[];
  [option: string]: unknown;
}

export interface OptimizerConfig {
  type: string;
  /** Every option of the torch class, defaults filled (resolveOptimizerOptions). */
  options: Record<string, unknown>;
  /**
   * Groups with their own options, in the order given. The optimizer's param groups are the
   * default group (parameters in no listed group) first, when it is not empty, then these.
   */
  param_groups?: ParamGroupConfig[];
}

export interface SchedulerConfig {
  type: string;
  /** Every option of the torch class, defaults filled and derived values set (OneCycleLR's total_steps). */
  options: Record<string, unknown>;
  /**
   * Whether `scheduler.step()` runs after every optimizer step or after every epoch. The spec always
   * writes it; left out (a config built by hand), it is the catalog's `defaultSchedulerInterval`.
   */
  interval?: SchedulerInterval;
  /**
   * ReduceLROnPlateau only: the metric passed to `step(metric)`, the sweep's objective metric. Left out,
   * it is `defaultObjectiveMetric` of the workload.
   */
  monitor?: SweepMetric;
}

/**
 * The unit a worker trains: everything that determines a trial's result, stored per trial and given to
 * the trainer's runTrial. The one declaration of it: the trainer, the worker and the API import it.
 * The spec writes every field with its defaults filled; a config built by hand (tests, benches, tools)
 * may leave out the workload's options and the scheduler's interval and monitor, which then take the
 * same defaults.
 */
export interface TrialConfig {
  workload: { name: string; options?: Record<string, unknown> };
  training: TrainingConfig;
  optimizer: OptimizerConfig;
  /** `null`: constant learning rate. */
  scheduler: SchedulerConfig | null;
  seed: number;
  /**
   * An lr range test's stop rule (packages/core's lr-range-test.ts): after every step the trial folds the
   * loss into a bias-corrected moving average with this β and ends, completed, once it exceeds 4x its
   * best. Absent for every sweep trial.
   */
  stopOnDivergence?: { smoothing: number };
}

export interface TrainingConfig {
  epochs: number;
  batchSize: number;
  /** Stop after this many optimizer steps even if epochs remain. */
  maxSteps?: number;
}
