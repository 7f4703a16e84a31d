import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { HttpError, installErrorHandler, notFound } from '../src/errors.js';

// The error format on its own, with routes that fail in each way a real one can.
describe('error handler', () => {
  const app = Fastify({ logger: false });
  installErrorHandler(app);
  app.get('/client', async () => {
    throw new HttpError(409, 'taken', [{ path: '/name', message: 'exists' }]);
  });
  app.get('/postgres-range', async () => {
    throw Object.assign(new Error('value "3000000000" is out of range for type integer'), { code: '22003' });
  });
  app.get('/sweeps/:id', async (request) => {
    throw notFound('sweep', (request.params as { id: string }).id);
  });
  app.get('/bug', async () => {
    throw new TypeError('cannot read properties of undefined');
  });

  it('renders client errors with their details', async () => {
    const res = await app.inject('/client');
    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({
      statusCode: 409,
      error: 'Conflict',
      message: 'taken',
      details: [{ path: '/name', message: 'exists' }],
      requestId: res.headers['x-request-id'],
    });
  });

  it('answers a Postgres data exception (class 22) with a 400', async () => {
    const res = await app.inject('/postgres-range');
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/out of range for type integer/);
  });

  it('points a 404 at what names nothing: the id parameter, or the whole route', async () => {
    const unknownId = await app.inject('/sweeps/abc');
    expect(unknownId.statusCode).toBe(404);
    expect(unknownId.json().details).toEqual([{ path: '/params/id', message: 'no sweep has this id' }]);
    const unknownRoute = await app.inject('/nowhere?x=1');
    expect(unknownRoute.statusCode).toBe(404);
    expect(unknownRoute.json().details).toEqual([{ path: '', message: 'route GET /nowhere not found' }]);
  });

  it('hides internals of anything else behind a 500', async () => {
    const res = await app.inject('/bug');
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'internal error',
      details: [],
      requestId: res.headers['x-request-id'],
    });
  });
});
