// The description of an uploaded dataset. Structurally the same as @hypersweep/spec's ValueStats,
// DatasetColumn and DatasetArray (this layer-1 package cannot import spec; test/spec-shape.test.ts checks
// that the two stay assignable both ways).

export type DatasetFormat = 'csv' | 'npy' | 'npz' | 'parquet';
export const datasetFormats: readonly DatasetFormat[] = ['csv', 'npy', 'npz', 'parquet'];

/** A numeric column's (or array's) summary, computed at upload over every value. */
export interface ValueStats {
  min: number;
  max: number;
  /** 0-based row (example) index holding `min` (the first such row). */
  minRow: number;
  /** 0-based row (example) index holding `max` (the first such row). */
  maxRow: number;
  /** Whether every value is an integer. */
  integer: boolean;
  /** 0-based row of the first value that is not an integer, or null when `integer`. */
  firstNonIntegerRow: number | null;
}

/** A column of a CSV or Parquet file, or of a 1-D / 2-D NPY array (named "0", "1", ...). */
export interface DatasetColumn {
  name: string;
  type: 'integer' | 'float';
  stats: ValueStats;
}

/** An array of an NPZ file; its first axis is the examples (rows). */
export interface DatasetArray {
  name: string;
  /** NumPy's dtype name: float32, float64, int8..int64, uint8..uint64, bool. */
  dtype: string;
  shape: number[];
  stats: ValueStats;
}

/** What inspectDataset finds: the examples, and the columns (CSV, Parquet, NPY) or arrays (NPZ). */
export interface DatasetDescription {
  /** Examples: the CSV's data rows, the first axis of the arrays. */
  rows: number;
  columns?: DatasetColumn[];
  arrays?: DatasetArray[];
}

export interface DatasetLimits {
  /** The most bytes read from the input, and for NPZ the most bytes inflated from its members in all. */
  maxBytes: number;
}

/** The values of an array in the dtype it was stored with (int64 and uint64 as float64: exact to 2^53). */
export type NumericArray =
  | Float64Array
  | Float32Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array;

/** A dataset in memory, for training (readDataset). */
export interface LoadedDataset {
  rows: number;
  /** CSV, Parquet and NPY: every column's values by name, in row order. */
  columns?: Record<string, Float64Array>;
  /** NPZ: every array by name, its values in C (row-major) order whatever the file's order. */
  arrays?: Record<string, { dtype: string; shape: number[]; values: NumericArray }>;
}
