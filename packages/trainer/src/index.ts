export { datasetFilesOf } from '@hypersweep/spec';
export {
  activeBackend,
  type BackendChoice,
  type BackendName,
  backendNames,
  type SelectBackendOptions,
  selectBackend,
  webgpuAdapterNote,
} from './backend.js';
export type { Checkpoint, PackedFloat32 } from './checkpoint.js';
export { DatasetCache } from './dataset-cache.js';
export { TrainerError } from './errors.js';
export { epochMetric } from './objective.js';
export { type PackedOutcome, type PackedTrial, packedByDefault, packKey, runPackedTrials } from './packed.js';
export type { RngState } from './rng.js';
export { runTrial } from './run-trial.js';
export type * from './types.js';
export { workloadInfos } from './workload-infos.js';
export { getWorkload, resolveWorkloadOptions, workloadNames, workloads } from './workloads/index.js';
export type { DatasetFiles, WorkloadDefinition } from './workloads/types.js';
