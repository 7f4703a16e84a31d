import type { LoadedDataset } from '@hypersweep/data';
import { isBuiltinDataset } from '@hypersweep/spec';
import { TrainerError } from './errors.js';
import { loadMnistDigits, MNIST_PIXELS } from './workloads/mnist-data.js';

let mnist: LoadedDataset | undefined;

/**
 * A built-in dataset (packages/spec BUILTIN_DATASETS) as a model trains on it, read from this installation:
 * mnist's arrays share the digits mnist-mlp reads (one copy per process).
 */
export function loadBuiltinDataset(id: string): LoadedDataset {
  if (id === 'builtin:mnist') {
    if (mnist === undefined) {
      const digits = loadMnistDigits();
      const side = Math.sqrt(MNIST_PIXELS);
      mnist = {
        rows: digits.count,
        arrays: {
          x: { dtype: 'float32', shape: [digits.count, 1, side, side], values: digits.pixels },
          label: { dtype: 'uint8', shape: [digits.count], values: digits.labels },
        },
      };
    }
    return mnist;
  }
  throw new TrainerError(
    isBuiltinDataset(id) ? `built-in dataset ${id} has no loader` : `${id} is not a built-in dataset`,
    'workload/options/dataset',
  );
}
