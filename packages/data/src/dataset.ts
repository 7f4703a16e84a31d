import { limitBytes, once } from './bytes.js';
import { parseCsv } from './csv.js';
import { DatasetError } from './errors.js';
import { parseNpy } from './npy-table.js';
import { parseNpz } from './npz.js';
import { parseParquet } from './parquet.js';
import { type DatasetSink, describingSink, loadingSink } from './sink.js';
import {
  type DatasetDescription,
  type DatasetFormat,
  type DatasetLimits,
  datasetFormats,
  type LoadedDataset,
} from './types.js';

function parse<R>(
  format: DatasetFormat,
  chunks: AsyncIterable<Uint8Array>,
  sink: DatasetSink<R>,
  maxBytes: number,
): Promise<R> {
  switch (format) {
    case 'csv':
      return parseCsv(chunks, sink);
    case 'npy':
      return parseNpy(chunks, sink);
    case 'npz':
      return parseNpz(chunks, sink, maxBytes);
    case 'parquet':
      return parseParquet(chunks, sink);
    default:
      throw new DatasetError(`unknown format "${String(format)}": one of ${datasetFormats.join(', ')}`);
  }
}

/**
 * Validates a dataset as its bytes stream in and describes it: rows, and the columns (CSV, Parquet, NPY)
 * or arrays (NPZ) with their stats over every value. Memory stays bounded (a record, an element, a
 * zip window) except for Parquet, which is held whole. Throws a DatasetError (400, or 413 past
 * `limits.maxBytes`) naming what is wrong and where; other errors (the stream's own) pass through.
 */
export function inspectDataset(
  format: DatasetFormat,
  chunks: AsyncIterable<Uint8Array>,
  limits: DatasetLimits,
): Promise<DatasetDescription> {
  return parse(format, limitBytes(chunks, limits.maxBytes), describingSink(), limits.maxBytes);
}

/**
 * Loads a whole dataset for training: columns as Float64Array (CSV, Parquet, NPY), NPZ arrays in their
 * dtype in C order. Validates as inspectDataset does (it throws the same DatasetErrors).
 */
export function readDataset(format: DatasetFormat, bytes: Uint8Array): Promise<LoadedDataset> {
  return parse(format, once(bytes), loadingSink(), Number.POSITIVE_INFINITY);
}

/** The format a file name's extension implies (.csv, .npy, .npz, .parquet), or undefined. */
export function formatFromFileName(name: string): DatasetFormat | undefined {
  const extension = /\.([a-z]+)$/i.exec(name)?.[1]?.toLowerCase();
  return datasetFormats.find((format) => format === extension);
}
