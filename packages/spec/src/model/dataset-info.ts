// What the spec needs to know about an uploaded dataset to check a model against it at POST. The API reads
// it from the datasets table (packages/db) and passes it in, as it passes WorkloadInfo: this package does not
// read the database.

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

/** A column of a CSV or Parquet file, or of a 2-D NPY array (named "0", "1", ...). */
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

export interface DatasetInfo {
  id: string;
  name: string;
  sha256: string;
  format: 'csv' | 'npy' | 'npz' | 'parquet';
  bytes: number;
  /** Examples: the CSV's data rows, the first axis of the arrays. */
  rows: number;
  /** CSV, Parquet and NPY. */
  columns?: DatasetColumn[];
  /** NPZ. */
  arrays?: DatasetArray[];
}
