import { describe, expect, it } from 'vitest';
import { type DatasetError, inspectDataset, readDataset } from '../src/index.js';
import { CHUNK_SIZES, chunked, refusedAtEveryChunking, text } from './support.js';

const inspect = (csv: string, size: number = Number.MAX_SAFE_INTEGER, maxBytes = 1024 * 1024) =>
  inspectDataset('csv', chunked(text(csv), size), { maxBytes });

const refusal = (csv: string) => refusedAtEveryChunking((size) => inspect(csv, size));

describe('CSV', () => {
  const csv = '\ufeffx, y ,label\r\n1,2.5,0\r\n-3,"1e2",1\r\n\r\n0.5,+4,2\r\n';
  it('describes every column in 1-byte, 7-byte and whole chunks (BOM, CRLF, quotes, blank lines)', async () => {
    for (const size of CHUNK_SIZES) {
      expect(await inspect(csv, size)).toEqual({
        rows: 3,
        columns: [
          {
            name: 'x',
            type: 'float',
            stats: { min: -3, max: 1, minRow: 1, maxRow: 0, integer: false, firstNonIntegerRow: 2 },
          },
          {
            name: 'y',
            type: 'float',
            stats: { min: 2.5, max: 100, minRow: 0, maxRow: 1, integer: false, firstNonIntegerRow: 0 },
          },
          {
            name: 'label',
            type: 'integer',
            stats: { min: 0, max: 2, minRow: 0, maxRow: 2, integer: true, firstNonIntegerRow: null },
          },
        ],
      });
    }
  });

  it('loads columns as Float64Array', async () => {
    const loaded = await readDataset('csv', text(csv));
    expect(loaded.rows).toBe(3);
    expect(loaded.columns).toEqual({
      x: Float64Array.from([1, -3, 0.5]),
      y: Float64Array.from([2.5, 100, 4]),
      label: Float64Array.from([0, 1, 2]),
    });
  });

  it('loads more rows than the first allocation', async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => `${i},${i / 2}`).join('\n');
    const loaded = await readDataset('csv', text(`a,b\n${rows}\n`));
    expect(loaded.rows).toBe(3000);
    expect(loaded.columns!.a!.length).toBe(3000);
    expect(loaded.columns!.b![2999]).toBe(1499.5);
  });

  it('a ragged row', async () => {
    const error = await refusal('a,b,c,d\n1,2,3,4\n\n1,2,3\n');
    expect(error.message).toBe('line 4 has 3 fields; the header has 4');
    expect(error.where).toEqual({ line: 4 });
  });

  it('a non-numeric cell: line, column and the text', async () => {
    const error = await refusal('a,b\n1,2\n3,abc\n');
    expect(error.message).toBe('line 3, column "b": "abc" is not a number');
    expect(error.where).toEqual({ line: 3, column: 'b' });
    expect((await refusal('a\n0x10\n')).message).toBe('line 2, column "a": "0x10" is not a number');
  });

  it('counts lines as an editor does: blank lines, a quoted field spanning two lines, CRLF', async () => {
    const error = await refusal('"a","b\nc"\r\n\r\n1,2\r\n3,x\r\n');
    expect(error.message).toBe('line 5, column "b\nc": "x" is not a number');
  });

  it('an empty cell', async () => {
    const error = await refusal('a,b\n1,\n');
    expect(error.message).toBe('line 2, column "b": empty cell');
  });

  it.each(['NaN', 'nan', 'inf', '-Infinity', '1e999'])('%s is refused as not finite', async (cell) => {
    const error = await refusal(`a,b\n1,2\n3,${cell}\n`);
    expect(error.where).toEqual({ line: 3, column: 'b' });
    expect(error.message).toBe(
      `column "b", line 3: ${cell} is not a finite number (NaN and infinities are refused)`,
    );
  });

  it('duplicate and empty header names', async () => {
    expect((await refusal('a,b,a\n1,2,3\n')).message).toBe('line 1: the header names column "a" twice');
    expect((await refusal('a,,c\n1,2,3\n')).message).toBe(
      "line 1: the header's field 2 is empty: every column needs a name",
    );
  });

  it('no data rows, an empty file', async () => {
    expect((await refusal('a,b\n')).message).toBe('no data rows after the header (line 1)');
    expect((await refusal('')).message).toBe('empty file: no header row');
  });

  it('unbalanced quotes: the line', async () => {
    expect((await refusal('a,b\n1,2\n"3,4\n')).message).toMatch(/^invalid CSV at line \d+: /);
  });

  it('over the size limit: a 413', async () => {
    const error = await inspect('a,b\n1,2\n3,4\n', 3, 8).catch((e: unknown) => e as DatasetError);
    expect(error).toMatchObject({
      status: 413,
      message: 'the file exceeds the limit of 8 bytes (0.000 MiB)',
    });
  });
});
