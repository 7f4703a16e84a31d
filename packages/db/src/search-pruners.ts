import { createPruner, type TrialReport } from '@hypersweep/search';
import type { AnyPrunerConfig, Objective } from '@hypersweep/spec';
import { loadPruningStudy, storePruneDecision } from './pruning-store.js';
import type { Queryable, Transactional } from './queryable.js';
import { withSweepLock } from './search-store.js';

export interface EpochReport {
  sweepId: string;
  trialId: string;
  /** The trial's number in its sweep (Hyperband's and ASHA's bracket draw). */
  index: number;
  epoch: number;
  /** This epoch's objective value (what Optuna's `trial.report` gets). */
  value: number | null;
  /** The best objective value so far (MedianPruner's input). */
  best: number | null;
  objective: Objective;
  /** The trial's epochs ("auto" resources). */
  epochs: number;
}

/**
 * Why the sweep's pruner stops this trial after this epoch, or null. One path for every pruner: the
 * pruner says what the decision reads (nothing: no decision, no query), the store loads that, the
 * pruner decides, the store keeps the decision (rung values; the rung, value and cutoff of a pruned
 * trial). A decision that reads rung values (SuccessiveHalving, Hyperband, ASHA) runs inside the
 * sweep's advisory lock, so two trials reporting the same rung at once see each other (one slot cannot
 * be passed twice); MedianPruner's reads only completed trials, which the lock does not guard, and it
 * records no rung values, so it runs without the lock (one statement, two when it prunes).
 */
export async function pruneReason(
  pool: Transactional,
  pruner: AnyPrunerConfig,
  report: EpochReport,
): Promise<string | null> {
  const judge = createPruner(pruner);
  const trial: TrialReport = {
    studyName: report.sweepId,
    number: report.index,
    epoch: report.epoch,
    value: report.value,
    best: report.best,
    epochs: report.epochs,
  };
  const reads = judge.reads(trial);
  if (reads === null) return null;
  const decide = async (db: Queryable): Promise<string | null> => {
    const study = await loadPruningStudy(db, {
      sweepId: report.sweepId,
      trialId: report.trialId,
      objective: report.objective,
      ...reads,
    });
    const decision = judge.prune(study, trial);
    await storePruneDecision(db, report.sweepId, report.trialId, decision);
    return decision.prune ? decision.reason : null;
  };
  return reads.rungs === undefined ? decide(pool) : withSweepLock(pool, report.sweepId, 'rungs', decide);
}
