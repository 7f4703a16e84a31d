// The objective lives in @hypersweep/core (objective.ts); re-exported for the spec's users.
export {
  defaultObjectiveMetric,
  isObjectiveMetric,
  isTrainerMetric,
  isValidationMetric,
  naturalMode,
  type Objective,
  type ObjectiveMetric,
  type ObjectiveMode,
  objectiveMetrics,
  objectiveModes,
  type SweepMetric,
  trainerMetricPattern,
} from '@hypersweep/core';
