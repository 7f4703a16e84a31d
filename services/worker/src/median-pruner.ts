import type { PrunerConfig } from '@hypersweep/spec';
import type { Objective } from '@hypersweep/trainer';
import type pg from 'pg';

const METRIC_COLUMNS: Record<Objective['metric'], string> = {
  val_loss: 'val_loss',
  val_accuracy: 'val_accuracy',
  train_loss: 'train_loss',
};

/**
 * Optuna's MedianPruner on epoch metrics: after `n_warmup_steps` epochs, every `interval_steps`
 * epochs, a trial whose best objective value so far is worse than the median of the completed
 * trials' values at the same epoch is pruned; nothing is pruned before `n_startup_trials` trials of
 * the sweep have completed, or while no completed trial reached this epoch. Returns why it prunes,
 * or null. https://optuna.readthedocs.io/en/stable/reference/generated/optuna.pruners.MedianPruner.html
 */
export async function medianPruneReason(
  pool: Pick<pg.Pool, 'query'>,
  pruner: PrunerConfig,
  trial: { sweepId: string; epoch: number; best: number | null; objective: Objective },
): Promise<string | null> {
  const { sweepId, epoch, best, objective } = trial;
  if (best === null || epoch < pruner.n_warmup_steps) return null;
  if ((epoch - pruner.n_warmup_steps) % pruner.interval_steps !== 0) return null;
  const column = METRIC_COLUMNS[objective.metric];
  const { rows } = await pool.query<{ completed: number; median: number | null; n: number }>(
    `SELECT (SELECT count(*) FROM trials WHERE sweep_id = $1 AND status = 'completed')::int AS completed,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY e.${column}) AS median, count(*)::int AS n
     FROM epoch_metrics e JOIN trials t ON t.id = e.trial_id
     WHERE t.sweep_id = $1 AND t.status = 'completed' AND e.epoch = $2
       AND e.${column} IS NOT NULL AND e.${column} <> 'NaN'::float8`,
    [sweepId, epoch],
  );
  const { completed, median, n } = rows[0]!;
  if (completed < pruner.n_startup_trials || n === 0 || median === null) return null;
  const worse = objective.mode === 'min' ? best > median : best < median;
  if (!worse) return null;
  return `pruned at epoch ${epoch}: best ${objective.metric} ${best} is worse than the median ${median} of ${n} completed trials`;
}
