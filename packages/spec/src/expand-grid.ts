import type { KeyedConfig, OptimizerPlan } from './optimizer-plan.js';
import type { WorkloadConfig } from './read-workload.js';
import type { PlannedScheduler } from './scheduler-plan.js';
import type { OptimizerConfig, TrainingConfig, TrialConfig } from './trial-config.js';

export interface GridParts {
  /** The workload's variants (a built-in's one; a model's combinations of swept layer options). */
  workloads: ReadonlyArray<KeyedConfig<WorkloadConfig>>;
  training: TrainingConfig;
  /** Per optimizer entry, its configs (defaults filled). */
  optimizers: Array<{ plan: OptimizerPlan; configs: KeyedConfig<OptimizerConfig>[] }>;
  /** The union of every scheduler entry's configs; null is a constant learning rate. */
  schedulers: Array<PlannedScheduler | null>;
  seeds: readonly number[];
  /** Whether an optimizer entry and a scheduler config can be combined (torch's cross checks). */
  compatible(optimizerIndex: number, scheduler: PlannedScheduler): boolean;
}

/**
 * The trials of a sweep: the workload's variants, times the union over optimizer entries of their
 * configs, times the union of scheduler configs, times the seeds, in that nesting order (seeds vary
 * fastest). Trials whose
 * configs are equal after defaults are filled in are merged, keeping the first; equality is
 * decided on the canonical text of each part, computed once per part rather than per trial.
 */
export function expandGrid(parts: GridParts): TrialConfig[] {
  const trials: TrialConfig[] = [];
  const seen = new Set<string>();
  for (const workload of parts.workloads) {
    parts.optimizers.forEach(({ configs }, optimizerIndex) => {
      const schedulers = parts.schedulers.filter(
        (scheduler) => scheduler === null || parts.compatible(optimizerIndex, scheduler),
      );
      for (const optimizer of configs) {
        for (const scheduler of schedulers) {
          for (const seed of parts.seeds) {
            const key = `${workload.key}\u0000${optimizer.key}\u0000${scheduler?.key ?? 'null'}\u0000${seed}`;
            if (seen.has(key)) continue;
            seen.add(key);
            trials.push({
              workload: workload.config,
              training: parts.training,
              optimizer: optimizer.config,
              scheduler: scheduler?.config ?? null,
              seed,
            });
          }
        }
      }
    });
  }
  return trials;
}
