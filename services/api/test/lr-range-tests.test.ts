import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../src/testing.js';

const body = {
  workload: 'two-layer-regression',
  training: { batchSize: 32 },
  optimizer: { type: 'SGD', momentum: 0.9 },
  start_lr: 1e-4,
  end_lr: 1,
  steps: 20,
};

// The routes against the real Postgres and Redis (no worker here: tests/lr-range-test.test.ts runs one).
describe('POST and GET /v1/lr-range-tests', () => {
  let stack: TestApi;
  const post = (payload: unknown) =>
    stack.app.inject({ method: 'POST', url: '/v1/lr-range-tests', payload: payload as object });
  beforeAll(async () => {
    stack = await startTestApi();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('stores a one-trial sweep with its settings and answers with its id and trial; not a sweep of the list', async () => {
    const res = await post(body);
    expect(res.statusCode, res.body).toBe(201);
    const created = res.json();
    expect(created).toMatchObject({
      status: 'queued',
      enqueued: true,
      name: expect.stringMatching(/^lr range test: /),
    });
    const read = await stack.app.inject(`/v1/lr-range-tests/${created.id}`);
    expect(read.statusCode).toBe(200);
    expect(read.json()).toMatchObject({
      id: created.id,
      status: 'queued',
      settings: { start_lr: 1e-4, end_lr: 1, steps: 20, mode: 'exp', smoothing: 0.98 },
      trial: { id: created.trialId, status: 'queued', stepsDone: 0 },
      stoppedEarly: false,
      curve: [],
      suggestions: { steep: null, minimum: null, lrAtMinimum: null },
    });
    // its trial is an ordinary trial: the ramp's scheduler, steps as maxSteps, the stop rule
    const trial = (await stack.app.inject(`/v1/trials/${created.trialId}`)).json();
    expect(trial.config).toMatchObject({
      optimizer: { type: 'SGD', options: { lr: 1e-4, momentum: 0.9 } },
      scheduler: { type: 'ExponentialLR', interval: 'step' },
      training: { maxSteps: 20, batchSize: 32 },
      stopOnDivergence: { smoothing: 0.98 },
    });
    const listed = (await stack.app.inject('/v1/sweeps?limit=200'))
      .json()
      .items.map((s: { id: string }) => s.id);
    expect(listed).not.toContain(created.id);
  });

  it('bad input: a 400 with a JSON pointer for every problem', async () => {
    const res = await post({
      ...body,
      start_lr: 0.1,
      end_lr: 0.01,
      steps: 1,
      optimizer: { type: 'Adam', momentum: 0.9 },
    });
    expect(res.statusCode).toBe(400);
    const answer = res.json();
    expect(answer.details.map((d: { path: string }) => d.path)).toEqual(['/end_lr', '/steps']);
    expect(answer.message).toBe(
      'invalid lr range test: /end_lr: end_lr must be greater than start_lr (0.1), got 0.01; 1 more problem in details',
    );
    // once the settings are right, the optimizer entry is checked as a sweep's
    const adam = await post({ ...body, optimizer: { type: 'Adam', momentum: 0.9 } });
    expect(adam.statusCode).toBe(400);
    expect(adam.json().details[0].path).toBe('/optimizer/momentum');
    const unknown = await post({ ...body, optimizer: { type: 'Adamm' } });
    expect(unknown.json().details[0]).toMatchObject({
      path: '/optimizer/type',
      message: expect.stringMatching(/Adam/),
    });
    expect((await post({ ...body, optimizer: { type: 'SGD', lr: 0.1 } })).json().details[0].path).toBe(
      '/optimizer/lr',
    );
    expect((await post({ ...body, workload: 'nope' })).json().details[0].path).toBe('/workload');
    expect((await post([1])).json().details).toEqual([
      { path: '', message: expect.stringMatching(/an lr range test is an object/) },
    ]);
  });

  it("takes a model workload on an uploaded dataset, checked against the dataset as a sweep's is", async () => {
    const upload = await stack.app.inject({
      method: 'POST',
      url: '/v1/datasets?name=digits',
      headers: { 'content-type': 'text/csv' },
      payload: readFileSync(new URL('../../../examples/data/digits.csv', import.meta.url)),
    });
    expect(upload.statusCode, upload.body).toBe(201);
    const workload = {
      dataset: { id: 'digits', target: 'label', shape: [1, 8, 8], val: 0.2 },
      model: [
        { type: 'Conv2d', out_channels: 8, kernel_size: 3, padding: 1 },
        { type: 'ReLU' },
        { type: 'Flatten' },
        { type: 'Linear', out_features: 10 },
      ],
      loss: { type: 'CrossEntropyLoss' },
    };
    const res = await post({ workload, optimizer: { type: 'Adam' }, steps: 50 });
    expect(res.statusCode, res.body).toBe(201);
    const trial = (await stack.app.inject(`/v1/trials/${res.json().trialId}`)).json();
    expect(trial.config.workload.options.dataset).toMatchObject({ id: upload.json().id });
    // a target column the dataset does not have: the sweep validator's error, pointed into this body
    const bad = await post({
      workload: { ...workload, dataset: { ...workload.dataset, target: 'lable' } },
      optimizer: { type: 'Adam' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details[0].path).toBe('/workload/dataset/target');
  });

  it('an unknown id is a 404; a sweep is no lr range test', async () => {
    const missing = await stack.app.inject('/v1/lr-range-tests/0f5e8a52-3b8e-4f8e-9a51-1c2d3e4f5a6b');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().details).toEqual([{ path: '/params/id', message: 'no lr range test has this id' }]);
    const sweep = await stack.app.inject({
      method: 'POST',
      url: '/v1/sweeps',
      payload: { workload: 'rosenbrock', training: { epochs: 1 }, optimizers: [{ type: 'SGD', lr: 0.1 }] },
    });
    expect((await stack.app.inject(`/v1/lr-range-tests/${sweep.json().id}`)).statusCode).toBe(404);
  });
});
