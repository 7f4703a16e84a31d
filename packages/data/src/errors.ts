/** Where in an upload a problem is: a CSV line and column, an array of an NPZ, a row, a byte offset. */
export interface DatasetWhere {
  /** 1-based line as an editor shows it (the header is line 1). */
  line?: number;
  /** A column's name (CSV, Parquet, NPY: "0", "1", ...). */
  column?: string;
  /** An NPZ member's array name. */
  array?: string;
  /** 0-based row (example). */
  row?: number;
}

/**
 * A file the service cannot take, and why, in words a user can act on. `status` is 400 for a bad file and
 * 413 for one over the size limit (or a zip member that inflates too far).
 */
export class DatasetError extends Error {
  override readonly name = 'DatasetError';
  constructor(
    message: string,
    readonly where: DatasetWhere = {},
    readonly status: 400 | 413 = 400,
  ) {
    super(message);
  }
}

/** The error for a NaN or an infinity, which no format may hold. */
export function notFinite(value: number | string, where: DatasetWhere): DatasetError {
  const at = [
    where.array !== undefined ? `array "${where.array}"` : undefined,
    where.column !== undefined ? `column "${where.column}"` : undefined,
    where.line !== undefined ? `line ${where.line}` : undefined,
    where.line === undefined && where.row !== undefined ? `row ${where.row}` : undefined,
  ]
    .filter(Boolean)
    .join(', ');
  return new DatasetError(
    `${at}: ${String(value)} is not a finite number (NaN and infinities are refused)`,
    where,
  );
}
