import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@hypersweep/db/testing';
import { DEFAULT_REDIS_URL, dropKeyPrefix } from '@hypersweep/queue';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadApiConfig } from '../src/config.js';

describe('health and readiness', () => {
  const prefix = `hshealth_${randomBytes(5).toString('hex')}`;
  let db: TestDatabase;
  /** appWithoutRedis's own database: no relay that reaches Redis shares its outbox. */
  let stranded: TestDatabase;
  let app: FastifyInstance;
  let appWithoutRedis: FastifyInstance;
  beforeAll(async () => {
    db = await createTestDatabase();
    app = await buildApp({
      config: loadApiConfig({ DATABASE_URL: db.url, QUEUE_PREFIX: prefix }),
      logger: false,
    });
    // nothing listens on port 1: Redis is down for this app
    stranded = await createTestDatabase();
    appWithoutRedis = await buildApp({
      config: loadApiConfig({ DATABASE_URL: stranded.url, REDIS_URL: 'redis://127.0.0.1:1' }),
      logger: false,
    });
  });
  afterAll(async () => {
    await app?.close();
    await appWithoutRedis?.close();
    await dropKeyPrefix(process.env.REDIS_URL || DEFAULT_REDIS_URL, prefix);
    await db?.drop();
    await stranded?.drop();
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
    expect(body.note).toMatch(/sent from the outbox as soon as it does, nothing is lost/);
    const list = await appWithoutRedis.inject('/v1/sweeps');
    expect(list.json().items.map((s: { id: string }) => s.id)).toEqual([body.id]);
    // Its job was stored with it, in the outbox: an API (or worker) that reaches Redis sends it, here one
    // started after the first is gone.
    await appWithoutRedis.close();
    const later = await buildApp({
      config: loadApiConfig({ DATABASE_URL: stranded.url, QUEUE_PREFIX: prefix }),
      logger: false,
    });
    try {
      const trials = (await later.inject(`/v1/sweeps/${body.id}/trials`)).json().items as Array<{
        id: string;
      }>;
      // Still in the outbox, or already sent by the relay's first pass at start-up (a message is deleted
      // only once sent).
      const { rows } = await later.hypersweep.pool.query<{ id: string }>('SELECT id::text AS id FROM outbox');
      expect(
        await later.hypersweep.relay.flush(
          rows.map((row) => row.id),
          30_000,
        ),
      ).toBe(true);
      expect(await later.hypersweep.trialQueue.getJobState(trials[0]!.id)).toBe('waiting');
    } finally {
      await later.close();
    }
    const doc = (await app.inject('/docs/json')).json();
    expect(doc.paths['/v1/sweeps'].post.description).toMatch(
      /the answer is 201 also when the trial queue \(Redis\) is down/,
    );
  });

  it('with Postgres down every data route is a 503 in the error format and /ready names Postgres', async () => {
    const appWithoutPostgres = await buildApp({
      config: loadApiConfig({
        DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/hypersweep',
        API_KEYS: 'env-key',
      }),
      logger: false,
    });
    const auth = { authorization: 'Bearer env-key' };
    try {
      const ready = await appWithoutPostgres.inject('/ready');
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toMatchObject({
        status: 'unavailable',
        postgres: { ok: false },
        redis: { ok: true },
      });
      for (const url of ['/v1/sweeps', '/v1/sweeps/00000000-0000-0000-0000-000000000000']) {
        const res = await appWithoutPostgres.inject({ url, headers: auth });
        expect(res.statusCode, url).toBe(503);
        expect(res.headers['retry-after']).toBe('5');
        expect(res.json()).toEqual({
          requestId: res.headers['x-request-id'],
          statusCode: 503,
          error: 'Service Unavailable',
          message: 'Postgres is unavailable; retry shortly',
          details: [{ path: '', message: 'Postgres is unavailable; retry shortly' }],
        });
      }
      const post = await appWithoutPostgres.inject({
        method: 'POST',
        url: '/v1/sweeps',
        headers: auth,
        payload: { workload: 'rosenbrock', optimizers: [{ type: 'Adam', lr: 0.01 }] },
      });
      expect(post.statusCode).toBe(503);
      // bad input is still a 400, whatever the stores do, from a key of API_KEYS (known without Postgres) ...
      const bad = await appWithoutPostgres.inject({
        method: 'POST',
        url: '/v1/sweeps',
        headers: auth,
        payload: { optimizers: [] },
      });
      expect(bad.statusCode).toBe(400);
      // ... while a stored key cannot be checked: a 503, never let through
      const stored = await appWithoutPostgres.inject({
        method: 'POST',
        url: '/v1/sweeps',
        headers: { authorization: `Bearer hs_abcd1234_${'x'.repeat(43)}` },
        payload: { optimizers: [] },
      });
      expect(stored.statusCode).toBe(503);
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
