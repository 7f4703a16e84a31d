import {
  goOn,
  type PruneDecision,
  type Pruner,
  type PruningReads,
  type RungRecord,
  rungValuesAt,
  type TrialReport,
} from './pruning.js';
import type { Direction } from './tpe-sampler.js';

/** Optuna's SuccessiveHalvingPruner options (names and defaults as Optuna 3.1; a step is an epoch). */
export interface SuccessiveHalvingOptions {
  /** Epochs before the first rung; "auto": the longest completed trial's epochs / 100, at least 1. */
  min_resource: number | 'auto';
  reduction_factor: number;
  min_early_stopping_rate: number;
  bootstrap_count: number;
}

export const successiveHalvingDefaults: SuccessiveHalvingOptions = {
  min_resource: 'auto',
  reduction_factor: 4,
  min_early_stopping_rate: 0,
  bootstrap_count: 0,
};

/** SuccessiveHalving options with min_resource resolved. */
export type ResolvedSuccessiveHalvingOptions = Omit<SuccessiveHalvingOptions, 'min_resource'> & {
  min_resource: number;
};

/** Why a trial was pruned, or that it goes on; `records` are the rung values to store either way. */
export interface RungDecision {
  prune: boolean;
  records: RungRecord[];
  /** The rung that decided (the last one examined), its value and the cutoff it had to beat. */
  rung: number | null;
  value: number | null;
  cutoff: number | null;
  /** How many values the rung held when deciding, this trial's included. */
  competing: number;
  reason: string | null;
}

/** The trial being judged: its latest step (epoch) and value, and how many rungs it has completed. */
export interface RungTrial {
  step: number;
  value: number;
  completedRungs: number;
}

/**
 * Optuna 3.1's SuccessiveHalvingPruner.prune (optuna/pruners/_successive_halving.py), with the
 * storage reads passed in: `othersAt(rung)` gives the values the other trials recorded at that rung.
 * A trial reaching rung k's step (min_resource * rf^(min_early_stopping_rate + k)) records its
 * value there and goes on only if it is among the best 1/rf of the rung's values so far (the best
 * one while the rung has fewer than rf values), and the rung holds more than bootstrap_count values.
 * https://optuna.readthedocs.io/en/v3.1.0/reference/generated/optuna.pruners.SuccessiveHalvingPruner.html
 */
export function successiveHalvingDecision(
  options: ResolvedSuccessiveHalvingOptions,
  direction: Direction,
  trial: RungTrial,
  othersAt: (rung: number) => ArrayLike<number>,
): RungDecision {
  const { step, value } = trial;
  const records: RungRecord[] = [];
  const keep = (): RungDecision => ({
    prune: false,
    records,
    rung: records.at(-1)?.rung ?? null,
    value: records.length > 0 ? value : null,
    cutoff: null,
    competing: 0,
    reason: null,
  });
  let rung = trial.completedRungs;
  let cutoff: number | null = null;
  for (;;) {
    const promotionStep =
      options.min_resource * options.reduction_factor ** (options.min_early_stopping_rate + rung);
    if (step < promotionStep) {
      const decision = keep();
      decision.cutoff = cutoff;
      return decision;
    }
    if (Number.isNaN(value)) {
      return {
        ...keep(),
        prune: true,
        rung,
        value,
        reason: `pruned at epoch ${step + 1}: the objective is NaN`,
      };
    }
    records.push({ rung, value });
    const others = othersAt(rung);
    const competing = others.length + 1;
    if (competing <= options.bootstrap_count) {
      return {
        prune: true,
        records,
        rung,
        value,
        cutoff: null,
        competing,
        reason: `pruned at epoch ${step + 1}: rung ${rung} holds ${competing} value(s), not more than bootstrap_count ${options.bootstrap_count}`,
      };
    }
    cutoff = rungCutoff(others, value, options.reduction_factor, direction);
    const promotable = direction === 'maximize' ? value >= cutoff : value <= cutoff;
    if (!promotable) {
      return {
        prune: true,
        records,
        rung,
        value,
        cutoff,
        competing,
        reason: `pruned at epoch ${step + 1}: ${value} at rung ${rung} is not among the best 1/${options.reduction_factor} of its ${competing} values (cutoff ${cutoff})`,
      };
    }
    rung += 1;
  }
}

/**
 * `_is_trial_promotable_to_next_rung`'s threshold: the (len // rf)-th best of the rung's values
 * with this one included (the best while there are fewer than rf).
 */
export function rungCutoff(
  others: ArrayLike<number>,
  value: number,
  reductionFactor: number,
  direction: Direction,
): number {
  const n = others.length + 1;
  let idx = Math.floor(n / reductionFactor) - 1;
  if (idx === -1) idx = 0;
  const sorted = new Float64Array(n);
  for (let i = 0; i < others.length; i++) sorted[i] = others[i]!;
  sorted[n - 1] = value;
  sorted.sort();
  return direction === 'maximize' ? sorted[n - 1 - idx]! : sorted[idx]!;
}

/** Optuna's `_estimate_min_resource`: the longest completed trial's last step / 100, at least 1. */
export function estimateMinResource(completedLastSteps: readonly number[]): number | null {
  if (completedLastSteps.length === 0) return null;
  return Math.max(Math.floor(Math.max(...completedLastSteps) / 100), 1);
}

/** A rung decision as every pruner answers: what a pruned trial missed, only records for one that goes on. */
export function fromRungDecision(bracket: number, d: RungDecision): PruneDecision {
  if (!d.prune) return goOn(bracket, d.records);
  const { records, rung, value, cutoff, reason } = d;
  return { prune: true, bracket, records, rung, value, cutoff, reason };
}

/**
 * SuccessiveHalving over the rungs of the trial's bracket behind the Pruner interface (what the
 * SuccessiveHalving and Hyperband pruners share): `bracketOf` gives the trial's bracket (null: the
 * trial never reaches a rung), `optionsOf` the rung rule's options for it. A report without a value
 * decides nothing.
 */
export function halvingPruner(
  bracketOf: (trial: TrialReport) => number | null,
  optionsOf: (trial: TrialReport, bracket: number) => ResolvedSuccessiveHalvingOptions,
): Pruner {
  const reads = (trial: TrialReport): PruningReads | null => {
    if (trial.value === null) return null;
    const bracket = bracketOf(trial);
    return bracket === null ? null : { rungs: { bracket, from: 'next' } };
  };
  return {
    reads,
    prune(study, trial) {
      const bracket = reads(trial)?.rungs?.bracket;
      if (bracket === undefined || trial.value === null) return goOn();
      const decision = successiveHalvingDecision(
        optionsOf(trial, bracket),
        study.direction,
        // Rungs are recorded in order from 0: the next one is the count of those recorded.
        { step: trial.epoch, value: trial.value, completedRungs: study.trialRungs.length },
        (rung) => rungValuesAt(study, bracket, rung),
      );
      return fromRungDecision(bracket, decision);
    },
  };
}

/**
 * Optuna's SuccessiveHalvingPruner behind the Pruner interface. "auto" min_resource is Optuna's
 * estimate, the longest trial's steps / 100 (at least 1): every trial of a sweep runs `epochs`.
 */
export function successiveHalvingPruner(options: SuccessiveHalvingOptions): Pruner {
  return halvingPruner(
    () => 0,
    (trial) => ({
      ...options,
      min_resource:
        options.min_resource === 'auto' ? estimateMinResource([trial.epochs])! : options.min_resource,
    }),
  );
}
