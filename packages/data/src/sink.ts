import { StatsAccumulator } from './stats.js';
import type {
  DatasetArray,
  DatasetColumn,
  DatasetDescription,
  LoadedDataset,
  NumericArray,
} from './types.js';

/** A column (CSV, Parquet, NPY) or an array (NPZ: with dtype and shape) as a parser announces it. */
export interface SeriesSpec {
  name: string;
  /** The type its storage declares (NPY dtype, Parquet physical type); undefined: judged from the values (CSV). */
  type?: 'integer' | 'float';
  /** Elements, when the file says so before its values (NPY, Parquet). */
  length?: number;
  /** NPZ arrays only. */
  array?: { dtype: string; shape: number[]; fortran: boolean };
}

/** Takes a series' values: `row` is the example, `index` the element's position in file order. */
export interface SeriesSink {
  add(value: number, row: number, index: number): void;
}

/** What the parsers write to: inspectDataset describes, readDataset loads. */
export interface DatasetSink<Result> {
  series(spec: SeriesSpec): SeriesSink;
  finish(rows: number): Result;
}

/** Summarises every series (DatasetDescription). */
export function describingSink(): DatasetSink<DatasetDescription> {
  const seen: { spec: SeriesSpec; stats: StatsAccumulator }[] = [];
  return {
    series(spec) {
      const stats = new StatsAccumulator();
      seen.push({ spec, stats });
      return { add: (value, row) => stats.add(value, row) };
    },
    finish(rows) {
      const columns: DatasetColumn[] = [];
      const arrays: DatasetArray[] = [];
      for (const { spec, stats } of seen) {
        const result = stats.result();
        if (spec.array) {
          const { dtype, shape } = spec.array;
          arrays.push({ name: spec.name, dtype, shape, stats: result });
        } else
          columns.push({
            name: spec.name,
            type: spec.type ?? (result.integer ? 'integer' : 'float'),
            stats: result,
          });
      }
      return arrays.length > 0 ? { rows, arrays } : { rows, columns };
    },
  };
}

const ARRAY_TYPES: Record<string, new (length: number) => NumericArray> = {
  float32: Float32Array,
  float64: Float64Array,
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
  bool: Uint8Array,
};

/** `values` (first axis fastest, Fortran order) in C order. */
export function fortranToC<T extends NumericArray>(values: T, shape: readonly number[]): T {
  const out = new (values.constructor as new (length: number) => T)(values.length);
  const cStrides = shape.map((_, k) => shape.slice(k + 1).reduce((a, b) => a * b, 1));
  const index = shape.map(() => 0);
  let c = 0;
  for (let f = 0; f < values.length; f++) {
    out[c] = values[f]!;
    // next Fortran position: axis 0 moves fastest
    for (let k = 0; k < shape.length; k++) {
      index[k]! += 1;
      c += cStrides[k]!;
      if (index[k]! < shape[k]!) break;
      c -= cStrides[k]! * shape[k]!;
      index[k] = 0;
    }
  }
  return out;
}

/** Keeps every value: columns as Float64Array, arrays in their dtype (int64/uint64 as float64). */
export function loadingSink(): DatasetSink<LoadedDataset> {
  const columns: { name: string; values: Float64Array; rows: number }[] = [];
  const arrays: { spec: SeriesSpec; values: NumericArray }[] = [];
  return {
    series(spec) {
      if (spec.array) {
        const { dtype, shape } = spec.array;
        const values = new (ARRAY_TYPES[dtype] ?? Float64Array)(shape.reduce((a, b) => a * b, 1));
        arrays.push({ spec, values });
        return {
          add: (value, _row, index) => {
            values[index] = value;
          },
        };
      }
      const column = { name: spec.name, values: new Float64Array(spec.length ?? 1024), rows: 0 };
      columns.push(column);
      return {
        add: (value, row) => {
          if (row >= column.values.length) {
            const grown = new Float64Array(Math.max(row + 1, column.values.length * 2));
            grown.set(column.values);
            column.values = grown;
          }
          column.values[row] = value;
        },
      };
    },
    finish(rows) {
      if (arrays.length > 0) {
        return {
          rows,
          arrays: Object.fromEntries(
            arrays.map(({ spec, values }) => {
              const { dtype, shape, fortran } = spec.array!;
              return [spec.name, { dtype, shape, values: fortran ? fortranToC(values, shape) : values }];
            }),
          ),
        };
      }
      return {
        rows,
        columns: Object.fromEntries(
          columns.map((c) => [c.name, c.values.length === rows ? c.values : c.values.slice(0, rows)]),
        ),
      };
    },
  };
}
