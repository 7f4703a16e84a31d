/**
 * The workload registry as the spec validator and the catalog see it (packages/spec WorkloadInfo,
 * structurally): the API validates specs with it, and the worker validates the configs a TPE search
 * samples with the same. One declaration, in the TF-free workload-metadata.ts.
 */
export { workloadInfos } from './workload-metadata.js';
