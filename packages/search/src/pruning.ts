import type { Direction } from './tpe-sampler.js';

/**
 * The pruners behind one interface, as Optuna's `BasePruner.prune(study, trial)`: every pruner
 * decides over the same read model of the sweep (`PruningStudy`) and answers in the same shape
 * (`PruneDecision`). I/O-free: `reads` says what a decision needs, a store loads exactly that
 * (a few indexed queries, never every trial's every epoch), `prune` decides, the store keeps the
 * decision.
 */

/** One epoch's report of the trial being judged (Optuna's `trial.report(value, step)`; a step is an epoch). */
export interface TrialReport {
  /** The sweep's id: Optuna's study name in the bracket draws of Hyperband and ASHA. */
  studyName: string;
  /** The trial's number in its sweep. */
  number: number;
  epoch: number;
  /** This epoch's objective value; null when the epoch has none (nothing is decided then). */
  value: number | null;
  /** The best objective value so far, what MedianPruner compares (null: no finite value yet). */
  best: number | null;
  /** The trial's epochs (the pruners' "auto" resources). */
  epochs: number;
}

/** What deciding on one report reads; a store loads exactly this into a `PruningStudy`. */
export interface PruningReads {
  /** MedianPruner: how many trials completed, and what each completed trial reported at this epoch. */
  completedAt?: number;
  /**
   * Rung pruners: the rungs this trial recorded, and the values the other trials of `bracket` recorded
   * at rungs: from this trial's first unrecorded rung up (`'next'`: SuccessiveHalving and Hyperband
   * record rungs 0, 1, 2, ... in order), or at every rung (`'all'`: ASHA's milestones are epochs).
   * Deciding and recording must be serialised per sweep (two trials reporting a rung at once must
   * see each other).
   */
  rungs?: { bracket: number; from: 'next' | 'all' };
}

/** The values other trials recorded at one rung of one bracket. */
export interface RungValues {
  bracket: number;
  rung: number;
  values: readonly number[];
}

/**
 * The sweep as every pruner sees it, loaded for one decision (what `reads` named; the rest left
 * empty: 0, no entries).
 */
export interface PruningStudy {
  direction: Direction;
  /** The objective's name, as the reasons say it. */
  metric: string;
  /** How many trials of the sweep have completed (Optuna's COMPLETE trials). */
  completedTrials: number;
  /**
   * What the completed trials reported at an epoch, by epoch: one value per trial (a null or NaN, a
   * trial without a usable value there, is left out by the pruner).
   */
  completedValues: ReadonlyMap<number, readonly (number | null)[]>;
  /** The rungs the judged trial has recorded (SuccessiveHalving / Hyperband rung indices, ASHA milestones). */
  trialRungs: readonly number[];
  /** The values the other trials recorded at rungs (the judged trial's own left out). */
  rungValues: readonly RungValues[];
}

/** A value a trial recorded at a rung (Optuna's `completed_rung_<k>` system attribute). */
export interface RungRecord {
  rung: number;
  value: number;
}

/** One decision of any pruner: what to record, and whether and why the trial stops. */
export interface PruneDecision {
  prune: boolean;
  /** The bracket `records` belong to (0 for pruners without brackets). */
  bracket: number;
  /** Values this trial records at rungs, stored whether it is pruned or not. */
  records: readonly RungRecord[];
  /**
   * For a pruned trial: where it was judged (the SuccessiveHalving / Hyperband rung index, the ASHA
   * milestone epoch, the MedianPruner epoch), its value there (MedianPruner: its best so far) and
   * the cutoff it missed (ASHA's in objective units; MedianPruner's: the median); null where there is
   * none (ASHA at max_t, a NaN value) and for a trial that goes on.
   */
  rung: number | null;
  value: number | null;
  cutoff: number | null;
  /** Why it is pruned (null: it goes on). */
  reason: string | null;
}

export interface Pruner {
  /** What deciding on this report reads; null: the report decides nothing (nothing to read or store). */
  reads(trial: TrialReport): PruningReads | null;
  /** Optuna's `BasePruner.prune`: whether the trial stops after this report, over the study loaded for `reads(trial)`. */
  prune(study: PruningStudy, trial: TrialReport): PruneDecision;
}

/** The decision to go on, recording `records` (at `bracket`). */
export function goOn(bracket = 0, records: readonly RungRecord[] = []): PruneDecision {
  return { prune: false, bracket, records, rung: null, value: null, cutoff: null, reason: null };
}

/** The values the other trials recorded at `rung` of `bracket` (none when the study holds none). */
export function rungValuesAt(study: PruningStudy, bracket: number, rung: number): readonly number[] {
  return study.rungValues.find((r) => r.bracket === bracket && r.rung === rung)?.values ?? [];
}
