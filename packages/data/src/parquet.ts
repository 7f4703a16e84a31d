import { parquetMetadata, parquetRead, parquetSchema } from 'hyparquet';
import { concatBytes } from './bytes.js';
import { DatasetError, notFinite } from './errors.js';
import type { DatasetSink, SeriesSink } from './sink.js';

const INTEGER_TYPES = new Set(['INT32', 'INT64', 'BOOLEAN']);
const FLOAT_TYPES = new Set(['FLOAT', 'DOUBLE']);
const INTEGER_ANNOTATION = /^U?INT_(8|16|32|64)$/;

/**
 * A Parquet upload, read with hyparquet. Parquet needs random access (its footer comes first), so this
 * format alone is held in memory whole, up to the upload limit. Every column must be a flat numeric one
 * (INT32, INT64, FLOAT, DOUBLE, BOOLEAN; no strings, dates, decimals, lists) without nulls.
 */
export async function parseParquet<R>(chunks: AsyncIterable<Uint8Array>, sink: DatasetSink<R>): Promise<R> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  const file = concatBytes(parts).buffer as ArrayBuffer;
  let metadata: ReturnType<typeof parquetMetadata>;
  try {
    metadata = parquetMetadata(file);
  } catch (error) {
    throw new DatasetError(`not a readable Parquet file: ${(error as Error).message}`);
  }
  const rows = Number(metadata.num_rows);
  const fields = parquetSchema(metadata).children;
  const columns = new Map<string, SeriesSink>();
  for (const field of fields) {
    const { name, type, repetition_type, converted_type, logical_type } = field.element;
    const where = { column: name };
    const annotated =
      (converted_type !== undefined && !INTEGER_ANNOTATION.test(converted_type)) ||
      (logical_type !== undefined && logical_type.type !== 'INTEGER');
    if (field.children.length > 0 || repetition_type === 'REPEATED')
      throw new DatasetError(
        `column "${name}" is nested or repeated: only flat numeric columns are read`,
        where,
      );
    if (type === undefined || (!INTEGER_TYPES.has(type) && !FLOAT_TYPES.has(type)) || annotated)
      throw new DatasetError(
        `column "${name}" is ${[type, converted_type ?? logical_type?.type].filter(Boolean).join(' ')}: only numeric columns (INT32, INT64, FLOAT, DOUBLE, BOOLEAN) are read`,
        where,
      );
    columns.set(name, sink.series({ name, type: FLOAT_TYPES.has(type) ? 'float' : 'integer', length: rows }));
  }
  if (fields.length === 0) throw new DatasetError('the Parquet file has no columns');
  if (rows === 0) throw new DatasetError('no data rows: the Parquet file has 0 rows');
  let failure: unknown;
  try {
    await parquetRead({
      file,
      metadata,
      utf8: false,
      onChunk: ({ columnName, columnData, rowStart }) => {
        if (failure !== undefined) return;
        try {
          const column = columns.get(columnName)!;
          for (let k = 0; k < columnData.length; k++) {
            const raw = columnData[k] as unknown;
            const row = rowStart + k;
            if (raw === null || raw === undefined)
              throw new DatasetError(`column "${columnName}", row ${row}: empty cell (null)`, {
                column: columnName,
                row,
              });
            const value = Number(raw);
            if (!Number.isFinite(value)) throw notFinite(value, { column: columnName, row });
            column.add(value, row, row);
          }
        } catch (error) {
          failure = error;
        }
      },
    });
  } catch (error) {
    throw new DatasetError(`unreadable Parquet data: ${(error as Error).message}`);
  }
  if (failure !== undefined) throw failure;
  return sink.finish(rows);
}
