import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadApiConfig } from '../src/config.js';
import { startTestApi, type TestApi } from '../src/testing.js';

const GLOBAL_KEY = 'limits-global-admin-key';
const spec = (lrs: number[]) => ({
  workload: 'rosenbrock',
  training: { epochs: 1 },
  optimizers: [{ type: 'SGD', lr: lrs }],
});

describe('limits per project', () => {
  let stack: TestApi;
  // A second API process on the same database and Redis prefix.
  let second: FastifyInstance;
  let alpha: string;
  let beta: string;
  const as = (app: FastifyInstance, key: string, method: string, url: string, payload?: object) =>
    app.inject({
      method: method as 'GET',
      url,
      headers: { authorization: `Bearer ${key}` },
      ...(payload && { payload }),
    });
  const setLimits = async (project: string, limits: object) => {
    const res = await as(stack.app, GLOBAL_KEY, 'PUT', `/v1/projects/${project}/limits`, limits);
    expect(res.statusCode, res.body).toBe(200);
  };

  beforeAll(async () => {
    stack = await startTestApi({ env: { API_KEYS: GLOBAL_KEY } });
    second = await buildApp({ config: loadApiConfig({ ...stack.env, API_KEYS: GLOBAL_KEY }), logger: false });
    const keyOf = async (project: string) =>
      (await as(stack.app, GLOBAL_KEY, 'POST', '/v1/keys', { project, role: 'write' })).json().key as string;
    alpha = await keyOf('alpha');
    beta = await keyOf('beta');
  });
  afterAll(async () => {
    await second?.close();
    await stack?.close();
  });

  it('a global admin sets a project its own limits; its admins read them, other projects keep the defaults', async () => {
    await setLimits('alpha', { activeTrials: 3 });
    const own = await as(stack.app, GLOBAL_KEY, 'GET', '/v1/projects/alpha/limits');
    expect(own.json()).toMatchObject({
      project: 'alpha',
      overrides: { activeTrials: 3 },
      limits: { activeTrials: 3 },
    });
    const other = (await as(stack.app, GLOBAL_KEY, 'GET', '/v1/projects/beta/limits')).json();
    expect(other.limits.activeTrials).toBe(stack.app.hypersweep.config.limits.activeTrials);
    expect(
      (await as(stack.app, alpha, 'PUT', '/v1/projects/alpha/limits', { activeTrials: 9 })).statusCode,
    ).toBe(403);
  });

  it('a key revoked through one API process is refused at its next request by the other', async () => {
    const { key, id } = (
      await as(stack.app, GLOBAL_KEY, 'POST', '/v1/keys', { project: 'alpha', role: 'read' })
    ).json();
    expect((await as(second, key, 'GET', '/v1/sweeps')).statusCode).toBe(200);
    expect((await as(stack.app, GLOBAL_KEY, 'DELETE', `/v1/keys/${id}`)).statusCode).toBe(200);
    expect((await as(second, key, 'GET', '/v1/sweeps')).statusCode).toBe(401);
  });

  it('queued plus running trials: a 429 naming PROJECT_MAX_ACTIVE_TRIALS and its value; beta unaffected', async () => {
    await setLimits('alpha', { activeTrials: 3 });
    const first = await as(stack.app, alpha, 'POST', '/v1/sweeps', spec([0.01, 0.02]));
    expect(first.statusCode).toBe(201);
    // Growing a sweep counts too: two more seeds' cells would make 4 waiting trials.
    const grown = await as(stack.app, alpha, 'POST', `/v1/sweeps/${first.json().id}/extend`, { seeds: [1] });
    expect(grown.statusCode, grown.body).toBe(429);
    expect(grown.json().message).toContain('2 trials are queued or running and this adds 2');
    const over = await as(stack.app, alpha, 'POST', '/v1/sweeps', spec([0.01, 0.02]));
    expect(over.statusCode).toBe(429);
    expect(over.json().message).toBe(
      'project alpha is over its limit PROJECT_MAX_ACTIVE_TRIALS=3 (activeTrials): 2 trials are queued or running and this adds 2; wait for some to end or cancel a sweep',
    );
    expect((await as(stack.app, beta, 'POST', '/v1/sweeps', spec([0.01, 0.02]))).statusCode).toBe(201);
  });

  it("dataset bytes: an upload past what the project's datasets may still take is refused, naming the limit", async () => {
    await setLimits('alpha', { datasetBytes: 40 });
    const upload = (key: string, name: string, body: string) =>
      stack.app.inject({
        method: 'POST',
        url: `/v1/datasets?name=${name}`,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv' },
        payload: body,
      });
    expect((await upload(alpha, 'first', 'x,y\n1,2\n3,4\n5,6\n')).statusCode).toBe(201);
    const big = await upload(alpha, 'second', 'x,y\n1,2\n3,4\n5,6\n7,8\n9,10\n');
    expect(big.statusCode).toBe(413);
    expect(big.json().message).toContain('project alpha is over its limit PROJECT_MAX_DATASET_BYTES=40');
    expect((await upload(beta, 'second', 'x,y\n1,2\n3,4\n5,6\n7,8\n9,10\n')).statusCode).toBe(201);
  });

  it('requests per second per key, shared by two API processes: 429 with Retry-After; beta unaffected', async () => {
    await setLimits('alpha', { requestsPerSecond: 5 });
    // Six requests in one window, three to each process (the last to the one that set the limit: the other
    // may hold the old value for a few seconds): a limit per process would let all through. Each
    // round starts once the key's window in Redis is gone; a round slower than the window is run again.
    const rateKey = `${stack.prefix}:rate:${alpha.slice(3, 11)}`;
    let statuses: number[] = [];
    let refused: Awaited<ReturnType<typeof as>> | undefined;
    for (let round = 0; round < 3; round++) {
      await expect.poll(() => stack.app.hypersweep.redis.exists(rateKey), { timeout: 5000 }).toBe(0);
      const started = Date.now();
      statuses = [];
      for (let i = 0; i < 6; i++) {
        const res = await as(i % 2 === 0 ? second : stack.app, alpha, 'GET', '/v1/sweeps');
        statuses.push(res.statusCode);
        if (res.statusCode === 429) refused = res;
      }
      if (Date.now() - started < 900) break;
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    expect(refused?.headers['retry-after']).toMatch(/^\d+$/);
    expect(refused?.json().message).toMatch(
      /^project alpha is over its limit RATE_LIMIT_PER_SECOND=5 \(requestsPerSecond\): too many requests from this key/,
    );
    expect((await as(second, beta, 'GET', '/v1/sweeps')).statusCode).toBe(200);
    await setLimits('alpha', { requestsPerSecond: 1000 });
  });

  it('event streams per key: one past the limit is a 429 until one closes', async () => {
    await setLimits('alpha', { eventStreams: 1, requestsPerSecond: 1000 });
    const base = await stack.app.listen({ port: 0, host: '127.0.0.1' });
    const sweep = (await as(stack.app, alpha, 'POST', '/v1/sweeps', spec([0.5]))).json().id;
    const open = async () => {
      const abort = new AbortController();
      const res = await fetch(`${base}/v1/sweeps/${sweep}/events`, {
        headers: { authorization: `Bearer ${alpha}` },
        signal: abort.signal,
      });
      return {
        status: res.status,
        body: res.status === 200 ? '' : await res.text(),
        close: () => abort.abort(),
      };
    };
    const first = await open();
    expect(first.status).toBe(200);
    const refused = await open();
    refused.close();
    expect(refused.status).toBe(429);
    expect(refused.body).toContain('MAX_EVENT_STREAMS_PER_KEY=1');
    first.close();
    // given back when the server sees the connection close
    await expect
      .poll(async () => {
        const again = await open();
        again.close();
        return again.status;
      })
      .toBe(200);
  });
});
