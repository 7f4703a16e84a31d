import { describe, expect, it } from 'vitest';
import { DatasetError, inspectDataset, readDataset } from '../src/index.js';
import { CHUNK_SIZES, chunked, fixture, refusedAtEveryChunking } from './support.js';

const limits = { maxBytes: 1024 * 1024 };
const inspect = (bytes: Uint8Array, size: number = Number.MAX_SAFE_INTEGER) =>
  inspectDataset('npy', chunked(bytes, size), limits);

const refusal = (bytes: Uint8Array) => refusedAtEveryChunking((size) => inspect(bytes, size));

// table = arange(15).reshape(5, 3): column c holds c, c+3, ..., c+12
const columnStats = (c: number, integer = true) => ({
  min: c,
  max: c + 12,
  minRow: 0,
  maxRow: 4,
  integer,
  firstNonIntegerRow: null,
});

describe('NPY tables', () => {
  const dtypes = [
    ['lef4', 'float'],
    ['lef8', 'float'],
    ['lei1', 'integer'],
    ['lei2', 'integer'],
    ['lei4', 'integer'],
    ['lei8', 'integer'],
    ['leu1', 'integer'],
    ['leu2', 'integer'],
    ['leu4', 'integer'],
    ['leu8', 'integer'],
    ['bef8', 'float'],
    ['bei4', 'integer'],
    ['beu2', 'integer'],
    ['v2', 'integer'],
    ['v3', 'float'],
  ] as const;
  for (const [name, type] of dtypes) {
    it(`reads table_${name}.npy in 1-byte, 7-byte and whole chunks`, async () => {
      const bytes = fixture(`table_${name}.npy`);
      for (const size of CHUNK_SIZES) {
        expect(await inspect(bytes, size)).toEqual({
          rows: 5,
          columns: [0, 1, 2].map((c) => ({ name: String(c), type, stats: columnStats(c) })),
        });
      }
      const loaded = await readDataset('npy', bytes);
      expect(loaded.rows).toBe(5);
      expect([...loaded.columns!['1']!]).toEqual([1, 4, 7, 10, 13]);
    });
  }

  it('reads booleans as 0/1 integers', async () => {
    const description = await inspect(fixture('table_bool.npy'), 1);
    expect(description.columns![0]).toEqual({
      name: '0',
      type: 'integer',
      stats: { min: 0, max: 1, minRow: 1, maxRow: 0, integer: true, firstNonIntegerRow: null },
    });
  });

  it('reads Fortran order into rows and columns', async () => {
    const bytes = fixture('table_fortran.npy'); // arange(15).reshape(5, 3) / 2
    for (const size of CHUNK_SIZES) {
      const { columns } = await inspect(bytes, size);
      expect(columns![1]).toEqual({
        name: '1',
        type: 'float',
        stats: { min: 0.5, max: 6.5, minRow: 0, maxRow: 4, integer: false, firstNonIntegerRow: 0 },
      });
      expect(columns![0]!.stats.firstNonIntegerRow).toBe(1);
    }
    const loaded = await readDataset('npy', bytes);
    expect([...loaded.columns!['2']!]).toEqual([1, 2.5, 4, 5.5, 7]);
  });

  it('reads a 1-D array as one column "0"', async () => {
    expect(await inspect(fixture('column_f8.npy'), 7)).toEqual({
      rows: 4,
      columns: [
        {
          name: '0',
          type: 'float',
          stats: { min: -1.25, max: 3, minRow: 1, maxRow: 2, integer: false, firstNonIntegerRow: 0 },
        },
      ],
    });
  });
});

describe('NPY refusals', () => {
  it('a 3-D array: not a table', async () => {
    expect((await refusal(fixture('cube.npy'))).message).toMatch(/1-D or 2-D array; got shape \(2, 2, 2\)/);
  });

  it.each([
    ['complex.npy', /unsupported dtype '<c16' \(complex numbers\)/],
    ['strings.npy', /unsupported dtype '<U2' \(unicode strings\)/],
    ['objects.npy', /unsupported dtype '\|O' \(Python objects\)/],
  ])('%s: unsupported dtype', async (name, message) => {
    expect((await refusal(fixture(name))).message).toMatch(message);
  });

  it('NaN and infinities, with the column and row', async () => {
    const nan = await refusal(fixture('nan.npy'));
    expect(nan.where).toEqual({ column: '1', row: 1 });
    expect(nan.message).toBe(
      'column "1", row 1: NaN is not a finite number (NaN and infinities are refused)',
    );
    expect((await refusal(fixture('inf.npy'))).where).toEqual({ column: '0', row: 1 });
  });

  it('truncated data: expected and got bytes', async () => {
    const bytes = fixture('table_lef8.npy');
    const cut = bytes.subarray(0, bytes.length - 10);
    expect((await refusal(cut)).message).toBe(
      "truncated NPY data: shape (5, 3) of '<f8' needs 120 data bytes, got 110",
    );
  });

  it('a truncated header', async () => {
    const cut = fixture('table_lef8.npy').subarray(0, 40);
    expect((await refusal(cut)).message).toMatch(/^truncated NPY file: the header is cut off after 40 bytes/);
    expect((await refusal(fixture('table_lef8.npy').subarray(0, 5))).message).toMatch(
      /not a complete NPY file/,
    );
  });

  it('bytes after the data', async () => {
    const bytes = fixture('table_lei1.npy');
    const longer = new Uint8Array(bytes.length + 3);
    longer.set(bytes);
    expect((await refusal(longer)).message).toMatch(
      /^bad NPY file: 3 bytes after the data of shape \(5, 3\)/,
    );
  });

  it('a bad magic', async () => {
    const bytes = fixture('table_lei1.npy').slice();
    bytes[1] = 0x41;
    expect((await refusal(bytes)).message).toBe(
      'not an NPY file: expected the magic bytes 93 4e 55 4d 50 59 (\\x93NUMPY), got 93 41 55 4d 50 59',
    );
  });

  it('a bad header', async () => {
    const bytes = fixture('table_lei1.npy').slice();
    const at = new TextDecoder('latin1').decode(bytes).indexOf("'shape'");
    bytes.set(new TextEncoder().encode("'shapX'"), at);
    expect((await refusal(bytes)).message).toMatch(/^bad NPY header: no 'shape' tuple; got "\{'descr'/);
    const version = fixture('table_lei1.npy').slice();
    version[6] = 4;
    expect((await refusal(version)).message).toBe('unsupported NPY version 4.0: 1.0, 2.0 and 3.0 are read');
  });

  it('over the size limit: a 413', async () => {
    const error = await inspectDataset('npy', chunked(fixture('table_lef8.npy'), 7), { maxBytes: 100 }).catch(
      (e: unknown) => e as DatasetError,
    );
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as DatasetError).status).toBe(413);
    expect((error as DatasetError).message).toMatch(/exceeds the limit of 100 bytes/);
  });
});
