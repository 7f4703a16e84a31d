import { completedEpochMedian, type EpochMetricName, type Queryable } from '@hypersweep/db';
import type { PrunerConfig } from '@hypersweep/spec';
import type { Objective } from '@hypersweep/trainer';

/**
 * Optuna's MedianPruner on epoch metrics: after `n_warmup_steps` epochs, every `interval_steps`
 * epochs, a trial whose best objective value so far is worse than the median of the completed
 * trials' values at the same epoch is pruned; nothing is pruned before `n_startup_trials` trials of
 * the sweep have completed, or while no completed trial reached this epoch. Returns why it prunes,
 * or null. https://optuna.readthedocs.io/en/stable/reference/generated/optuna.pruners.MedianPruner.html
 */
export async function medianPruneReason(
  db: Queryable,
  pruner: PrunerConfig,
  trial: { sweepId: string; epoch: number; best: number | null; objective: Objective },
): Promise<string | null> {
  const { sweepId, epoch, best, objective } = trial;
  if (best === null || epoch < pruner.n_warmup_steps) return null;
  if ((epoch - pruner.n_warmup_steps) % pruner.interval_steps !== 0) return null;
  const { completedTrials, median, values } = await completedEpochMedian(
    db,
    sweepId,
    epoch,
    objective.metric satisfies EpochMetricName,
  );
  if (completedTrials < pruner.n_startup_trials || values === 0 || median === null) return null;
  const worse = objective.mode === 'min' ? best > median : best < median;
  if (!worse) return null;
  return `pruned at epoch ${epoch}: best ${objective.metric} ${best} is worse than the median ${median} of ${values} completed trials`;
}
