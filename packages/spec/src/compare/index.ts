export {
  type ComparedTrial,
  type ConfigGroup,
  configKey,
  furthestPruned,
  groupBySeed,
  type PrunedSummary,
  type PrunedTrial,
  rankGroups,
  type SeedlessConfig,
  withoutSeed,
} from './config-groups.js';
export {
  computeEffects,
  type Effects,
  type EffectsMethod,
  type EffectsOptions,
  type FactorEffect,
  type FactorInteraction,
  type FactorLevel,
} from './effects.js';
export { type Factor, factorValues, sweptFactors } from './factors.js';
export { type FactorScope, type SpecFactor, type SpecPart, specFactors } from './spec-factors.js';
export { meanOf, summarize, type ValueSummary } from './summary.js';
export { logGamma, regularizedBeta, studentTCdf, studentTQuantile } from './t-distribution.js';
