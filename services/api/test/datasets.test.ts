import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { insertSweep, linkSweepDatasets } from '@hypersweep/db';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../src/testing.js';

const API_KEY = 'datasets-test-key';
const auth = { authorization: `Bearer ${API_KEY}` };
const fixture = (name: string) =>
  readFileSync(new URL(`../../../packages/data/test/fixtures/${name}`, import.meta.url));
const csv = 'x,y,label\n0.5,1,0\n1.5,2,1\n2.5,3,0\n';

/** Rows in datasets and dataset_chunks. */
async function tableCounts(stack: TestApi) {
  const { rows } = await stack.app.hypersweep.pool.query<{ datasets: number; chunks: number }>(
    'SELECT (SELECT count(*)::int FROM datasets) AS datasets, (SELECT count(*)::int FROM dataset_chunks) AS chunks',
  );
  return rows[0]!;
}

describe('/v1/datasets', () => {
  let stack: TestApi;
  const counts = () => tableCounts(stack);
  const upload = (query: string, payload: string | Buffer, contentType = 'text/csv', headers = auth) =>
    stack.app.inject({
      method: 'POST',
      url: `/v1/datasets?${query}`,
      headers: { ...headers, 'content-type': contentType },
      payload,
    });

  beforeAll(async () => {
    stack = await startTestApi({ env: { API_KEYS: API_KEY, DATASET_MAX_BYTES: '100000' } });
  });
  afterAll(async () => {
    await stack?.close();
  });
  beforeEach(async () => {
    await stack.app.hypersweep.pool.query('DELETE FROM datasets; DELETE FROM sweeps');
  });

  it('uploads a CSV (201), then answers the same bytes with the stored dataset (200)', async () => {
    const res = await upload('name=tiny', csv, 'text/csv; charset=utf-8');
    expect(res.statusCode, res.body).toBe(201);
    const dataset = res.json();
    expect(dataset).toMatchObject({ name: 'tiny', format: 'csv', bytes: csv.length, rows: 3 });
    expect(dataset.columns.map((c: { name: string; type: string }) => `${c.name}:${c.type}`)).toEqual([
      'x:float',
      'y:integer',
      'label:integer',
    ]);
    const again = await upload('name=other', csv);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(dataset);
    const { items } = (await stack.app.inject({ url: '/v1/datasets', headers: auth })).json();
    // Uploaded ones first (newest first), then the built-in ones.
    expect(items[0]).toEqual(dataset);
    expect(items.slice(1).map((d: { id: string }) => d.id)).toEqual(['builtin:mnist']);
    expect((await stack.app.inject({ url: '/v1/datasets/tiny', headers: auth })).json()).toEqual(dataset);
    expect((await stack.app.inject({ url: `/v1/datasets/${dataset.id}`, headers: auth })).json()).toEqual(
      dataset,
    );
  });

  it('uploads an NPZ as application/octet-stream with format=npz', async () => {
    const res = await upload(
      'name=images&format=npz',
      fixture('images_compressed.npz'),
      'application/octet-stream',
    );
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      format: 'npz',
      rows: 6,
      arrays: [
        { name: 'images', dtype: 'uint8', shape: [6, 4, 4] },
        { name: 'labels', dtype: 'int64', shape: [6] },
        { name: 'weights', dtype: 'float32', shape: [6, 2] },
      ],
    });
  });

  it('400s naming the line and column, the array; nothing stored', async () => {
    const bad = await upload('name=bad', 'a,b\n1,2\n3,abc\n');
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({
      requestId: bad.headers['x-request-id'],
      statusCode: 400,
      error: 'Bad Request',
      message: 'invalid dataset: /body: line 3, column "b": "abc" is not a number',
      details: [{ path: '/body', message: 'line 3, column "b": "abc" is not a number' }],
    });
    const mismatch = await upload('name=m&format=npz', fixture('mismatch.npz'), 'application/octet-stream');
    expect(mismatch.statusCode).toBe(400);
    expect(mismatch.json().details[0].message).toMatch(/^array "y" has shape \(3,\)/);
    expect(await counts()).toEqual({ datasets: 0, chunks: 0 });
  });

  it('400s a missing format, a contradicting one, a missing name, a uuid name, an empty body', async () => {
    const noFormat = await upload('name=n', fixture('table_lef8.npy'), 'application/octet-stream');
    expect(noFormat.statusCode).toBe(400);
    expect(noFormat.json().details).toEqual([
      {
        path: '/query/format',
        message: 'is required with application/octet-stream: npy, npz, parquet or csv',
      },
    ]);
    expect((await upload('name=n&format=npy', csv)).json().details[0].path).toBe('/query/format');
    expect((await upload('format=csv', csv)).json().details).toEqual([
      { path: '/query/name', message: 'is required' },
    ]);
    expect((await upload('name=00000000-0000-4000-8000-000000000000', csv)).json().details[0].message).toBe(
      'a name may not be a uuid: ids are',
    );
    expect((await upload('name=empty', '')).statusCode).toBe(400);
  });

  it('415s other content types, listing the accepted ones', async () => {
    const res = await upload('name=j', '{"a":1}', 'application/json');
    expect(res.statusCode).toBe(415);
    expect(res.json().message).toBe(
      'a dataset is uploaded as text/csv or application/octet-stream, not application/json',
    );
  });

  it('413s past DATASET_MAX_BYTES (and the NPZ inflation guard); nothing stored', async () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => `${i},${i}`).join('\n');
    const large = await upload('name=large', `a,b\n${rows}\n`);
    expect(large.statusCode).toBe(413);
    expect(large.json().message).toBe('the file exceeds the limit of 100000 bytes (0.095 MiB)');
    const bomb = await upload('name=bomb&format=npz', fixture('bomb.npz'), 'application/octet-stream');
    expect(bomb.statusCode).toBe(413);
    expect(bomb.json().message).toMatch(/^the arrays inflated from the .npz exceeds the limit/);
    expect(await counts()).toEqual({ datasets: 0, chunks: 0 });
  });

  it('409s a taken name with other bytes', async () => {
    await upload('name=taken', csv);
    const res = await upload('name=taken', 'a\n1\n');
    expect(res.statusCode).toBe(409);
    expect(res.json().details[0].path).toBe('/query/name');
  });

  it('needs the API key to upload, delete and read', async () => {
    expect((await upload('name=open', csv, 'text/csv', {} as typeof auth)).statusCode).toBe(401);
    expect((await stack.app.inject({ method: 'DELETE', url: '/v1/datasets/x' })).statusCode).toBe(401);
    expect((await stack.app.inject('/v1/datasets')).statusCode).toBe(401);
    expect((await stack.app.inject({ url: '/v1/datasets', headers: auth })).statusCode).toBe(200);
  });

  it('GET and DELETE: 404 for nothing; 409 naming the live sweeps; 204', async () => {
    expect((await stack.app.inject({ url: '/v1/datasets/missing', headers: auth })).statusCode).toBe(404);
    const del = (id: string) =>
      stack.app.inject({ method: 'DELETE', url: `/v1/datasets/${id}`, headers: auth });
    expect((await del('missing')).statusCode).toBe(404);
    const dataset = (await upload('name=used', csv)).json();
    const { pool } = stack.app.hypersweep;
    const { sweepId } = await insertSweep(pool, {
      name: 'uses a dataset',
      spec: {},
      objective: { metric: 'val_loss', mode: 'min' },
      pruner: null,
      trials: [{ config: {}, configHash: 'h' }],
    });
    await linkSweepDatasets(pool, sweepId, [dataset.id]);
    const refused = await del('used');
    expect(refused.statusCode).toBe(409);
    expect(refused.json().message).toBe(`dataset used is used by queued or running sweeps: ${sweepId}`);
    await pool.query(`UPDATE sweeps SET status = 'completed'`);
    expect((await del(dataset.id)).statusCode).toBe(204);
    expect(await counts()).toEqual({ datasets: 0, chunks: 0 });
  });
});

describe('the built-in mnist dataset', () => {
  let stack: TestApi;
  beforeAll(async () => {
    stack = await startTestApi({ env: { API_KEYS: API_KEY } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('is listed and read like an uploaded dataset, and cannot be deleted or shadowed by an upload', async () => {
    const { items } = (await stack.app.inject({ url: '/v1/datasets', headers: auth })).json();
    const mnist = items.find((d: { name: string }) => d.name === 'mnist');
    expect(mnist).toMatchObject({ id: 'builtin:mnist', builtin: true, format: 'npz', rows: 10_000 });
    expect(mnist.arrays.map((a: { name: string; shape: number[] }) => [a.name, a.shape])).toEqual([
      ['x', [10_000, 1, 28, 28]],
      ['label', [10_000]],
    ]);
    expect(mnist.createdAt).toBeUndefined();
    for (const ref of ['mnist', 'builtin:mnist'])
      expect((await stack.app.inject({ url: `/v1/datasets/${ref}`, headers: auth })).json()).toEqual(mnist);
    const del = await stack.app.inject({ method: 'DELETE', url: '/v1/datasets/mnist', headers: auth });
    expect(del.statusCode).toBe(400);
    expect(del.json().details).toEqual([
      {
        path: '/params/id',
        message: 'builtin:mnist is built in: it ships with the service and cannot be deleted',
      },
    ]);
    const taken = await stack.app.inject({
      method: 'POST',
      url: '/v1/datasets?name=mnist',
      headers: { ...auth, 'content-type': 'text/csv' },
      payload: csv,
    });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().details[0]).toMatchObject({ path: '/query/name' });
  });

  it('trains a model without an upload: the sweep is accepted, pinned to builtin:mnist, linked to nothing', async () => {
    const res = await stack.app.inject({
      method: 'POST',
      url: '/v1/sweeps',
      headers: auth,
      payload: {
        name: 'cnn on mnist',
        workload: {
          dataset: { id: 'mnist', target: 'label', val: 0.2 },
          model: [
            { type: 'Conv2d', out_channels: [4, 8], kernel_size: 3 },
            { type: 'ReLU' },
            { type: 'MaxPool2d', kernel_size: 2 },
            { type: 'Flatten' },
            { type: 'Linear', out_features: 10 },
          ],
          loss: { type: 'CrossEntropyLoss' },
        },
        training: { epochs: 1, batchSize: 64 },
        optimizers: [{ type: 'Adam', lr: 0.001 }],
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    const { id, trialCount } = res.json();
    expect(trialCount).toBe(2);
    const { pool } = stack.app.hypersweep;
    const trials = await pool.query(
      `SELECT config->'workload'->'options'->'dataset'->>'id' AS dataset FROM trials WHERE sweep_id = $1`,
      [id],
    );
    expect(trials.rows.map((row) => row.dataset)).toEqual(['builtin:mnist', 'builtin:mnist']);
    const links = await pool.query('SELECT count(*)::int AS n FROM sweep_datasets WHERE sweep_id = $1', [id]);
    expect(links.rows[0].n).toBe(0);
    const sweep = (await stack.app.inject({ url: `/v1/sweeps/${id}`, headers: auth })).json();
    expect(sweep.model).toMatchObject({
      inputShape: [1, 28, 28],
      totalParams: 4 * 9 + 4 + (4 * 13 * 13 * 10 + 10),
    });
  });
});

describe('a client that disconnects mid-upload', () => {
  let stack: TestApi;
  beforeAll(async () => {
    stack = await startTestApi({ env: { API_KEYS: API_KEY } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('leaves no dataset row and no chunk behind', async () => {
    let started!: () => void;
    const handlerStarted = new Promise<void>((resolve) => {
      started = resolve;
    });
    let failed!: (error: Error) => void;
    const handlerFailed = new Promise<Error>((resolve) => {
      failed = resolve;
    });
    stack.app.addHook('preHandler', async (request) => {
      if (request.url.startsWith('/v1/datasets')) started();
    });
    // onError runs once the handler has thrown: after the store rolled back
    stack.app.addHook('onError', async (request, _reply, error) => {
      if (request.url.startsWith('/v1/datasets')) failed(error);
    });
    await stack.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = stack.app.server.address() as AddressInfo;
    const req = httpRequest({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/v1/datasets?name=half',
      headers: { ...auth, 'content-type': 'text/csv', 'content-length': String(50 * 1024 * 1024) },
    });
    req.on('error', () => {}); // the socket is destroyed on purpose
    const rows = `a,b\n${Array.from({ length: 50_000 }, (_, i) => `${i},${i}`).join('\n')}\n`;
    await new Promise<void>((resolve) => req.write(rows, () => resolve()));
    await handlerStarted;
    await new Promise<void>((resolve) => req.write(rows.slice(4), () => resolve()));
    req.destroy();
    const error = await handlerFailed;
    expect(error.message).toBe('the upload was interrupted before its end');
    expect(await tableCounts(stack)).toEqual({ datasets: 0, chunks: 0 });
  });
});
