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

  it('with Redis down a sweep submission is stored, answers 201 and says it is not enqueued yet', async () => {
    const res = await appWithoutRedis.inject({
      method: 'POST',
      url: '/v1/sweeps',
      payload: { workload: 'rosenbrock', optimizers: [{ type: 'Adam', lr: 0.01 }] },
    });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({ status: 'queued', trialCount: 1, enqueued: false });
    expect(body.note).toMatch(/trial queue is unavailable.*enqueue its trials when it is back/);
    const list = await appWithoutRedis.inject('/v1/sweeps');
    expect(list.json().items.map((s: { id: string }) => s.id)).toEqual([body.id]);
    const doc = (await app.inject('/docs/json')).json();
    expect(doc.paths['/v1/sweeps'].post.description).toMatch(
      /201, also when the trial queue \(Redis\) is down/,
    );
  });

  it('with Postgres down every data route is a 503 in the error format and /ready names Postgres', async () => {
    const appWithoutPostgres = await buildApp({
      config: loadApiConfig({ DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/hypersweep' }),
      logger: false,
    });
    try {
      const ready = await appWithoutPostgres.inject('/ready');
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toMatchObject({
        status: 'unavailable',
        postgres: { ok: false },
        redis: { ok: true },
      });
      for (const url of ['/v1/sweeps', '/v1/sweeps/00000000-0000-0000-0000-000000000000']) {
        const res = await appWithoutPostgres.inject(url);
        expect(res.statusCode, url).toBe(503);
        expect(res.headers['retry-after']).toBe('5');
        expect(res.json()).toEqual({
          statusCode: 503,
          error: 'Service Unavailable',
          message: 'Postgres is unavailable; retry shortly',
          details: [{ path: '', message: 'Postgres is unavailable; retry shortly' }],
        });
      }
      const post = await appWithoutPostgres.inject({
        method: 'POST',
        url: '/v1/sweeps',
        payload: { workload: 'rosenbrock', optimizers: [{ type: 'Adam', lr: 0.01 }] },
      });
      expect(post.statusCode).toBe(503);
      // bad input is still a 400, whatever the stores do
      const bad = await appWithoutPostgres.inject({
        method: 'POST',
        url: '/v1/sweeps',
        payload: { optimizers: [] },
      });
      expect(bad.statusCode).toBe(400);
    } finally {
      await appWithoutPostgres.close();
    }
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
