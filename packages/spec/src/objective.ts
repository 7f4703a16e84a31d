// No imports: the trainer loads this module alone (`@hypersweep/spec/objective`), not the whole spec.

/** What a sweep optimizes: the metric the leaderboard sorts by and ReduceLROnPlateau monitors. */
export const objectiveMetrics = ['val_loss', 'val_accuracy', 'train_loss'] as const;
export type ObjectiveMetric = (typeof objectiveMetrics)[number];
/** The database's `ObjectiveMode` enum (test/statuses.test.ts keeps them equal). */
export const objectiveModes = ['min', 'max'] as const;
export type ObjectiveMode = (typeof objectiveModes)[number];

export function isObjectiveMetric(name: string): name is ObjectiveMetric {
  return (objectiveMetrics as readonly string[]).includes(name);
}

export interface Objective {
  metric: ObjectiveMetric;
  mode: ObjectiveMode;
}

/** Metrics measured on the validation set, once per epoch. */
export function isValidationMetric(metric: ObjectiveMetric): boolean {
  return metric.startsWith('val_');
}

/** The direction a metric is naturally optimized in, the default `mode`. */
export function naturalMode(metric: ObjectiveMetric): ObjectiveMode {
  return metric.endsWith('accuracy') ? 'max' : 'min';
}

/** The objective metric when none is given: val_loss, or train_loss for a workload without a validation set. */
export function defaultObjectiveMetric(hasValidation: boolean): ObjectiveMetric {
  return hasValidation ? 'val_loss' : 'train_loss';
}
