import { createHash } from 'node:crypto';
import { DatasetError } from '@hypersweep/data';
import type pg from 'pg';
import { beforeEach, describe, expect, it } from 'vitest';
import { createPool } from '../src/client.js';
import {
  createDatasetStore,
  DATASET_CHUNK_BYTES,
  DatasetNameTakenError,
  type DatasetStore,
} from '../src/dataset-store.js';
import type { TestDatabase } from '../src/testing.js';
import { seedSweep, useStoreDatabase } from './store-fixture.js';

const text = (s: string) => new TextEncoder().encode(s);
async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}
const csv = text('x,y,label\n0.5,1,0\n1.5,2,1\n2.5,3,0\n');
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A CSV of `rows` rows and about `rows * 24` bytes, every value an integer. */
function bigCsv(rows: number): Uint8Array {
  const lines = ['a,b,c'];
  for (let i = 0; i < rows; i++) lines.push(`${i},${(i * 7919) % 100003},${i % 10}`);
  return text(`${lines.join('\n')}\n`);
}

/** bigCsv with a letter in its last row: refused only once most of it is stored. */
function badAtTheEnd(): Uint8Array {
  const bytes = bigCsv(300_000).slice();
  bytes[bytes.length - 3] = 0x78;
  return bytes;
}

describe('dataset store', () => {
  let pool: pg.Pool;
  let store: DatasetStore;
  let opened: { db: TestDatabase; pool: pg.Pool };
  useStoreDatabase((database) => {
    opened = database;
    pool = database.pool;
    store = createDatasetStore(pool);
  });
  beforeEach(async () => {
    await pool.query('DELETE FROM sweep_datasets; DELETE FROM datasets; DELETE FROM sweeps');
  });

  const counts = async () => {
    const { rows } = await pool.query<{ datasets: number; chunks: number }>(
      'SELECT (SELECT count(*)::int FROM datasets) AS datasets, (SELECT count(*)::int FROM dataset_chunks) AS chunks',
    );
    return rows[0]!;
  };
  const upload = (name: string, bytes: Uint8Array, format: 'csv' | 'npy' = 'csv', maxBytes = 1 << 30) =>
    store.upload({ name, format, body: chunked(bytes, 65536), maxBytes });

  it('stores an upload: its description, sha256 and bytes', async () => {
    const { dataset, created } = await upload('tiny', csv);
    expect(created).toBe(true);
    expect(dataset).toMatchObject({
      name: 'tiny',
      format: 'csv',
      bytes: csv.length,
      rows: 3,
      sha256: sha(csv),
    });
    expect(dataset.columns!.map((c) => [c.name, c.type])).toEqual([
      ['x', 'float'],
      ['y', 'integer'],
      ['label', 'integer'],
    ]);
    expect(await store.get('tiny')).toEqual(dataset);
    expect(await store.get(dataset.id)).toEqual(dataset);
    expect(await store.list()).toEqual([dataset]);
    expect(await store.findMany([dataset.id, 'tiny', 'missing'])).toEqual([dataset]);
    expect(await store.get('missing')).toBeNull();
  });

  it('round-trips a multi-chunk file through readChunks (bytes and sha256)', async () => {
    const bytes = bigCsv(300_000); // ~4.4 MiB: several chunk rows, more than one INSERT
    expect(bytes.length).toBeGreaterThan(4 * DATASET_CHUNK_BYTES);
    const { dataset } = await store.upload({
      name: 'big',
      format: 'csv',
      body: chunked(bytes, 65536),
      maxBytes: 1 << 30,
    });
    expect(dataset.rows).toBe(300_000);
    expect((await counts()).chunks).toBe(Math.ceil(bytes.length / DATASET_CHUNK_BYTES));
    const hash = createHash('sha256');
    let length = 0;
    for await (const chunk of store.readChunks(dataset.id)) {
      hash.update(chunk);
      length += chunk.length;
    }
    expect(length).toBe(bytes.length);
    expect(hash.digest('hex')).toBe(dataset.sha256);
    await expect(async () => {
      for await (const _ of store.readChunks('00000000-0000-4000-8000-000000000000'));
    }).rejects.toThrow(/no stored bytes/);
  });

  it('the same bytes again: the stored dataset, nothing new', async () => {
    const first = await upload('first', csv);
    const again = await upload('second name', csv);
    expect(again).toEqual({ dataset: first.dataset, created: false });
    expect(await counts()).toEqual({ datasets: 1, chunks: 1 });
  });

  it('the same name with other bytes: a conflict, nothing left behind', async () => {
    await upload('taken', csv);
    const error = await upload('taken', text('a\n1\n')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetNameTakenError);
    expect((error as Error).message).toMatch(/^a dataset named "taken" already exists with other content/);
    expect(await counts()).toEqual({ datasets: 1, chunks: 1 });
  });

  it('concurrent uploads of the same bytes under two names: one dataset', async () => {
    const bytes = bigCsv(20_000);
    const [a, b] = await Promise.all([upload('a', bytes), upload('b', bytes)]);
    expect([a.created, b.created].sort()).toEqual([false, true]);
    expect(a.dataset.id).toBe(b.dataset.id);
    expect((await counts()).datasets).toBe(1);
  });

  it.each([
    ['a bad cell after 5 MiB', () => upload('bad', badAtTheEnd())],
    ['a file over the limit', () => upload('large', bigCsv(300_000), 'csv', 3 * DATASET_CHUNK_BYTES)],
    ['a truncated npy', () => upload('npy', text('\x93NUMPY'), 'npy')],
  ])('%s: a DatasetError, and no row or chunk left behind', async (_, run) => {
    const error = await run().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetError);
    expect(await counts()).toEqual({ datasets: 0, chunks: 0 });
  });

  it('a client going away mid-upload: its error, and nothing left behind', async () => {
    const bytes = bigCsv(300_000);
    async function* aborted() {
      yield* chunked(bytes.subarray(0, 5 * DATASET_CHUNK_BYTES), 65536);
      throw new Error('aborted');
    }
    await expect(
      store.upload({ name: 'gone', format: 'csv', body: aborted(), maxBytes: 1 << 30 }),
    ).rejects.toThrow('aborted');
    expect(await counts()).toEqual({ datasets: 0, chunks: 0 });
  });

  it('an upload holds a connection of its own pool: reads go on meanwhile on a pool of one', async () => {
    const { db } = opened;
    const one = createPool(db.url, { max: 1 });
    const uploads = createPool(db.url, { max: 1 });
    const separate = createDatasetStore(one, { uploadPool: uploads });
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let streaming!: () => void;
    const started = new Promise<void>((resolve) => {
      streaming = resolve;
    });
    async function* slow() {
      yield text('a,b\n1,2\n');
      streaming();
      await held;
      yield text('3,4\n');
    }
    try {
      const pending = separate.upload({ name: 'slow', format: 'csv', body: slow(), maxBytes: 1 << 20 });
      await started;
      expect(await separate.list()).toEqual([]); // the upload's transaction is not visible, nor in the way
      release();
      expect((await pending).dataset.rows).toBe(2);
    } finally {
      await one.end();
      await uploads.end();
    }
  });

  it('delete: refused while a queued or running sweep uses it, then deleted with its chunks', async () => {
    const { dataset } = await upload('used', csv);
    const live = await seedSweep(pool, 1);
    const done = await seedSweep(pool, 1);
    await pool.query(`UPDATE sweeps SET status = 'completed' WHERE id = $1`, [done.sweepId]);
    await store.linkSweep(pool, live.sweepId, [dataset.id]);
    await store.linkSweep(pool, done.sweepId, [dataset.id]);
    expect(await store.delete('used')).toEqual({ inUseBy: [live.sweepId] });
    await pool.query(`UPDATE sweeps SET status = 'running' WHERE id = $1`, [live.sweepId]);
    expect(await store.delete(dataset.id)).toEqual({ inUseBy: [live.sweepId] });
    await pool.query(`UPDATE sweeps SET status = 'cancelled' WHERE id = $1`, [live.sweepId]);
    expect(await store.delete('used')).toEqual({ deleted: dataset });
    expect(await counts()).toEqual({ datasets: 0, chunks: 0 });
    expect((await pool.query('SELECT count(*)::int AS n FROM sweep_datasets')).rows[0].n).toBe(0);
    expect(await store.delete('used')).toEqual({ notFound: true });
  });
});
