import type { DatasetColumn, DatasetInfo, ValueStats } from '../src/model/dataset-info.js';
import type { ValidationContext } from '../src/validate-sweep-spec.js';
import { workloads } from './workloads.js';

export const stats = (min: number, max: number, extra: Partial<ValueStats> = {}): ValueStats => ({
  min,
  max,
  minRow: 0,
  maxRow: 0,
  integer: true,
  firstNonIntegerRow: null,
  ...extra,
});

const pixels: DatasetColumn[] = Array.from({ length: 64 }, (_, i) => ({
  name: `p${i}`,
  type: 'integer',
  stats: stats(0, 16),
}));

/** sklearn's digits as a CSV: 64 pixel columns and a label 0..9. */
export const digits: DatasetInfo = {
  id: '00000000-0000-4000-8000-000000000001',
  name: 'digits',
  sha256: 'a'.repeat(64),
  format: 'csv',
  bytes: 300_000,
  rows: 1797,
  columns: [...pixels, { name: 'label', type: 'integer', stats: stats(0, 9, { maxRow: 5 }) }],
};

/** The same columns, another file: a validation dataset. */
export const digitsVal: DatasetInfo = {
  ...digits,
  id: '00000000-0000-4000-8000-000000000002',
  name: 'digits-val',
  sha256: 'b'.repeat(64),
  rows: 200,
};

/** Labels 0..10: row 17 holds 10. */
export const digitsEleven: DatasetInfo = {
  ...digits,
  id: '00000000-0000-4000-8000-000000000003',
  name: 'digits-11',
  columns: [...pixels, { name: 'label', type: 'integer', stats: stats(0, 10, { maxRow: 17 }) }],
};

/** A regression CSV: three float features, two float targets. */
export const houses: DatasetInfo = {
  id: '00000000-0000-4000-8000-000000000004',
  name: 'houses',
  sha256: 'c'.repeat(64),
  format: 'parquet',
  bytes: 5000,
  rows: 100,
  columns: [
    ...['rooms', 'area', 'age'].map((name) => ({
      name,
      type: 'float' as const,
      stats: stats(0, 500, { integer: false, firstNonIntegerRow: 1 }),
    })),
    { name: 'price', type: 'float', stats: stats(1, 9, { integer: false, firstNonIntegerRow: 0 }) },
    { name: 'tax', type: 'float', stats: stats(0, 2, { integer: false, firstNonIntegerRow: 0 }) },
  ],
};

/** An NPZ: x [500, 3, 16, 16] float, y [500] integer classes 0..4. */
export const images: DatasetInfo = {
  id: '00000000-0000-4000-8000-000000000005',
  name: 'images',
  sha256: 'd'.repeat(64),
  format: 'npz',
  bytes: 2_000_000,
  rows: 500,
  arrays: [
    {
      name: 'x',
      dtype: 'float32',
      shape: [500, 3, 16, 16],
      stats: stats(0, 1, { integer: false, firstNonIntegerRow: 0 }),
    },
    { name: 'y', dtype: 'int64', shape: [500], stats: stats(0, 4) },
  ],
};

/** Token ids: 12 integer columns 0..49, a 0/1 label. */
export const tokens: DatasetInfo = {
  id: '00000000-0000-4000-8000-000000000006',
  name: 'tokens',
  sha256: 'e'.repeat(64),
  format: 'csv',
  bytes: 9000,
  rows: 300,
  columns: [
    ...Array.from({ length: 12 }, (_, i) => ({
      name: `t${i}`,
      type: 'integer' as const,
      stats: stats(0, 49, { maxRow: 7 }),
    })),
    { name: 'label', type: 'integer', stats: stats(0, 1) },
  ],
};

export const datasets = [digits, digitsVal, digitsEleven, houses, images, tokens];

export const modelContext: ValidationContext = {
  workloads,
  datasets: (idOrName) => datasets.find((d) => d.id === idOrName || d.name === idOrName),
};

/** The CNN on digits. */
export function cnnSpec(): Record<string, unknown> {
  return {
    workload: {
      dataset: { id: 'digits', target: 'label', shape: [1, 8, 8], val: 0.2 },
      model: [
        { type: 'Conv2d', out_channels: 8, kernel_size: 3, padding: 1, name: 'features' },
        { type: 'ReLU' },
        { type: 'MaxPool2d', kernel_size: 2 },
        { type: 'Flatten' },
        { type: 'Dropout', p: 0.2 },
        { type: 'Linear', out_features: 10, name: 'classifier' },
      ],
      loss: { type: 'CrossEntropyLoss', label_smoothing: 0.1 },
    },
    training: { epochs: 1, batchSize: 32 },
    optimizers: [{ type: 'SGD', lr: 0.1 }],
  };
}
