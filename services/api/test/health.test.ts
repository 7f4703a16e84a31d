import { createTestDatabase, type TestDatabase } from '@hypersweep/db/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadApiConfig } from '../src/config.js';

describe('health and readiness', () => {
  let db: TestDatabase;
  let app: FastifyInstance;
  let appWithoutRedis: FastifyInstance;
  beforeAll(async () => {
    db = await createTestDatabase();
    app = await buildApp({ config: loadApiConfig({ DATABASE_URL: db.url }), logger: false });
    // nothing listens on port 1: Redis is down for this app
    appWithoutRedis = await buildApp({
      config: loadApiConfig({ DATABASE_URL: db.url, REDIS_URL: 'redis://127.0.0.1:1' }),
      logger: false,
    });
  });
  afterAll(async () => {
    await app?.close();
    await appWithoutRedis?.close();
    await db?.drop();
  });

  it('GET /health answers without touching the stores', async () => {
    const res = await appWithoutRedis.inject('/health');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('GET /ready is 200 when Postgres and Redis answer', async () => {
    const res = await app.inject('/ready');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ready', postgres: { ok: true }, redis: { ok: true } });
  });

  it('GET /ready is 503 and says which store is down', async () => {
    const res = await appWithoutRedis.inject('/ready');
    expect(res.statusCode).toBe(503);
    const body = res.json();
    expect(body.status).toBe('unavailable');
    expect(body.postgres).toEqual({ ok: true });
    expect(body.redis.ok).toBe(false);
    expect(body.redis.error).toBeTruthy();
  });

  it('with Redis down a sweep submission is a 503 and stores nothing', async () => {
    const res = await appWithoutRedis.inject({
      method: 'POST',
      url: '/v1/sweeps',
      payload: { workload: 'rosenbrock', optimizers: [{ type: 'Adam', lr: 0.01 }] },
    });
    expect(res.statusCode).toBe(503);
    expect(res.json().message).toMatch(/queue is unavailable.*nothing was stored/);
    const list = await appWithoutRedis.inject('/v1/sweeps');
    expect(list.json().items).toEqual([]);
  });

  it('unknown routes get the error format', async () => {
    const res = await app.inject('/v1/nope');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({
      statusCode: 404,
      error: 'Not Found',
      message: 'route GET /v1/nope not found',
    });
  });
});
