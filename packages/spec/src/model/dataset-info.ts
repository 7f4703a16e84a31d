// What the spec needs to know about an uploaded dataset to check a model against it at POST. The API reads
// it from the datasets table (packages/db) and passes it in, as it passes WorkloadInfo: this package does not
// read the database. A column's or array's description is @hypersweep/data's, which computes it at upload.
import type { DatasetArray, DatasetColumn, DatasetFormat } from '@hypersweep/data';

export type { DatasetArray, DatasetColumn, ValueStats } from '@hypersweep/data';

export interface DatasetInfo {
  id: string;
  name: string;
  sha256: string;
  format: DatasetFormat;
  bytes: number;
  /** Examples: the CSV's data rows, the first axis of the arrays. */
  rows: number;
  /** CSV, Parquet and NPY. */
  columns?: DatasetColumn[];
  /** NPZ. */
  arrays?: DatasetArray[];
}
