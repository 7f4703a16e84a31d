import type { Settled } from '@hypersweep/core';
import { type SettleDeps, searchProposer, sweepSettler as settlerOver } from '@hypersweep/db';
import { workloadInfos } from '@hypersweep/trainer';

// The settler lives in @hypersweep/db (search-proposer.ts): the API settles external sweeps by it too.
export { settleOrLeave } from '@hypersweep/db';

/** packages/spec's sampler over the trainer's workloads. */
export const proposeTrials = searchProposer(workloadInfos());

/** @hypersweep/db's sweepSettler over the trainer's workloads. */
export function sweepSettler(deps: Omit<SettleDeps, 'workloads'>): (sweepId: string) => Promise<Settled> {
  return settlerOver({ ...deps, workloads: workloadInfos() });
}
