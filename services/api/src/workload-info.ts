import type { WorkloadInfo } from '@hypersweep/spec';
import { workloadInfos as trainerWorkloadInfos } from '@hypersweep/trainer/workloads';

/** The trainer's workload registry as the spec validator and the catalog see it. */
export function workloadInfos(): WorkloadInfo[] {
  return trainerWorkloadInfos();
}
