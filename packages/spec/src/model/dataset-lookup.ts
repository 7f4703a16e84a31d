import { builtinDataset, isBuiltinDataset } from './builtin-datasets.js';
import type { DatasetLookup } from './dataset.js';
import type { DatasetInfo } from './dataset-info.js';
import { type DatasetFileRef, MODEL_WORKLOAD, type ModelWorkloadOptions } from './types.js';

/** A DatasetLookup over datasets already read: a spec's `id` may be a dataset's id or its name. */
export function datasetLookup(datasets: readonly DatasetInfo[]): DatasetLookup {
  return (idOrName) =>
    datasets.find((dataset) => dataset.id === idOrName || dataset.name === idOrName) ??
    builtinDataset(idOrName);
}

/**
 * The uploaded dataset files a trial config reads (none for the built-in workloads and datasets): its model's
 * dataset and validation set. A worker fetches these before training; the API records their ids with the sweep.
 */
export function datasetFilesOf(config: {
  workload?: { name: string; options?: Record<string, unknown> };
}): DatasetFileRef[] {
  // A config without a workload (a test's, or a stored config that is not one) reads no uploaded file.
  if (config.workload?.name !== MODEL_WORKLOAD) return [];
  const { dataset } = config.workload.options as unknown as ModelWorkloadOptions;
  const refs: DatasetFileRef[] = [{ id: dataset.id, sha256: dataset.sha256, format: dataset.format }];
  if (dataset.val !== null && 'sha256' in dataset.val) refs.push(dataset.val);
  // A built-in dataset is part of every worker's installation: nothing to fetch or to link.
  return refs.filter((ref) => !isBuiltinDataset(ref.id));
}
