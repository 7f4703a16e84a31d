import { crc32 } from './crc32.js';
import type { Pruner } from './pruning.js';
import {
  halvingPruner,
  type ResolvedSuccessiveHalvingOptions,
  type RungDecision,
  type RungTrial,
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
): RungDecision {
  return successiveHalvingDecision(bracketRule(options, bracket), direction, trial, othersAt);
}

/** Bracket b's SuccessiveHalving rule: min_early_stopping_rate b. */
function bracketRule(
  options: Omit<HyperbandOptions, 'max_resource'>,
  bracket: number,
): ResolvedSuccessiveHalvingOptions {
  return {
    min_resource: options.min_resource,
    reduction_factor: options.reduction_factor,
    min_early_stopping_rate: bracket,
    bootstrap_count: options.bootstrap_count,
  };
}

/**
 * Optuna's HyperbandPruner behind the Pruner interface: the trial's bracket (none when its epochs are
 * fewer than min_resource with "auto" max_resource: it never reaches a rung) runs SuccessiveHalving
 * with min_early_stopping_rate = bracket among the trials of its bracket.
 */
export function hyperbandPruner(options: HyperbandOptions): Pruner {
  return halvingPruner(
    (trial) => {
      const maxResource = options.max_resource === 'auto' ? trial.epochs : options.max_resource;
      const brackets = hyperbandBrackets(options.min_resource, maxResource, options.reduction_factor);
      return brackets.nBrackets < 1 ? null : hyperbandBracket(trial.studyName, trial.number, brackets);
    },
    (_, bracket) => bracketRule(options, bracket),
  );
}
