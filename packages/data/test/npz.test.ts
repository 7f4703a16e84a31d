import { describe, expect, it } from 'vitest';
import { inspectDataset, readDataset } from '../src/index.js';
import { CHUNK_SIZES, chunked, fixture, refusedAtEveryChunking } from './support.js';

const limits = { maxBytes: 64 * 1024 * 1024 };
const inspect = (bytes: Uint8Array, size: number = Number.MAX_SAFE_INTEGER, maxBytes = limits.maxBytes) =>
  inspectDataset('npz', chunked(bytes, size), { maxBytes });

const refusal = (bytes: Uint8Array, maxBytes = limits.maxBytes) =>
  refusedAtEveryChunking((size) => inspect(bytes, size, maxBytes));

// make_fixtures.py: images = (arange(96) % 251).reshape(6, 4, 4) uint8, labels = [3, 1, 4, 1, 5, 9] int64,
// weights = arange(12).reshape(6, 2) / 4 float32 in Fortran order
const expected = {
  rows: 6,
  arrays: [
    {
      name: 'images',
      dtype: 'uint8',
      shape: [6, 4, 4],
      stats: { min: 0, max: 95, minRow: 0, maxRow: 5, integer: true, firstNonIntegerRow: null },
    },
    {
      name: 'labels',
      dtype: 'int64',
      shape: [6],
      stats: { min: 1, max: 9, minRow: 1, maxRow: 5, integer: true, firstNonIntegerRow: null },
    },
    {
      name: 'weights',
      dtype: 'float32',
      shape: [6, 2],
      stats: { min: 0, max: 2.75, minRow: 0, maxRow: 5, integer: false, firstNonIntegerRow: 0 },
    },
  ],
};

describe('NPZ', () => {
  for (const name of ['images_stored.npz', 'images_compressed.npz']) {
    it(`${name}: every array, in 1-byte, 7-byte and whole chunks (zip64 local headers)`, async () => {
      for (const size of CHUNK_SIZES) expect(await inspect(fixture(name), size)).toEqual(expected);
    });

    it(`${name}: loads arrays in C order and their dtype`, async () => {
      const { rows, arrays } = await readDataset('npz', fixture(name));
      expect(rows).toBe(6);
      expect(arrays!.images!.values).toBeInstanceOf(Uint8Array);
      expect([...arrays!.images!.values]).toEqual(Array.from({ length: 96 }, (_, i) => i));
      expect([...arrays!.labels!.values]).toEqual([3, 1, 4, 1, 5, 9]);
      expect(arrays!.weights).toEqual({
        dtype: 'float32',
        shape: [6, 2],
        values: Float32Array.from({ length: 12 }, (_, i) => i / 4),
      });
    });
  }

  it('arrays that do not share the first axis: names the array', async () => {
    const error = await refusal(fixture('mismatch.npz'));
    expect(error.where).toEqual({ array: 'y' });
    expect(error.message).toBe(
      'array "y" has shape (3,), 3 rows, but "x" has 4: the arrays must share their first axis (the examples)',
    );
  });

  it('an infinity: names the array and row', async () => {
    const error = await refusal(fixture('nan.npz'));
    expect(error.where).toEqual({ array: 'y', row: 1 });
    expect(error.message).toMatch(/^array "y", row 1: -?Infinity is not a finite number/);
  });

  it('a zip bomb: a member inflating over 1000x is a 413 naming the array', async () => {
    const error = await refusal(fixture('bomb.npz'));
    expect(error.status).toBe(413);
    expect(error.where).toEqual({ array: 'x' });
    expect(error.message).toMatch(/^array "x" inflates more than 1000 times its compressed size/);
  });

  it('inflating past maxBytes in all is a 413 naming the array', async () => {
    const error = await refusal(fixture('bomb.npz'), 1024 * 1024);
    expect(error.status).toBe(413);
    expect(error.message).toMatch(/^the arrays inflated from the .npz exceeds the limit of 1048576 bytes/);
  });

  it('a truncated zip', async () => {
    const bytes = fixture('images_compressed.npz');
    expect((await refusal(bytes.subarray(0, 300))).message).toMatch(
      /^truncated zip: member "\w+\.npy" ends early/,
    );
    // all members there, the central directory cut off
    expect((await refusal(bytes.subarray(0, bytes.length - 30))).message).toMatch(
      /^corrupt or truncated zip/,
    );
  });

  it('corrupt stored data fails the CRC check; corrupt deflate data fails to inflate', async () => {
    const stored = fixture('images_stored.npz').slice();
    const text = new TextDecoder('latin1').decode(stored);
    const at = text.indexOf('labels.npy');
    stored[at + 200] = (stored[at + 200] ?? 0) ^ 0x01; // inside labels' int64 values
    expect((await refusal(stored)).message).toMatch(/corrupt zip: member "labels.npy" fails its CRC-32/);
    const deflated = fixture('images_compressed.npz').slice();
    deflated.fill(0xff, 120, 160);
    await refusal(deflated); // a DatasetError, whichever check sees it first
  });

  it('not a zip at all', async () => {
    expect((await refusal(fixture('table_lef8.npy'))).message).toMatch(
      /^not an NPZ file: no zip member found/,
    );
  });
});
