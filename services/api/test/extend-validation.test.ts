import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../src/testing.js';

const FULL_ID =
  'must be a full id, a uuid of 36 characters (a sweep whose id starts with some characters: GET /v1/sweeps?idPrefix=...)';

const grid = {
  name: 'grid',
  workload: 'rosenbrock',
  training: { epochs: 1 },
  optimizers: [{ type: 'SGD', lr: [0.1, 0.01] }],
};
const search = {
  ...grid,
  name: 'search',
  optimizers: [{ type: 'SGD', lr: { loguniform: [0.001, 0.1] } }],
  search: { type: 'random', trials: 2, seed: 1 },
};

// POST /v1/sweeps/:id/extend: the path is checked by its schema, the envelope by the route's body check
// before the handler, the additions against the stored sweep by the handler.
describe('POST /v1/sweeps/:id/extend validation', () => {
  let stack: TestApi;
  let gridId: string;
  let searchId: string;
  const extend = (id: string, payload: unknown) =>
    stack.app.inject({ method: 'POST', url: `/v1/sweeps/${id}/extend`, payload: payload as object });
  beforeAll(async () => {
    stack = await startTestApi();
    const post = (payload: object) => stack.app.inject({ method: 'POST', url: '/v1/sweeps', payload });
    gridId = (await post(grid)).json().id;
    searchId = (await post(search)).json().id;
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('a path id that is not a UUID is a 400 at /params/id, as on every other route', async () => {
    const res = await extend('abc', { seeds: [1] });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      requestId: res.headers['x-request-id'],
      statusCode: 400,
      error: 'Bad Request',
      message: `/params/id: ${FULL_ID}`,
      details: [{ path: '/params/id', message: FULL_ID }],
    });
  });

  it('a body that is not an object is a 400 at the root', async () => {
    const message = 'the body is an object with seeds, optimizers, schedulers (or trials for a search)';
    for (const body of [[], 42, null]) {
      const res = await extend(gridId, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json()).toMatchObject({ message, details: [{ path: '', message }] });
    }
  });

  it('every problem of the envelope is listed, the first in the message', async () => {
    const res = await extend(gridId, { foo: 1, optimizers: [], trials: -1 });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      requestId: res.headers['x-request-id'],
      statusCode: 400,
      error: 'Bad Request',
      message:
        'invalid extension: /foo: unknown property "foo"; an extension has seeds, optimizers, schedulers, trials; 2 more problems in details',
      details: [
        {
          path: '/foo',
          message: 'unknown property "foo"; an extension has seeds, optimizers, schedulers, trials',
        },
        { path: '/optimizers', message: 'optimizers must be a non-empty list of entries to add' },
        { path: '/trials', message: 'trials must be a positive integer' },
      ],
    });
  });

  it('entries are checked against the stored sweep, with pointers into the body', async () => {
    const res = await extend(gridId, { optimizers: [{ type: 'SGD', lr: 0.1 }, { type: 'Adamm' }] });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/^invalid extension: \/optimizers\/1\/type: /);
    expect((await extend(gridId, { trials: 2 })).json().details).toEqual([
      {
        path: '/trials',
        message:
          'this sweep is a grid: grow it with seeds, optimizers or schedulers; trials adds samples to a random or TPE search',
      },
    ]);
    expect((await extend(searchId, { seeds: [4] })).json().details[0].path).toBe('/seeds');
  });

  it('a valid extension passes the checks and grows the sweep', async () => {
    const grown = await extend(gridId, { seeds: [1] });
    expect(grown.statusCode).toBe(200);
    expect(grown.json()).toMatchObject({ grownBy: 2, reused: 2, createdBy: 'request', trialCount: 4 });
    const more = await extend(searchId, { trials: 1 });
    expect(more.statusCode).toBe(200);
    expect(more.json()).toMatchObject({ grownBy: 1, createdBy: 'workers', trialCount: 3 });
  });

  it("an extended sweep's run time leaves out the time it sat completed before the extension", async () => {
    const id = (await stack.app.inject({ method: 'POST', url: '/v1/sweeps', payload: grid })).json().id;
    const { pool } = stack.app.hypersweep;
    // it ran for an hour, then sat completed for an hour
    await pool.query(
      `UPDATE sweeps SET status = 'completed', started_at = now() - interval '2 hours',
         finished_at = now() - interval '1 hour' WHERE id = $1`,
      [id],
    );
    await pool.query(`UPDATE trials SET status = 'completed' WHERE sweep_id = $1`, [id]);
    const ranMs = async () => (await stack.app.inject(`/v1/sweeps/${id}`)).json().ranMs as number;
    const HOUR = 3_600_000;
    // the statements run within a few seconds of each other: allow a minute either way
    expect(Math.abs((await ranMs()) - HOUR)).toBeLessThan(60_000);
    expect((await extend(id, { seeds: [5] })).json()).toMatchObject({ status: 'running', grownBy: 2 });
    // running again: an hour before, and the seconds since the extension, not the idle hour
    expect(Math.abs((await ranMs()) - HOUR)).toBeLessThan(60_000);
    await pool.query(`UPDATE sweeps SET status = 'completed', finished_at = now() WHERE id = $1`, [id]);
    const total = await ranMs();
    expect(Math.abs(total - HOUR)).toBeLessThan(60_000);
    // the idle hour is kept apart: the span from first start to end is two hours
    const { rows } = await pool.query<{ span: number }>(
      `SELECT extract(epoch FROM finished_at - started_at) * 1000 AS span FROM sweeps WHERE id = $1`,
      [id],
    );
    expect(Math.abs(Number(rows[0]!.span) - 2 * HOUR)).toBeLessThan(60_000);
  });
});
