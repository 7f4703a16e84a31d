import { TrainerError } from './errors.js';
import type { TrialConfig } from './types.js';
import type { WorkloadInstance } from './workloads/types.js';

type OptimizerParamGroups = Array<{ params: string[]; [option: string]: unknown }>;

/**
 * Translates a trial's param groups, which name workload parameter GROUPS ("classifier"), into
 * createOptimizer's, which name parameters, as torch's per-parameter options do
 * (https://pytorch.org/docs/1.13/optim.html#per-parameter-options).
 */
export function toOptimizerParamGroups(
  groups: TrialConfig['optimizer']['param_groups'],
  workload: WorkloadInstance,
): OptimizerParamGroups | undefined {
  if (groups === undefined) return undefined;
  const claimedBy = new Map<string, number>();
  return groups.map(({ params, ...overrides }, index) => {
    const names = typeof params === 'string' ? [params] : params;
    const paramNames: string[] = [];
    for (const group of names) {
      const members = Object.hasOwn(workload.groups, group) ? workload.groups[group] : undefined;
      if (members === undefined) {
        throw new TrainerError(
          `unknown parameter group "${group}"; this workload has ${Object.keys(workload.groups).join(', ')}`,
          `optimizer/param_groups/${index}/params`,
        );
      }
      for (const name of members) {
        const owner = claimedBy.get(name);
        if (owner !== undefined) {
          // torch: "some parameters appear in more than one parameter group"
          throw new TrainerError(
            `parameter ${name} (group "${group}") appears in param_groups ${owner} and ${index}`,
            `optimizer/param_groups/${index}/params`,
          );
        }
        claimedBy.set(name, index);
        paramNames.push(name);
      }
    }
    return { params: paramNames, ...overrides };
  });
}
