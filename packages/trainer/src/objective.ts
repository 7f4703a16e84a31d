import {
  type Best,
  defaultObjectiveMetric,
  isObjectiveMetric,
  objectiveMetrics,
  updateBest as updateBestValue,
} from '@hypersweep/core';
import type { Objective, SweepMetric } from '@hypersweep/spec';
import { TrainerError } from './errors.js';
import type { EpochRecord } from './types.js';

/** The epoch metric a name refers to (undefined where the workload has no validation set). */
export function epochMetric(record: EpochRecord, metric: SweepMetric): number | undefined {
  switch (metric) {
    case 'train_loss':
      return record.trainLoss;
    case 'val_loss':
      return record.valLoss;
    case 'val_accuracy':
      return record.valAccuracy;
    default:
      // A trainer's own metric (external sweeps): the service's trainer never measures one.
      return undefined;
  }
}

/** The trial's objective: the one asked for, else val_loss (train_loss without validation), minimised. */
export function resolveObjective(objective: Objective | undefined, hasValidation: boolean): Objective {
  const resolved = objective ?? { metric: defaultObjectiveMetric(hasValidation), mode: 'min' };
  if (!isObjectiveMetric(resolved.metric)) {
    throw new TrainerError(
      `objective ${resolved.metric} is a metric of an external trainer's own; the service's trainer measures ${objectiveMetrics.join(', ')}`,
      'objective/metric',
    );
  }
  if (resolved.metric !== 'train_loss' && !hasValidation) {
    throw new TrainerError(
      `objective ${resolved.metric} needs a validation set, which this workload has not`,
      'objective/metric',
    );
  }
  return resolved;
}

export type { Best };

/** The better of `best` and this epoch's objective value (@hypersweep/core's one rule for best so far). */
export function updateBest(best: Best, objective: Objective, record: EpochRecord): Best {
  return updateBestValue(best, objective.mode, epochMetric(record, objective.metric), record.step);
}
