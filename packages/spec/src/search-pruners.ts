import {
  type AshaOptions,
  ashaDefaults,
  type HyperbandOptions,
  hyperbandDefaults,
  type SuccessiveHalvingOptions,
  successiveHalvingDefaults,
} from '@hypersweep/search';
import type { SpecError } from './error-report.js';
import { describeValue } from './json-value.js';
import type { PrunerConfig } from './validate-sweep-spec.js';

/** The pruners of @hypersweep/search, with Optuna's / Ray Tune's option names and defaults. */
export const searchPrunerTypes = ['SuccessiveHalvingPruner', 'HyperbandPruner', 'ASHAScheduler'] as const;
export type SearchPrunerType = (typeof searchPrunerTypes)[number];

export type SearchPrunerConfig =
  | ({ type: 'SuccessiveHalvingPruner' } & SuccessiveHalvingOptions)
  | ({ type: 'HyperbandPruner' } & HyperbandOptions)
  | ({ type: 'ASHAScheduler' } & AshaOptions);

/** Every pruner a sweep may name. */
export type AnyPrunerConfig = PrunerConfig | SearchPrunerConfig;

export const isSearchPrunerType = (type: unknown): type is SearchPrunerType =>
  (searchPrunerTypes as readonly unknown[]).includes(type);

interface OptionRule {
  /** Smallest value allowed. */
  min: number;
  integer: boolean;
  /** A string besides numbers ("auto"). */
  auto?: boolean;
}

const RULES: Record<SearchPrunerType, Record<string, OptionRule>> = {
  SuccessiveHalvingPruner: {
    min_resource: { min: 1, integer: true, auto: true },
    reduction_factor: { min: 2, integer: true },
    min_early_stopping_rate: { min: 0, integer: true },
    bootstrap_count: { min: 0, integer: true },
  },
  HyperbandPruner: {
    min_resource: { min: 1, integer: true },
    max_resource: { min: 1, integer: true, auto: true },
    reduction_factor: { min: 2, integer: true },
    bootstrap_count: { min: 0, integer: true },
  },
  ASHAScheduler: {
    grace_period: { min: 1, integer: true },
    max_t: { min: 1, integer: true },
    reduction_factor: { min: 2, integer: false },
    brackets: { min: 1, integer: true },
  },
};

const DEFAULTS: Record<SearchPrunerType, object> = {
  SuccessiveHalvingPruner: successiveHalvingDefaults,
  HyperbandPruner: hyperbandDefaults,
  ASHAScheduler: ashaDefaults,
};

/**
 * Reads `{"type": "SuccessiveHalvingPruner", ...}` and the others with their libraries' defaults
 * and constraints (Optuna's ValueErrors, Ray's asserts) as errors with JSON pointers.
 */
export function readSearchPruner(
  value: Record<string, unknown>,
  type: SearchPrunerType,
): { pruner: SearchPrunerConfig; errors: SpecError[] } {
  const rules = RULES[type];
  const errors: SpecError[] = [];
  const pruner: Record<string, unknown> = { ...DEFAULTS[type], type };
  for (const [key, option] of Object.entries(value)) {
    if (key === 'type') continue;
    const rule = rules[key];
    const path = `/pruner/${key}`;
    if (rule === undefined) {
      errors.push({
        path,
        message: `unknown option ${key} for ${type}; valid options: ${Object.keys(rules).join(', ')}`,
      });
      continue;
    }
    if (rule.auto && option === 'auto') {
      pruner[key] = option;
      continue;
    }
    const ok =
      typeof option === 'number' &&
      Number.isFinite(option) &&
      (!rule.integer || Number.isInteger(option)) &&
      option >= rule.min;
    if (!ok) {
      const kind = rule.integer ? 'an integer' : 'a number';
      const auto = rule.auto ? ' or "auto"' : '';
      errors.push({
        path,
        message: `${key} must be ${kind} >= ${rule.min}${auto}, got ${describeValue(option)}`,
      });
      continue;
    }
    pruner[key] = option;
  }
  if (
    type === 'SuccessiveHalvingPruner' &&
    pruner['bootstrap_count'] !== 0 &&
    pruner['min_resource'] === 'auto'
  ) {
    errors.push({
      path: '/pruner/bootstrap_count',
      message: "bootstrap_count > 0 and min_resource 'auto' are mutually incompatible (Optuna)",
    });
  }
  if (type === 'ASHAScheduler' && (pruner['grace_period'] as number) > (pruner['max_t'] as number)) {
    errors.push({ path: '/pruner/grace_period', message: 'grace_period must be <= max_t (Ray Tune)' });
  }
  if (
    type === 'HyperbandPruner' &&
    pruner['max_resource'] !== 'auto' &&
    (pruner['max_resource'] as number) < (pruner['min_resource'] as number)
  ) {
    errors.push({ path: '/pruner/max_resource', message: 'max_resource must be >= min_resource' });
  }
  return { pruner: pruner as unknown as SearchPrunerConfig, errors };
}
