import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatasetStore, createPool, type DatasetStore, type StoredDataset } from '@hypersweep/db';
import { createTestDatabase, type TestDatabase } from '@hypersweep/db/testing';
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDatasetFiles, type DatasetRef } from '../src/dataset-files.js';

const text = (s: string) => new TextEncoder().encode(s);
async function* once(bytes: Uint8Array) {
  yield bytes;
}
/** A CSV of `rows` rows: about rows * 8 bytes. */
const csvOf = (rows: number, seed: number) =>
  text(`a,b\n${Array.from({ length: rows }, (_, i) => `${i},${(i * seed) % 1000}`).join('\n')}\n`);

describe('dataset files: the worker cache', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let store: DatasetStore;
  const datasets: StoredDataset[] = [];
  let dir: string;
  /** Every fetch the cache made, by dataset id. */
  let fetched: string[];
  const fetch = (ref: DatasetRef) => {
    fetched.push(ref.id);
    return store.readChunks(ref.id);
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = createPool(db.url);
    store = createDatasetStore(pool);
    for (const [k, bytes] of [csvOf(2000, 7), csvOf(2000, 11), csvOf(2000, 13)].entries()) {
      const { dataset } = await store.upload({
        name: `d${k}`,
        format: 'csv',
        body: once(bytes),
        maxBytes: 1 << 30,
      });
      datasets.push(dataset);
    }
    const npz = await readFile(
      new URL('../../../packages/data/test/fixtures/images_stored.npz', import.meta.url),
    );
    const { dataset } = await store.upload({
      name: 'images',
      format: 'npz',
      body: once(npz),
      maxBytes: 1 << 30,
    });
    datasets.push(dataset);
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dataset-files-'));
    fetched = [];
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

  it('downloads a dataset once; concurrent requests share the download; the file hashes to its sha256', async () => {
    const files = createDatasetFiles({ dir, maxBytes: 1 << 30, fetch });
    const [d0] = datasets;
    const paths = await Promise.all([files.path(d0!), files.path(d0!), files.path(d0!)]);
    expect(new Set(paths)).toEqual(new Set([join(dir, d0!.sha256)]));
    expect(await files.path(d0!)).toBe(paths[0]);
    expect(fetched).toEqual([d0!.id]);
    expect(sha(await readFile(paths[0]!))).toBe(d0!.sha256);
    expect(await readdir(dir)).toEqual([d0!.sha256]);
    await files.close();
  });

  it('reuses a file another process put there', async () => {
    const d1 = datasets[1]!;
    await createDatasetFiles({ dir, maxBytes: 1 << 30, fetch }).path(d1);
    const other = createDatasetFiles({ dir, maxBytes: 1 << 30, fetch });
    expect(await other.path(d1)).toBe(join(dir, d1.sha256));
    expect(fetched).toEqual([d1.id]);
  });

  it('loads CSV columns and NPZ arrays', async () => {
    const files = createDatasetFiles({ dir, maxBytes: 1 << 30, fetch });
    const csv = await files.load(datasets[0]!);
    expect(csv.rows).toBe(2000);
    expect(csv.columns!.b![3]).toBe(21);
    const npz = await files.load(datasets[3]!);
    expect(npz.rows).toBe(6);
    expect([...npz.arrays!.labels!.values]).toEqual([3, 1, 4, 1, 5, 9]);
  });

  it('a sha256 mismatch: an error, and nothing kept', async () => {
    const files = createDatasetFiles({ dir, maxBytes: 1 << 30, fetch });
    const wrong = { ...datasets[0]!, sha256: 'f'.repeat(64) };
    await expect(files.path(wrong)).rejects.toThrow(
      `dataset ${wrong.id}: the downloaded bytes hash to sha256 ${datasets[0]!.sha256}, expected ${'f'.repeat(64)}`,
    );
    expect(await readdir(dir)).toEqual([]);
    await expect(files.path({ id: 'x', sha256: '../etc' })).rejects.toThrow('is not a hex sha256');
  });

  it('a download that fails midway: its error, no file and no temporary file left', async () => {
    const files = createDatasetFiles({
      dir,
      maxBytes: 1 << 30,
      fetch: async function* () {
        yield text('a,b\n');
        throw new Error('Postgres went away');
      },
    });
    await expect(files.path(datasets[0]!)).rejects.toThrow('Postgres went away');
    expect(await readdir(dir)).toEqual([]);
  });

  it('evicts the least recently used files past maxBytes, never the one just fetched', async () => {
    const [d0, d1, d2] = datasets as [StoredDataset, StoredDataset, StoredDataset];
    // room for two of the three CSVs
    const files = createDatasetFiles({ dir, maxBytes: d0.bytes + d1.bytes + 10, fetch });
    await files.path(d0);
    await files.path(d1);
    await files.path(d0); // d0 used after d1: d1 is now the least recently used
    await files.path(d2);
    expect((await readdir(dir)).sort()).toEqual([d0.sha256, d2.sha256].sort());
    // a bound smaller than one file: the file just fetched stays, alone
    const tiny = createDatasetFiles({ dir, maxBytes: 1, fetch });
    await tiny.path(d1);
    expect(await readdir(dir)).toEqual([d1.sha256]);
    expect(fetched).toEqual([d0.id, d1.id, d2.id, d1.id]);
  });

  it('ignores stray files in the folder', async () => {
    await writeFile(join(dir, 'notes.txt'), 'not a dataset');
    const files = createDatasetFiles({ dir, maxBytes: 1, fetch });
    await files.path(datasets[0]!);
    expect((await readdir(dir)).sort()).toEqual([datasets[0]!.sha256, 'notes.txt'].sort());
  });
});
