/** What a sweep optimizes: the metric the leaderboard sorts by and ReduceLROnPlateau monitors. */
export const objectiveMetrics = ['val_loss', 'val_accuracy', 'train_loss'] as const;
export type ObjectiveMetric = (typeof objectiveMetrics)[number];
export type ObjectiveMode = 'min' | 'max';

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
