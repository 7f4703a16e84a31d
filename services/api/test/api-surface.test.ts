import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../src/testing.js';

const spec = { workload: 'rosenbrock', training: { epochs: 5 }, optimizers: [{ type: 'SGD', lr: 0.0001 }] };

describe('API surface', () => {
  let stack: TestApi;
  let anonymous: (options: InjectOptions) => Promise<LightMyRequestResponse>;
  beforeAll(async () => {
    stack = await startTestApi({ env: { API_KEYS: 'key-one, key-two' } });
    anonymous = stack.app.inject.bind(stack.app);
    // Every other request of this file comes with a key (every route but /health, /ready, /metrics needs one).
    stack.app.inject = ((options: InjectOptions | string) =>
      anonymous(
        typeof options === 'string'
          ? { url: options, headers: auth }
          : { ...options, headers: { ...auth, ...options.headers } },
      )) as typeof stack.app.inject;
  });
  afterAll(async () => {
    await stack?.close();
  });
  const auth = { authorization: 'Bearer key-two' };

  it('every route but /health, /ready and /metrics needs an API key when API_KEYS is set', async () => {
    const none = await anonymous({ method: 'POST', url: '/v1/sweeps', payload: spec });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({
      statusCode: 401,
      error: 'Unauthorized',
      details: [{ path: '/headers/authorization' }],
    });
    const wrong = await anonymous({
      method: 'POST',
      url: '/v1/sweeps',
      payload: spec,
      headers: { authorization: 'Bearer nope' },
    });
    expect(wrong.statusCode).toBe(401);
    const ok = await stack.app.inject({ method: 'POST', url: '/v1/sweeps', payload: spec, headers: auth });
    expect(ok.statusCode).toBe(201);
    const id = ok.json().id;
    expect((await anonymous({ method: 'POST', url: `/v1/sweeps/${id}/cancel` })).statusCode).toBe(401);
    expect((await anonymous({ method: 'DELETE', url: `/v1/sweeps/${id}` })).statusCode).toBe(401);
    expect((await anonymous({ url: `/v1/sweeps/${id}` })).statusCode).toBe(401);
    expect((await stack.app.inject({ url: `/v1/sweeps/${id}`, headers: auth })).statusCode).toBe(200);
    expect((await anonymous({ url: '/health' })).statusCode).toBe(200);
    expect(
      (await stack.app.inject({ method: 'DELETE', url: `/v1/sweeps/${id}`, headers: auth })).statusCode,
    ).toBe(204);
  });

  it('serves Swagger UI and an OpenAPI document with typed optimizer and scheduler variants', async () => {
    const ui = await stack.app.inject('/docs/');
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toContain('text/html');
    const doc = (await stack.app.inject('/docs/json')).json();
    expect(doc.openapi).toMatch(/^3\./);
    for (const path of [
      '/v1/sweeps',
      '/v1/sweeps/{id}',
      '/v1/sweeps/{id}/trials',
      '/v1/sweeps/{id}/cancel',
      '/v1/sweeps/{id}/events',
      '/v1/trials/{id}',
      '/v1/trials/{id}/metrics',
      '/v1/schedules/preview',
      '/v1/catalog',
      '/health',
      '/ready',
      '/metrics',
    ]) {
      expect(doc.paths, path).toHaveProperty([path]);
    }
    const text = JSON.stringify(doc);
    for (const type of [
      'SGD',
      'Adam',
      'AdamW',
      'LBFGS',
      'SparseAdam',
      'StepLR',
      'OneCycleLR',
      'ReduceLROnPlateau',
      'CyclicLR',
    ]) {
      expect(text).toContain(`"${type}"`);
    }
    expect(text).toContain('nesterov');
    expect(text).toContain('T_max');
  });

  it('documents the event stream: every event type with its fields, errors as JSON', async () => {
    const doc = (await stack.app.inject('/docs/json')).json();
    const { responses } = doc.paths['/v1/sweeps/{id}/events'].get;
    const events = responses['200'].content['text/event-stream'].schema.anyOf as Array<{
      properties: { type: { enum: string[] } };
      required: string[];
    }>;
    expect(events.map((event) => event.properties.type.enum)).toEqual([
      ['sweep'],
      ['trial.started'],
      ['trial.progress'],
      ['trial.finished'],
    ]);
    expect(events[2]!.required).toEqual([
      'type',
      'sweepId',
      'trialId',
      'stepsDone',
      'loss',
      'lr',
      'bestValue',
      'at',
    ]);
    expect(Object.keys(responses['404'].content)).toEqual(['application/json']);
  });

  it('GET /v1/catalog lists optimizers, schedulers and workloads with their options and groups', async () => {
    const catalog = (await stack.app.inject('/v1/catalog')).json();
    expect(Object.keys(catalog.optimizers).sort()).toEqual(
      [
        'ASGD',
        'Adadelta',
        'Adagrad',
        'Adam',
        'AdamW',
        'Adamax',
        'LBFGS',
        'NAdam',
        'RAdam',
        'RMSprop',
        'Rprop',
        'SGD',
        'SparseAdam',
      ].sort(),
    );
    expect(Object.keys(catalog.schedulers)).toHaveLength(15);
    expect(catalog.optimizers.Adam.options.betas.default).toEqual([0.9, 0.999]);
    expect(catalog.workloads['mnist-mlp'].paramGroups).toEqual(['base', 'classifier']);
    // the torch.nn layers and losses a model may use, with torch's defaults and what is inferred
    expect(Object.keys(catalog.layers)).toHaveLength(21);
    expect(Object.keys(catalog.losses).sort()).toEqual(
      ['BCEWithLogitsLoss', 'CrossEntropyLoss', 'HuberLoss', 'L1Loss', 'MSELoss', 'SmoothL1Loss'].sort(),
    );
    expect(catalog.layers.Conv2d).toMatchObject({ required: ['out_channels', 'kernel_size'] });
    expect(catalog.layers.Conv2d.inferred).toEqual(['in_channels']);
    expect(catalog.layers.BatchNorm2d.options.momentum.default).toBe(0.1);
    expect(catalog.losses.CrossEntropyLoss.options.label_smoothing.default).toBe(0);
  });

  it('POST /v1/schedules/preview gives the curve and names a bad option', async () => {
    const res = await stack.app.inject({
      method: 'POST',
      url: '/v1/schedules/preview',
      payload: {
        optimizer: { type: 'SGD', options: { lr: 0.1 } },
        scheduler: { type: 'StepLR', options: { step_size: 2, gamma: 0.5 } },
        steps: 6,
      },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().lrs).toEqual([[0.1], [0.1], [0.05], [0.05], [0.025], [0.025]]);
    const bad = await stack.app.inject({
      method: 'POST',
      url: '/v1/schedules/preview',
      payload: {
        optimizer: { type: 'SGD', options: { lr: 0.1 } },
        scheduler: { type: 'StepLR', options: { step_size: 2, gama: 0.5 } },
        steps: 6,
      },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details[0].path).toBe('/scheduler/options/gama');
    // errors found while running the schedule point into the body too
    const cyclic = await stack.app.inject({
      method: 'POST',
      url: '/v1/schedules/preview',
      payload: {
        optimizer: { type: 'SGD', options: { lr: 0.1 }, group_lrs: [0.1, 0.2] },
        scheduler: { type: 'CyclicLR', options: { base_lr: [0.1], max_lr: 1 } },
        steps: 5,
      },
    });
    expect(cyclic.statusCode).toBe(400);
    expect(cyclic.json().details[0].path).toBe('/scheduler/options/base_lr');
  });

  it('lists sweeps newest first with cursor pagination and a status filter', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(
        (
          await stack.app.inject({
            method: 'POST',
            url: '/v1/sweeps',
            payload: { ...spec, name: `page ${i}` },
            headers: auth,
          })
        ).json().id,
      );
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { items: { id: string }[]; nextCursor: string | null } = (
        await stack.app.inject(`/v1/sweeps?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
      ).json();
      expect(res.items.length).toBeLessThanOrEqual(2);
      seen.push(...res.items.map((s) => s.id));
      cursor = res.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
    await stack.app.inject({ method: 'POST', url: `/v1/sweeps/${ids[0]}/cancel`, headers: auth });
    const cancelled = (await stack.app.inject('/v1/sweeps?status=cancelled')).json();
    expect(cancelled.items.map((s: { id: string }) => s.id)).toEqual([ids[0]]);
    expect((await stack.app.inject('/v1/sweeps?status=nope')).statusCode).toBe(400);
    expect((await stack.app.inject('/v1/sweeps?cursor=garbage')).statusCode).toBe(400);
    const forged = Buffer.from(JSON.stringify(['2026-01-01T00:00:00Z', 'not-a-uuid'])).toString('base64url');
    expect((await stack.app.inject(`/v1/sweeps?cursor=${forged}`)).statusCode).toBe(400);
    expect((await stack.app.inject('/v1/sweeps/not-a-uuid')).statusCode).toBe(400);
    expect((await stack.app.inject('/v1/sweeps/00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
  });

  it('downsamples long metric series keeping every spike, and exports CSV', async () => {
    const created = (
      await stack.app.inject({ method: 'POST', url: '/v1/sweeps', payload: spec, headers: auth })
    ).json();
    const trial = (await stack.app.inject(`/v1/sweeps/${created.id}/trials`)).json().items[0];
    // a synthetic 100,000-step series written straight to Postgres, with spikes the downsampling must keep
    const client = new pg.Client({ connectionString: stack.db.url });
    await client.connect();
    await client.query(
      `INSERT INTO step_metrics (trial_id, step, epoch, loss, lr, lrs)
       SELECT $1, s, s / 1000, CASE WHEN s IN (12345, 67890) THEN 100 WHEN s = 50001 THEN -5 ELSE 1.0 / s END, 0.1, ARRAY[0.1, 0.01]
       FROM generate_series(1, 100000) s`,
      [trial.id],
    );
    await client.end();
    const res = (await stack.app.inject(`/v1/trials/${trial.id}/metrics?maxPoints=1000`)).json();
    expect(res.totalPoints).toBe(100_000);
    expect(res.downsampled).toBe(true);
    expect(res.step.length).toBeLessThanOrEqual(1000);
    expect(res.step.length).toBeGreaterThan(500);
    expect(res.step).toEqual([...res.step].sort((a: number, b: number) => a - b));
    for (const spike of [12345, 67890, 50001, 1, 100000]) expect(res.step).toContain(spike);
    expect(Math.max(...res.loss)).toBe(100);
    expect(Math.min(...res.loss)).toBe(-5);
    const window = (await stack.app.inject(`/v1/trials/${trial.id}/metrics?from=100&to=199`)).json();
    expect(window.step).toEqual(Array.from({ length: 100 }, (_, i) => 100 + i));
    expect(window.lrs[0]).toEqual([0.1, 0.01]);
    expect((await stack.app.inject(`/v1/trials/${trial.id}/metrics?from=9&to=3`)).statusCode).toBe(400);
    // beyond a Postgres integer, or not a format: the client's mistake, named
    for (const [query, path] of [
      ['from=3000000000', '/query/from'],
      ['to=1e20', '/query/to'],
      ['format=xml', '/query/format'],
    ]) {
      const res = await stack.app.inject(`/v1/trials/${trial.id}/metrics?${query}`);
      expect(res.statusCode, query).toBe(400);
      expect(res.json().details).toHaveLength(1);
      expect(res.json().details[0].path).toBe(path);
    }
    const csv = await stack.app.inject(`/v1/trials/${trial.id}/metrics?from=1&to=3&format=csv`);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body).toBe(
      'step,epoch,loss,lr,lr_group_0,lr_group_1\n1,0,1,0.1,0.1,0.01\n2,0,0.5,0.1,0.1,0.01\n3,0,0.3333333333333333,0.1,0.1,0.01\n',
    );
  });

  it('GET /metrics exposes Prometheus metrics', async () => {
    const res = await stack.app.inject('/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    for (const name of [
      'hypersweep_http_requests_total',
      'hypersweep_queue_jobs',
      'hypersweep_queue_jobs_unfinished',
      'hypersweep_trials',
      'hypersweep_metric_rows_written_total',
    ]) {
      expect(res.body).toContain(name);
    }
    expect(res.body).toMatch(/hypersweep_queue_jobs\{state="waiting"\} [1-9]/);
    // What KEDA scales workers on (deploy/kubernetes): at least the waiting jobs.
    const waiting = Number(/hypersweep_queue_jobs\{state="waiting"\} (\d+)/.exec(res.body)![1]);
    expect(Number(/^hypersweep_queue_jobs_unfinished (\d+)$/m.exec(res.body)![1])).toBeGreaterThanOrEqual(
      waiting,
    );
    expect(res.body).toMatch(/hypersweep_trials\{status="queued"\} [1-9]/);
  });
});
