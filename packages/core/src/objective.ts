/**
 * The objective: what a sweep optimizes, how two values compare, and the best value so far. Every
 * "better than" and "best so far" of the service (the trainer's result, the worker's progress, the
 * leaderboard's order, the pruners' and the search's views) follows these rules.
 */

/** What a sweep optimizes: the metric the leaderboard sorts by and ReduceLROnPlateau monitors. */
export const objectiveMetrics = ['val_loss', 'val_accuracy', 'train_loss'] as const;
export type ObjectiveMetric = (typeof objectiveMetrics)[number];
/** The database's `ObjectiveMode` enum (a test keeps them equal). */
export const objectiveModes = ['min', 'max'] as const;
export type ObjectiveMode = (typeof objectiveModes)[number];

/**
 * A metric of an external trainer's own (`val_bleu`): the name an epoch report carries it under. Only a
 * sweep whose trials train outside the service may optimize one; the service stores it with the epoch
 * (epoch_metrics.metrics) and reads it by this name, which is why names are this narrow.
 */
export const trainerMetricPattern = /^[a-z][a-z0-9_]{0,62}$/;

/** What a sweep's objective names: one of the service's metrics, or (external sweeps) a trainer's own. */
export type SweepMetric = ObjectiveMetric | (string & {});

export interface Objective {
  metric: SweepMetric;
  mode: ObjectiveMode;
}

export function isObjectiveMetric(name: string): name is ObjectiveMetric {
  return (objectiveMetrics as readonly string[]).includes(name);
}

/** Whether `name` can be a trainer's own metric: the pattern, and not one of the service's names. */
export function isTrainerMetric(name: string): boolean {
  return trainerMetricPattern.test(name) && !isObjectiveMetric(name) && name !== 'epoch' && name !== 'lr';
}

/**
 * Metrics measured once per epoch, after it, on held-out data: the validation metrics, and a trainer's
 * own metrics (reported with its epochs). Only train_loss is also known step by step.
 */
export function isValidationMetric(metric: SweepMetric): boolean {
  return metric !== 'train_loss';
}

/** The direction a metric is naturally optimized in, the default `mode`. */
export function naturalMode(metric: ObjectiveMetric): ObjectiveMode {
  return metric.endsWith('accuracy') ? 'max' : 'min';
}

/** The objective metric when none is given: val_loss, or train_loss for a workload without a validation set. */
export function defaultObjectiveMetric(hasValidation: boolean): ObjectiveMetric {
  return hasValidation ? 'val_loss' : 'train_loss';
}

/**
 * The one rule for values that are not numbers: only a finite value counts. NaN (a diverged loss) and
 * ±Infinity never become a best value, never beat another value and are never compared by a pruner; a
 * trial that reports only such values has no best value (null), like one that reported nothing.
 */
export function countsAsValue(value: number | null | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** True when `value` is strictly better than `than` (any value that counts beats null; ties do not). */
export function isBetter(
  mode: ObjectiveMode,
  value: number | null | undefined,
  than: number | null,
): boolean {
  if (!countsAsValue(value)) return false;
  if (than === null) return true;
  return mode === 'min' ? value < than : value > than;
}

export type Best = { value: number; step: number } | null;

/** The best value so far after one more report at `step` (the earlier report wins ties). */
export function updateBest(
  best: Best,
  mode: ObjectiveMode,
  value: number | null | undefined,
  step: number,
): Best {
  return isBetter(mode, value, best?.value ?? null) ? { value: value as number, step } : best;
}

/** Sorts values best first by the mode (values that do not count last). */
export function compareValues(mode: ObjectiveMode): (a: number | null, b: number | null) => number {
  return (a, b) => {
    const aCounts = countsAsValue(a);
    const bCounts = countsAsValue(b);
    if (!aCounts || !bCounts) return aCounts === bCounts ? 0 : aCounts ? -1 : 1;
    return mode === 'min' ? a - b : b - a;
  };
}

/** A value as minimised (Optuna's and the search's view: maximised objectives are negated). */
export function asMinimized(mode: ObjectiveMode, value: number): number {
  return mode === 'min' ? value : -value;
}
