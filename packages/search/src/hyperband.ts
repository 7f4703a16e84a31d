import { crc32 } from './crc32.js';
import {
  type PruneDecision,
  type RungTrial,
  type SuccessiveHalvingOptions,
  successiveHalvingDecision,
} from './successive-halving.js';
import type { Direction } from './tpe-sampler.js';

/** Optuna's HyperbandPruner options (3.1 defaults; "auto" max_resource: the sweep's epochs). */
export interface HyperbandOptions {
  min_resource: number;
  max_resource: number | 'auto';
  reduction_factor: number;
  bootstrap_count: number;
}

export const hyperbandDefaults: HyperbandOptions = {
  min_resource: 1,
  max_resource: 'auto',
  reduction_factor: 3,
  bootstrap_count: 0,
};

/** The brackets of Optuna 3.1's HyperbandPruner: how many, and each one's share of the trials. */
export function hyperbandBrackets(minResource: number, maxResource: number, reductionFactor: number) {
  // Python's math.log(x, base) is log(x) / log(base).
  const nBrackets = Math.floor(Math.log(maxResource / minResource) / Math.log(reductionFactor)) + 1;
  const budgets: number[] = [];
  for (let bracket = 0; bracket < nBrackets; bracket++) {
    const s = nBrackets - 1 - bracket;
    budgets.push(Math.ceil((nBrackets * reductionFactor ** s) / (s + 1)));
  }
  return { nBrackets, budgets, total: budgets.reduce((a, b) => a + b, 0) };
}

/**
 * `_get_bracket_id`: crc32 of "<study name>_<trial number>" modulo the total budget, walked
 * through the brackets' budgets. A sweep's id plays the study name.
 */
export function hyperbandBracket(
  studyName: string,
  trialNumber: number,
  brackets: { budgets: readonly number[]; total: number },
): number {
  let n = crc32(`${studyName}_${trialNumber}`) % brackets.total;
  for (let bracket = 0; bracket < brackets.budgets.length; bracket++) {
    n -= brackets.budgets[bracket]!;
    if (n < 0) return bracket;
  }
  throw new Error('unreachable: the budgets sum to the total');
}

/**
 * Optuna 3.1's HyperbandPruner.prune: the trial's bracket b runs SuccessiveHalving with
 * min_early_stopping_rate b, judged only among the trials of the same bracket (`othersAt` must
 * give the values of the other trials of this bracket).
 * https://optuna.readthedocs.io/en/v3.1.0/reference/generated/optuna.pruners.HyperbandPruner.html
 */
export function hyperbandDecision(
  options: Omit<HyperbandOptions, 'max_resource'> & { max_resource: number },
  direction: Direction,
  bracket: number,
  trial: RungTrial,
  othersAt: (rung: number) => ArrayLike<number>,
): PruneDecision {
  const sh: Omit<SuccessiveHalvingOptions, 'min_resource'> & { min_resource: number } = {
    min_resource: options.min_resource,
    reduction_factor: options.reduction_factor,
    min_early_stopping_rate: bracket,
    bootstrap_count: options.bootstrap_count,
  };
  return successiveHalvingDecision(sh, direction, trial, othersAt);
}
