import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Distribution } from '../src/distributions.js';

/** The decisions recorded with Optuna by reference/record_optuna.py. */
export const reference = JSON.parse(
  readFileSync(fileURLToPath(new URL('../reference/optuna-reference.json', import.meta.url)), 'utf8'),
) as Reference;

export type RefDistribution =
  | { kind: 'float'; low: number; high: number; log: boolean }
  | { kind: 'int'; low: number; high: number; log: boolean; step: number }
  | { kind: 'categorical'; choices: unknown[] };

export interface RefTrial {
  number: number;
  state: 'complete' | 'pruned' | 'fail';
  value: number | null;
  last_step: number | null;
  last_value: number | null;
  params: Record<string, unknown>;
}

export interface RefSpace {
  space: [string, RefDistribution][];
  conditional: { name: string; when: Record<string, unknown>; distribution: RefDistribution };
}

export interface RefEstimator {
  weights: number[];
  mus?: number[];
  sigmas?: number[];
  categorical_weights?: number[][];
}

export interface RefPrunerTrial {
  number: number;
  curve: number[];
  pruned_at: number | null;
  bracket?: number;
}

export interface Reference {
  optuna_version: string;
  random: (RefSpace & { seed: number; trials: Record<string, unknown>[] })[];
  tpe_studies: (RefSpace & { seed: number; direction: 'minimize' | 'maximize'; trials: RefTrial[] })[];
  tpe_internals: {
    seed: number;
    trials: RefTrial[];
    params: Record<
      string,
      {
        distribution: RefDistribution;
        n: number;
        below: number[];
        above: number[];
        below_estimator: RefEstimator;
        above_estimator: RefEstimator;
        candidates: number[];
        log_l: number[];
        log_g: number[];
        chosen_index: number;
        chosen: number;
      }
    >;
  }[];
  argsort: { values: number[]; order: number[] }[];
  successive_halving: {
    options: {
      min_resource: number;
      reduction_factor: number;
      min_early_stopping_rate: number;
      bootstrap_count: number;
    };
    direction: 'minimize' | 'maximize';
    n_steps: number;
    trials: RefPrunerTrial[];
  }[];
  hyperband: {
    options: { min_resource: number; max_resource: number; reduction_factor: number };
    direction: 'minimize' | 'maximize';
    study_name: string;
    n_steps: number;
    trials: RefPrunerTrial[];
  }[];
}

export const toDistribution = (d: RefDistribution): Distribution => d as Distribution;

/** The parameters a trial of the reference objective asks for, in the order it asks. */
export function* paramsInOrder(
  space: RefSpace,
  chosen: Record<string, unknown>,
): Generator<[string, Distribution]> {
  for (const [name, d] of space.space) yield [name, toDistribution(d)];
  const c = space.conditional;
  if (Object.entries(c.when).every(([k, v]) => chosen[k] === v))
    yield [c.name, toDistribution(c.distribution)];
}
