import type { Objective, ObjectiveMetric } from '@hypersweep/spec';
import { defaultObjectiveMetric } from '@hypersweep/spec/objective';
import { TrainerError } from './errors.js';
import type { EpochRecord } from './types.js';

/** The epoch metric a name refers to (undefined where the workload has no validation set). */
export function epochMetric(record: EpochRecord, metric: ObjectiveMetric): number | undefined {
  switch (metric) {
    case 'train_loss':
      return record.trainLoss;
    case 'val_loss':
      return record.valLoss;
    case 'val_accuracy':
      return record.valAccuracy;
  }
}

/** The trial's objective: the one asked for, else val_loss (train_loss without validation), minimised. */
export function resolveObjective(objective: Objective | undefined, hasValidation: boolean): Objective {
  const resolved = objective ?? { metric: defaultObjectiveMetric(hasValidation), mode: 'min' };
  if (resolved.metric !== 'train_loss' && !hasValidation) {
    throw new TrainerError(
      `objective ${resolved.metric} needs a validation set, which this workload has not`,
      'objective/metric',
    );
  }
  return resolved;
}

export type Best = { value: number; step: number } | null;

/** The better of `best` and this epoch's objective value (the earlier epoch wins ties; NaN never wins). */
export function updateBest(best: Best, objective: Objective, record: EpochRecord): Best {
  const value = epochMetric(record, objective.metric);
  if (value === undefined || Number.isNaN(value)) return best;
  const better = best === null || (objective.mode === 'min' ? value < best.value : value > best.value);
  return better ? { value, step: record.step } : best;
}
