import { TrainerError } from '../errors.js';
import { logistic } from './logistic.js';
import { mnistMlp } from './mnist-mlp.js';
import { modelWorkload } from './model.js';
import { rosenbrock } from './rosenbrock.js';
import { twoLayerRegression } from './two-layer-regression.js';
import type { WorkloadDefinition } from './types.js';

export { resolveWorkloadOptions } from './options.js';
export type * from './types.js';

/** Every workload a sweep can name, keyed by name. */
export const workloads: Readonly<Record<string, WorkloadDefinition>> = Object.freeze({
  [mnistMlp.name]: mnistMlp,
  [twoLayerRegression.name]: twoLayerRegression,
  [rosenbrock.name]: rosenbrock,
  [logistic.name]: logistic,
});

export const workloadNames: readonly string[] = Object.keys(workloads);

export function getWorkload(name: string): WorkloadDefinition {
  // A model from the spec is not one of the named workloads (the catalog and `workload: NAME` list those).
  if (name === modelWorkload.name) return modelWorkload;
  const workload = Object.hasOwn(workloads, name) ? workloads[name] : undefined;
  if (workload === undefined) {
    throw new TrainerError(
      `unknown workload "${name}"; expected one of ${workloadNames.join(', ')}`,
      'workload/name',
    );
  }
  return workload;
}
