import type { ObjectiveMetric } from './objective.js';

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

export type SchedulerInterval = 'step' | 'epoch';

export interface SchedulerConfig {
  type: string;
  /** Every option of the torch class, defaults filled and derived values set (OneCycleLR's total_steps). */
  options: Record<string, unknown>;
  /** Whether `scheduler.step()` runs after every optimizer step or after every epoch. */
  interval: SchedulerInterval;
  /** ReduceLROnPlateau only: the metric passed to `step(metric)`, the sweep's objective metric. */
  monitor?: ObjectiveMetric;
}

/** The unit a worker trains: everything that determines a trial's result. */
export interface TrialConfig {
  workload: { name: string; options: Record<string, unknown> };
  training: TrainingConfig;
  optimizer: OptimizerConfig;
  /** `null`: constant learning rate. */
  scheduler: SchedulerConfig | null;
  seed: number;
}

export interface TrainingConfig {
  epochs: number;
  batchSize: number;
  /** Stop after this many optimizer steps even if epochs remain. */
  maxSteps?: number;
}
