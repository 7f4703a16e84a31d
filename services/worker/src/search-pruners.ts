import {
  insertTrialRungs,
  readRungValues,
  readTrialRungs,
  recordPruneDecision,
  type Transactional,
  withSweepLock,
} from '@hypersweep/db';
import {
  ashaBracket,
  ashaDecision,
  type Direction,
  hyperbandBracket,
  hyperbandBrackets,
  hyperbandDecision,
  successiveHalvingDecision,
} from '@hypersweep/search';
import type { AnyPrunerConfig, Objective, PrunerConfig } from '@hypersweep/spec';
import { medianPruneReason } from './median-pruner.js';

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
 * Why the sweep's pruner stops this trial after this epoch, or null. MedianPruner as before; the
 * rung pruners judge inside a per-sweep lock so two trials reporting the same rung at once see each
 * other (one slot cannot be passed twice), record the trial's rung values, and store the rung, value
 * and cutoff of a pruned trial.
 */
export async function pruneReason(
  pool: Transactional,
  pruner: AnyPrunerConfig,
  trial: EpochReport,
): Promise<string | null> {
  if (pruner.type === 'MedianPruner') return medianPruneReason(pool, pruner as PrunerConfig, trial);
  if (trial.value === null) return null;
  const value = trial.value;
  const direction: Direction = trial.objective.mode === 'min' ? 'minimize' : 'maximize';
  return withSweepLock(pool, trial.sweepId, 'rungs', async (client) => {
    const recorded = await readTrialRungs(client, trial.trialId);
    let bracket = 0;
    let decision: {
      prune: boolean;
      records: { rung: number; value: number }[];
      rung: number | null;
      value: number | null;
      cutoff: number | null;
      reason: string | null;
    };
    if (pruner.type === 'ASHAScheduler') {
      bracket = ashaBracket(pruner, trial.sweepId, trial.index);
      const rungs = await readRungValues(client, trial.sweepId, bracket, 0, trial.trialId);
      const d = ashaDecision(
        pruner,
        direction,
        bracket,
        { iteration: trial.epoch, value, recordedMilestones: new Set(recorded) },
        (milestone) => rungs.get(milestone)?.map((v) => (direction === 'maximize' ? v : -v)) ?? [],
      );
      // Rung values are stored as objective values; ASHA compares rewards (negated for "min").
      decision = {
        prune: d.stop,
        records: d.milestone === null ? [] : [{ rung: d.milestone, value }],
        rung: d.milestone,
        value: d.milestone === null ? null : value,
        cutoff: d.cutoff === null ? null : direction === 'maximize' ? d.cutoff : -d.cutoff,
        reason: d.reason,
      };
    } else {
      const completedRungs = recorded.length;
      let options: {
        min_resource: number;
        reduction_factor: number;
        min_early_stopping_rate: number;
        bootstrap_count: number;
      };
      if (pruner.type === 'HyperbandPruner') {
        const maxResource = pruner.max_resource === 'auto' ? trial.epochs : pruner.max_resource;
        const brackets = hyperbandBrackets(pruner.min_resource, maxResource, pruner.reduction_factor);
        // Trials shorter than min_resource epochs never reach a rung ("auto" max_resource).
        if (brackets.nBrackets < 1) return null;
        bracket = hyperbandBracket(trial.sweepId, trial.index, brackets);
        options = { ...pruner, min_early_stopping_rate: bracket };
      } else {
        // Optuna's "auto": the longest trial's steps / 100; every trial of a sweep runs `epochs`.
        const minResource =
          pruner.min_resource === 'auto' ? Math.max(Math.floor(trial.epochs / 100), 1) : pruner.min_resource;
        options = { ...pruner, min_resource: minResource };
      }
      const rungs = await readRungValues(client, trial.sweepId, bracket, completedRungs, trial.trialId);
      const others = (rung: number) => rungs.get(rung) ?? [];
      const rungTrial = { step: trial.epoch, value, completedRungs };
      decision =
        pruner.type === 'HyperbandPruner'
          ? hyperbandDecision({ ...options, max_resource: 0 }, direction, bracket, rungTrial, others)
          : successiveHalvingDecision(options, direction, rungTrial, others);
    }
    await insertTrialRungs(client, trial.sweepId, trial.trialId, bracket, decision.records);
    if (!decision.prune) return null;
    await recordPruneDecision(client, trial.trialId, decision);
    return decision.reason;
  });
}
