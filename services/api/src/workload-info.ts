import type { WorkloadInfo } from '@hypersweep/spec';
import { resolveWorkloadOptions, workloads } from '@hypersweep/trainer';

/** The trainer's workload registry as the spec validator and the catalog see it. */
export function workloadInfos(): WorkloadInfo[] {
  return Object.values(workloads).map((workload) => ({
    name: workload.name,
    description: workload.description,
    options: workload.options,
    paramGroups: [...workload.paramGroups],
    hasValidation: workload.hasValidation,
    trainExamples: (options) => workload.trainExamples(resolveWorkloadOptions(workload, options)),
  }));
}
