import { resolveWorkloadOptions, workloads } from './workloads/index.js';

/**
 * The workload registry as the spec validator and the catalog see it (packages/spec WorkloadInfo,
 * structurally): the API validates specs with it, and the worker validates the configs a TPE
 * search samples with the same.
 */
export function workloadInfos() {
  return Object.values(workloads).map((workload) => ({
    name: workload.name,
    description: workload.description,
    options: workload.options,
    paramGroups: [...workload.paramGroups],
    hasValidation: workload.hasValidation,
    trainExamples: (options: Record<string, unknown>) =>
      workload.trainExamples(resolveWorkloadOptions(workload, options)),
  }));
}
