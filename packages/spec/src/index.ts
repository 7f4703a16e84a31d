export { canonicalJson, configHash } from './canonical-json.js';
export * from './compare/index.js';
export type { SpecError } from './error-report.js';
export { sweepSpecExamples } from './examples.js';
export { pointer } from './json-pointer.js';
export { type LrRangeTestValidation, lrRangeTestFields, validateLrRangeTest } from './lr-range-test-spec.js';
export {
  BUILTIN_DATASET_DESCRIPTIONS,
  BUILTIN_DATASETS,
  builtinDataset,
  isBuiltinDataset,
} from './model/builtin-datasets.js';
export { layerCatalog, lossCatalog, type ModelCatalogEntry } from './model/catalog.js';
export { type DatasetLookup, datasetReferences, splitCounts, withDatasetIds } from './model/dataset.js';
export type { DatasetArray, DatasetColumn, DatasetInfo, ValueStats } from './model/dataset-info.js';
export { datasetFilesOf, datasetLookup } from './model/dataset-lookup.js';
export { type ModelSummary, type ModelSummaryRow, summarizeModel } from './model/shapes.js';
export {
  ACTIVATION_TYPES,
  type DatasetFileRef,
  LAYER_TYPES,
  type LayerType,
  LOSS_TYPES,
  type LossType,
  MODEL_WORKLOAD,
  type ModelWorkloadOptions,
  type ResolvedDataset,
  type ResolvedLayer,
  type ResolvedLoss,
} from './model/types.js';
export {
  defaultObjectiveMetric,
  isObjectiveMetric,
  isTrainerMetric,
  type Objective,
  type ObjectiveMetric,
  type ObjectiveMode,
  objectiveMetrics,
  objectiveModes,
  type SweepMetric,
  trainerMetricPattern,
} from './objective.js';
export { protocolSpecExample, withProtocolSchema } from './protocol-schema.js';
export {
  evaluationConfigs,
  type ProtocolEntry,
  type ProtocolPlan,
  type ProtocolSettings,
  type ProtocolSweep,
  type SubmittedSweepValidation,
  type TrialOrigin,
  validateSubmittedSweep,
} from './protocol-spec.js';
export { EXTERNAL_WORKLOAD, isExternalWorkload } from './read-workload.js';
export {
  type AnyPrunerConfig,
  isSearchPrunerType,
  type SearchPrunerConfig,
  searchPrunerTypes,
} from './search-pruners.js';
export { searchSpecExample, withSearchSchema } from './search-schema.js';
export {
  DEFAULT_TPE_PARALLELISM,
  proposeSearchConfig,
  type SearchSettings,
  type SearchSweep,
  type SearchSweepValidation,
  validateSearchSweepSpec,
} from './search-spec.js';
export { DEFAULT_MAX_TRIALS, DEFAULT_TRAINING, prunerTypes } from './spec-fields.js';
export {
  endedSweepStatuses,
  type SweepStatus,
  sweepStatuses,
  type TrialStatus,
  trialStatuses,
} from './statuses.js';
export {
  createSweepSpecSchema,
  modelWorkloadSchema,
  ObjectiveSchema,
  OptimizerSpecSchema,
  PrunerSchema,
  SchedulerSpecSchema,
  SeedsSchema,
  SpecErrorSchema,
  type SweepSpec,
  type SweepSpecInput,
  SweepSpecSchema,
  TrainingSchema,
} from './sweep-spec-schema.js';
export type {
  OptimizerConfig,
  ParamGroupConfig,
  SchedulerConfig,
  SchedulerInterval,
  TrainingConfig,
  TrialConfig,
} from './trial-config.js';
export {
  type ModelWorkloadSpec,
  type NormalizedSweepSpec,
  type PrunerConfig,
  type SpecEntry,
  type SweepSpecValidation,
  type ValidationContext,
  validateSweepSpec,
} from './validate-sweep-spec.js';
export { batchesPerEpoch, type WorkloadInfo } from './workload-info.js';
