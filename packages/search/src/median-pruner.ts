import { goOn, type Pruner, type PruningReads, type TrialReport } from './pruning.js';

/** Optuna's MedianPruner options (names as Optuna's; a step is an epoch; the defaults are the spec's). */
export interface MedianPrunerOptions {
  n_startup_trials: number;
  n_warmup_steps: number;
  interval_steps: number;
}

/**
 * PostgreSQL's `percentile_cont(fraction)` over `values` (which must hold no NaN): the values sorted,
 * then linear between the two nearest ranks as Postgres computes it, `lo + f * (hi - lo)`, so that
 * the median is the one the pruner took from Postgres before, bit for bit. NaN when there are none.
 */
export function percentileCont(values: ArrayLike<number>, fraction: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const position = fraction * (sorted.length - 1);
  const first = Math.floor(position);
  const second = Math.ceil(position);
  const lo = sorted[first]!;
  if (first === second) return lo;
  return lo + (position - first) * (sorted[second]! - lo);
}

/**
 * Optuna's MedianPruner on epoch metrics: after `n_warmup_steps` epochs, every `interval_steps`
 * epochs, a trial whose best objective value so far is worse than the median of the completed
 * trials' values at the same epoch (null and NaN left out) is pruned; nothing is pruned before
 * `n_startup_trials` trials of the sweep have completed, or while no completed trial has a value at
 * this epoch. A pruned trial's rung is the epoch, its value its best so far, its cutoff the median.
 * https://optuna.readthedocs.io/en/stable/reference/generated/optuna.pruners.MedianPruner.html
 */
export function medianPruner(options: MedianPrunerOptions): Pruner {
  const reads = (trial: TrialReport): PruningReads | null => {
    if (trial.best === null || trial.epoch < options.n_warmup_steps) return null;
    if ((trial.epoch - options.n_warmup_steps) % options.interval_steps !== 0) return null;
    return { completedAt: trial.epoch };
  };
  return {
    reads,
    prune(study, trial) {
      const { epoch, best } = trial;
      if (reads(trial) === null || best === null || study.completedTrials < options.n_startup_trials) {
        return goOn();
      }
      const values: number[] = [];
      for (const value of study.completedValues.get(epoch) ?? []) {
        if (value !== null && !Number.isNaN(value)) values.push(value);
      }
      if (values.length === 0) return goOn();
      const median = percentileCont(values, 0.5);
      const worse = study.direction === 'minimize' ? best > median : best < median;
      if (!worse) return goOn();
      return {
        prune: true,
        bracket: 0,
        records: [],
        rung: epoch,
        value: best,
        cutoff: median,
        reason: `pruned at epoch ${epoch + 1}: best ${study.metric} ${best} is worse than the median ${median} of ${values.length} completed trials`,
      };
    },
  };
}
