import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../src/testing.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('request ids and security headers', () => {
  let stack: TestApi;
  const lines: Array<Record<string, unknown>> = [];
  beforeAll(async () => {
    const stream = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    stack = await startTestApi({ logger: { level: 'info', stream } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("names every request: a fresh uuid, or the caller's x-request-id where it is a plain token", async () => {
    const fresh = await stack.app.inject('/health');
    expect(fresh.headers['x-request-id']).toMatch(UUID);
    const given = await stack.app.inject({ url: '/health', headers: { 'x-request-id': 'proxy-7f3a.01' } });
    expect(given.headers['x-request-id']).toBe('proxy-7f3a.01');
    for (const hostile of ['a b', 'x'.repeat(129), 'line\\nbreak', '<script>']) {
      const res = await stack.app.inject({ url: '/health', headers: { 'x-request-id': hostile } });
      expect(res.headers['x-request-id']).toMatch(UUID);
    }
  });

  it('puts the id in every error answer and in the log lines of its request', async () => {
    const bad = await stack.app.inject({
      method: 'POST',
      url: '/v1/sweeps',
      headers: { 'x-request-id': 'bad-spec-1' },
      payload: { workload: 'mnist-mlp', optimizers: [{ type: 'SGD', lr: -1 }] },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ statusCode: 400, requestId: 'bad-spec-1' });
    const missing = await stack.app.inject('/v1/sweeps/00000000-0000-4000-8000-000000000000');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().requestId).toBe(missing.headers['x-request-id']);
    const unknownRoute = await stack.app.inject('/v1/nothing');
    expect(unknownRoute.json().requestId).toBe(unknownRoute.headers['x-request-id']);
    const ofBad = lines.filter((line) => line['requestId'] === 'bad-spec-1');
    expect(ofBad.map((line) => line['msg'])).toEqual(['incoming request', 'request completed']);
  });

  it('sends security headers, the dashboard under its own Content-Security-Policy', async () => {
    const page = await stack.app.inject('/');
    expect(page.statusCode).toBe(200);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    const api = await stack.app.inject('/v1/catalog');
    expect(api.headers['x-content-type-options']).toBe('nosniff');
  });

  it("gives Swagger UI's pages their own policy (@fastify/swagger-ui's), nothing upgraded", async () => {
    const docs = await stack.app.inject('/docs');
    expect(docs.statusCode).toBe(200);
    const csp = String(docs.headers['content-security-policy']);
    expect(csp).toMatch(/script-src 'self'/);
    expect(csp).toContain('validator.swagger.io');
    expect(csp).not.toContain('upgrade-insecure-requests');
    expect(csp).not.toContain('unsafe-inline');
  });
});

describe('CORS', () => {
  let open: TestApi;
  let allowed: TestApi;
  beforeAll(async () => {
    open = await startTestApi();
    allowed = await startTestApi({
      env: { CORS_ORIGINS: 'https://ml.example.com, https://other.example.com' },
    });
  });
  afterAll(async () => {
    await open?.close();
    await allowed?.close();
  });

  it('is off by default: no Access-Control-Allow-Origin for any origin', async () => {
    const res = await open.app.inject({ url: '/v1/catalog', headers: { origin: 'https://ml.example.com' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('allows the origins of CORS_ORIGINS, preflight included, and no other', async () => {
    const preflight = await allowed.app.inject({
      method: 'OPTIONS',
      url: '/v1/sweeps',
      headers: {
        origin: 'https://ml.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://ml.example.com');
    expect(String(preflight.headers['access-control-allow-headers'])).toContain('authorization');
    const read = await allowed.app.inject({
      url: '/v1/catalog',
      headers: { origin: 'https://other.example.com' },
    });
    expect(read.headers['access-control-allow-origin']).toBe('https://other.example.com');
    const stranger = await allowed.app.inject({
      url: '/v1/catalog',
      headers: { origin: 'https://evil.example' },
    });
    expect(stranger.headers['access-control-allow-origin']).toBeUndefined();
  });
});
