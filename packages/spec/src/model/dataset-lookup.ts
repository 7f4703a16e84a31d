import type { DatasetLookup } from './dataset.js';
import type { DatasetInfo } from './dataset-info.js';

/** A DatasetLookup over datasets already read: a spec's `id` may be a dataset's id or its name. */
export function datasetLookup(datasets: readonly DatasetInfo[]): DatasetLookup {
  return (idOrName) => datasets.find((dataset) => dataset.id === idOrName || dataset.name === idOrName);
}
