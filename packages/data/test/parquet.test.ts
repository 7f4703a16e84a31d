import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { DatasetError, inspectDataset, readDataset } from '../src/index.js';
import { CHUNK_SIZES, chunked } from './support.js';

type Columns = Parameters<typeof parquetWriteBuffer>[0]['columnData'];
const parquet = (columnData: Columns) => new Uint8Array(parquetWriteBuffer({ columnData }));
const inspect = (bytes: Uint8Array, size: number = Number.MAX_SAFE_INTEGER) =>
  inspectDataset('parquet', chunked(bytes, size), { maxBytes: 1024 * 1024 });

describe('Parquet', () => {
  const file = parquet([
    { name: 'x', data: [0.5, -2, 3], type: 'DOUBLE' },
    { name: 'n', data: Int32Array.from([7, 1, 9]), type: 'INT32' },
    { name: 'big', data: [10n, 20n, 5n], type: 'INT64' },
    { name: 'flag', data: [true, false, true], type: 'BOOLEAN' },
  ]);

  it('describes numeric columns, whatever the chunking', async () => {
    for (const size of CHUNK_SIZES) {
      expect(await inspect(file, size)).toEqual({
        rows: 3,
        columns: [
          {
            name: 'x',
            type: 'float',
            stats: { min: -2, max: 3, minRow: 1, maxRow: 2, integer: false, firstNonIntegerRow: 0 },
          },
          {
            name: 'n',
            type: 'integer',
            stats: { min: 1, max: 9, minRow: 1, maxRow: 2, integer: true, firstNonIntegerRow: null },
          },
          {
            name: 'big',
            type: 'integer',
            stats: { min: 5, max: 20, minRow: 2, maxRow: 1, integer: true, firstNonIntegerRow: null },
          },
          {
            name: 'flag',
            type: 'integer',
            stats: { min: 0, max: 1, minRow: 1, maxRow: 0, integer: true, firstNonIntegerRow: null },
          },
        ],
      });
    }
    expect((await readDataset('parquet', file)).columns!.big).toEqual(Float64Array.from([10, 20, 5]));
  });

  const refusal = (bytes: Uint8Array) =>
    inspect(bytes).then(
      () => expect.fail('accepted'),
      (e: unknown) => {
        expect(e).toBeInstanceOf(DatasetError);
        return e as DatasetError;
      },
    );

  it('a string column', async () => {
    const error = await refusal(parquet([{ name: 's', data: ['a', 'b'], type: 'STRING' }]));
    expect(error.message).toMatch(/^column "s" is BYTE_ARRAY .*only numeric columns/);
    expect(error.where).toEqual({ column: 's' });
  });

  it('a null, a NaN', async () => {
    const nulls = await refusal(parquet([{ name: 'v', data: [1, null, 3], type: 'DOUBLE', nullable: true }]));
    expect(nulls.message).toBe('column "v", row 1: empty cell (null)');
    const nan = await refusal(parquet([{ name: 'v', data: [1, 2, Number.NaN], type: 'DOUBLE' }]));
    expect(nan.where).toEqual({ column: 'v', row: 2 });
  });

  it('not a Parquet file', async () => {
    expect((await refusal(new TextEncoder().encode('a,b\n1,2\n'))).message).toMatch(
      /^not a readable Parquet file/,
    );
  });
});
