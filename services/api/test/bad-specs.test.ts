import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../src/testing.js';

const base = () => ({
  name: 'bad',
  workload: { name: 'mnist-mlp', options: { trainSize: 200, valSize: 50 } },
  training: { epochs: 1, batchSize: 64 },
  optimizers: [{ type: 'SGD', lr: 0.1 }] as unknown[],
  schedulers: [null] as unknown[],
  seeds: [0] as unknown,
  objective: { metric: 'val_loss', mode: 'min' } as unknown,
});
type Spec = ReturnType<typeof base> & Record<string, unknown>;
const withSpec = (edit: (s: Spec) => void) => {
  const s = base() as Spec;
  edit(s);
  return s;
};

// [what, body, the JSON pointer the error must name]
const cases: Array<[string, unknown, string]> = [
  ['body is an array', [], ''],
  ['body is a number', 42, ''],
  ['body is null', null, ''],
  ['no optimizers', withSpec((s) => delete (s as Record<string, unknown>).optimizers), ''],
  ['optimizers empty', withSpec((s) => (s.optimizers = [])), '/optimizers'],
  ['optimizers not a list', withSpec((s) => (s.optimizers = { type: 'SGD' } as never)), '/optimizers'],
  ['optimizer entry not an object', withSpec((s) => (s.optimizers = ['SGD'])), '/optimizers/0'],
  ['optimizer without type', withSpec((s) => (s.optimizers = [{ lr: 0.1 }])), '/optimizers/0'],
  [
    'SGD without lr (torch has no default)',
    withSpec((s) => (s.optimizers = [{ type: 'SGD', momentum: 0.9 }])),
    '/optimizers/0',
  ],
  ['unknown optimizer type', withSpec((s) => (s.optimizers = [{ type: 'Adamm' }])), '/optimizers/0/type'],
  ['optimizer type not a string', withSpec((s) => (s.optimizers = [{ type: 7 }])), '/optimizers/0/type'],
  [
    'unknown optimizer option',
    withSpec((s) => (s.optimizers = [{ type: 'SGD', lr: 0.1, momentun: 0.9 }])),
    '/optimizers/0/momentun',
  ],
  ['negative lr', withSpec((s) => (s.optimizers = [{ type: 'SGD', lr: -0.1 }])), '/optimizers/0/lr'],
  [
    'negative lr inside a sweep list',
    withSpec((s) => (s.optimizers = [{ type: 'SGD', lr: [0.1, -1] }])),
    '/optimizers/0/lr/1',
  ],
  ['lr is a string', withSpec((s) => (s.optimizers = [{ type: 'SGD', lr: '0.1' }])), '/optimizers/0/lr'],
  ['lr is a boolean', withSpec((s) => (s.optimizers = [{ type: 'Adam', lr: true }])), '/optimizers/0/lr'],
  ['empty sweep list', withSpec((s) => (s.optimizers = [{ type: 'SGD', lr: [] }])), '/optimizers/0/lr'],
  [
    'momentum negative',
    withSpec((s) => (s.optimizers = [{ type: 'SGD', lr: 0.1, momentum: -0.5 }])),
    '/optimizers/0/momentum',
  ],
  [
    'nesterov without momentum',
    withSpec((s) => (s.optimizers = [{ type: 'SGD', lr: 0.1, nesterov: true }])),
    '/optimizers/0/nesterov',
  ],
  [
    'nesterov not a boolean',
    withSpec((s) => (s.optimizers = [{ type: 'SGD', lr: 0.1, momentum: 0.9, nesterov: 'yes' }])),
    '/optimizers/0/nesterov',
  ],
  [
    'betas of one number',
    withSpec((s) => (s.optimizers = [{ type: 'Adam', betas: [0.9] }])),
    '/optimizers/0/betas',
  ],
  [
    'beta out of range',
    withSpec((s) => (s.optimizers = [{ type: 'Adam', betas: [0.9, 1.5] }])),
    '/optimizers/0/betas/1',
  ],
  ['eps negative', withSpec((s) => (s.optimizers = [{ type: 'Adam', eps: -1e-8 }])), '/optimizers/0/eps'],
  [
    'weight_decay negative',
    withSpec((s) => (s.optimizers = [{ type: 'AdamW', weight_decay: -0.01 }])),
    '/optimizers/0/weight_decay',
  ],
  [
    'RMSprop alpha negative',
    withSpec((s) => (s.optimizers = [{ type: 'RMSprop', alpha: -0.9 }])),
    '/optimizers/0/alpha',
  ],
  [
    'LBFGS with param groups',
    withSpec((s) => (s.optimizers = [{ type: 'LBFGS', param_groups: [{ params: 'classifier', lr: 0.1 }] }])),
    '/optimizers/0/param_groups',
  ],
  [
    'param group naming an unknown group',
    withSpec(
      (s) => (s.optimizers = [{ type: 'SGD', lr: 0.1, param_groups: [{ params: 'decoder', lr: 0.1 }] }]),
    ),
    '/optimizers/0/param_groups/0/params',
  ],
  [
    'param group with a bad lr',
    withSpec(
      (s) => (s.optimizers = [{ type: 'SGD', lr: 0.1, param_groups: [{ params: 'classifier', lr: -1 }] }]),
    ),
    '/optimizers/0/param_groups/0/lr',
  ],
  [
    'unknown scheduler type',
    withSpec((s) => (s.schedulers = [{ type: 'StepLr', step_size: 1 }])),
    '/schedulers/0/type',
  ],
  ['StepLR without step_size', withSpec((s) => (s.schedulers = [{ type: 'StepLR' }])), '/schedulers/0'],
  [
    'StepLR gamma a string',
    withSpec((s) => (s.schedulers = [{ type: 'StepLR', step_size: 1, gamma: 'half' }])),
    '/schedulers/0/gamma',
  ],
  [
    'unknown scheduler option',
    withSpec((s) => (s.schedulers = [null, { type: 'ExponentialLR', gama: 0.9 }])),
    '/schedulers/1/gama',
  ],
  [
    'bad interval',
    withSpec((s) => (s.schedulers = [{ type: 'StepLR', step_size: 1, interval: 'batch' }])),
    '/schedulers/0/interval',
  ],
  [
    'LambdaLR expression with a syntax error',
    withSpec((s) => (s.schedulers = [{ type: 'LambdaLR', lr_lambda: '0.95 ** (epoch' }])),
    '/schedulers/0/lr_lambda',
  ],
  [
    'LambdaLR calling process',
    withSpec((s) => (s.schedulers = [{ type: 'LambdaLR', lr_lambda: 'process.exit(1)' }])),
    '/schedulers/0/lr_lambda',
  ],
  [
    'LambdaLR constructor access',
    withSpec((s) => (s.schedulers = [{ type: 'LambdaLR', lr_lambda: 'epoch.constructor' }])),
    '/schedulers/0/lr_lambda',
  ],
  [
    'LambdaLR very long expression',
    withSpec((s) => (s.schedulers = [{ type: 'LambdaLR', lr_lambda: `${'1+'.repeat(300)}1` }])),
    '/schedulers/0/lr_lambda',
  ],
  [
    'LambdaLR deeply nested expression',
    withSpec(
      (s) => (s.schedulers = [{ type: 'LambdaLR', lr_lambda: `${'('.repeat(120)}1${')'.repeat(120)}` }]),
    ),
    '/schedulers/0/lr_lambda',
  ],
  [
    'OneCycleLR without max_lr',
    withSpec((s) => (s.schedulers = [{ type: 'OneCycleLR', total_steps: 10 }])),
    '/schedulers/0',
  ],
  [
    'OneCycleLR per epoch with no total_steps',
    withSpec((s) => (s.schedulers = [{ type: 'OneCycleLR', max_lr: 0.1, interval: 'epoch' }])),
    '/schedulers/0',
  ],
  [
    'MultiStepLR milestones not a list',
    withSpec((s) => (s.schedulers = [{ type: 'MultiStepLR', milestones: 'ten' }])),
    '/schedulers/0/milestones',
  ],
  ['schedulers not a list', withSpec((s) => (s.schedulers = { type: 'StepLR' } as never)), '/schedulers'],
  ['unknown workload', withSpec((s) => (s.workload = { name: 'cifar' } as never)), '/workload/name'],
  ['workload a number', withSpec((s) => (s.workload = 5 as never)), '/workload'],
  [
    'unknown workload option',
    withSpec((s) => (s.workload = { name: 'mnist-mlp', options: { hiden: 100 } } as never)),
    '/workload/options/hiden',
  ],
  [
    'workload option out of range',
    withSpec((s) => (s.workload = { name: 'mnist-mlp', options: { hidden: 0 } } as never)),
    '/workload/options/hidden',
  ],
  ['epochs zero', withSpec((s) => (s.training = { epochs: 0, batchSize: 64 })), '/training/epochs'],
  [
    'batchSize fractional',
    withSpec((s) => (s.training = { epochs: 1, batchSize: 6.5 })),
    '/training/batchSize',
  ],
  [
    'unknown training field',
    withSpec((s) => (s.training = { epochs: 1, batchSize: 64, epoch: 3 } as never)),
    '/training/epoch',
  ],
  ['seed fractional', withSpec((s) => (s.seeds = [0, 1.5])), '/seeds/1'],
  ['seeds a string', withSpec((s) => (s.seeds = 'zero')), '/seeds'],
  [
    'unknown objective metric',
    withSpec((s) => (s.objective = { metric: 'accuracy', mode: 'max' })),
    '/objective/metric',
  ],
  [
    'bad objective mode',
    withSpec((s) => (s.objective = { metric: 'val_loss', mode: 'lowest' })),
    '/objective/mode',
  ],
  ['unknown top-level field', withSpec((s) => (s.optimiser = [])), '/optimiser'],
  ['name not a string', withSpec((s) => (s.name = 12 as never)), '/name'],
  [
    'grid over MAX_TRIALS',
    withSpec((s) => {
      s.optimizers = [
        {
          type: 'SGD',
          lr: Array.from({ length: 100 }, (_, i) => (i + 1) / 1000),
          momentum: Array.from({ length: 101 }, (_, i) => i / 101),
        },
      ];
    }),
    '',
  ],
  ['a NUL character in the name (Postgres cannot store it)', withSpec((s) => (s.name = 'a\u0000b')), '/name'],
  ['an unpaired surrogate in the name', withSpec((s) => (s.name = 'x\ud800')), '/name'],
  [
    'deeply nested JSON',
    withSpec((s) => (s.name = JSON.parse(`${'['.repeat(200)}${']'.repeat(200)}`))),
    `/name${'/0'.repeat(31)}`,
  ],
];

describe('bad sweep specs', () => {
  let stack: TestApi;
  /** POSTs raw text as JSON, so bodies that are not objects arrive as they are. */
  const post = (body: unknown) =>
    stack.app.inject({
      method: 'POST',
      url: '/v1/sweeps',
      payload: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
  beforeAll(async () => {
    stack = await startTestApi();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it.each(cases.map(([what, body, path]) => ({ what, body, path })))(
    '$what -> 400 naming $path',
    async ({ body, path }) => {
      const res = await post(body);
      expect(res.statusCode, res.body).toBe(400);
      const error = res.json();
      expect(error).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(error.message).toEqual(expect.any(String));
      expect(
        error.details.map((d: { path: string }) => d.path),
        res.body,
      ).toContain(path);
      for (const detail of error.details) expect(detail.message.length).toBeGreaterThan(0);
    },
  );

  it('the grid over MAX_TRIALS says how many trials it would have made', async () => {
    const res = await stack.app.inject({
      method: 'POST',
      url: '/v1/sweeps',
      payload: cases.find((c) => c[0] === 'grid over MAX_TRIALS')![1] as object,
    });
    expect(res.json().message).toMatch(/10,100/);
  });

  it('an unknown option suggests the closest name', async () => {
    const res = await stack.app.inject({
      method: 'POST',
      url: '/v1/sweeps',
      payload: withSpec((s) => (s.optimizers = [{ type: 'SGD', lr: 0.1, momentun: 0.9 }])),
    });
    expect(res.json().details[0].message).toMatch(/momentum/);
  });

  it('non-JSON bodies get a 400 that says so', async () => {
    for (const payload of ['{"name": ', 'not json', '{"a":1}}']) {
      const res = await stack.app.inject({
        method: 'POST',
        url: '/v1/sweeps',
        payload,
        headers: { 'content-type': 'application/json' },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().message).toMatch(/JSON/);
      expect(res.json().details).toEqual([{ path: '', message: expect.any(String) }]);
    }
  });

  it('a text body is a 400 (not an object), an unsupported content type a 415, in the same error format', async () => {
    const text = await stack.app.inject({
      method: 'POST',
      url: '/v1/sweeps',
      payload: 'name=x',
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.statusCode).toBe(400);
    expect(text.json().details[0].path).toBe('');
    const res = await stack.app.inject({
      method: 'POST',
      url: '/v1/sweeps',
      payload: 'name=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.statusCode).toBe(415);
    expect(res.json()).toMatchObject({ statusCode: 415, details: [{ path: '' }] });
    expect(res.json().message).toBe(
      'Content-Type application/x-www-form-urlencoded is not accepted here; send JSON with Content-Type: application/json',
    );
  });

  it('says which values a query parameter takes, and what a full id is; a short id resolves through ?idPrefix=', async () => {
    const created = await stack.app.inject({
      method: 'POST',
      url: '/v1/sweeps',
      payload: withSpec(() => {}),
    });
    expect(created.statusCode, created.body).toBe(201);
    const { id } = created.json() as { id: string };
    const metric = await stack.app.inject(`/v1/sweeps/${id}/curves?metric=accuracy`);
    expect(metric.statusCode).toBe(400);
    expect(metric.json().details[0]).toMatchObject({ path: '/query/metric' });
    expect(metric.json().details[0].message).toMatch(/^must be one of "loss", "lr", /);
    const short = await stack.app.inject(`/v1/sweeps/${id.slice(0, 8)}`);
    expect(short.statusCode).toBe(400);
    expect(short.json().details[0]).toMatchObject({ path: '/params/id' });
    expect(short.json().details[0].message).toContain('idPrefix');
    const found = await stack.app.inject(`/v1/sweeps?idPrefix=${id.slice(0, 8).toUpperCase()}&limit=2`);
    expect(found.json().items.map((s: { id: string }) => s.id)).toEqual([id]);
    const none = await stack.app.inject(
      `/v1/sweeps?idPrefix=${id.startsWith('0') ? 'f' : '0'}${id.slice(1, 8)}`,
    );
    expect(none.json().items).toEqual([]);
    expect((await stack.app.inject('/v1/sweeps?idPrefix=xyz')).statusCode).toBe(400);
    // the last test checks that no bad request stored anything: this good one goes
    expect((await stack.app.inject({ method: 'DELETE', url: `/v1/sweeps/${id}` })).statusCode).toBe(204);
  });

  it('a body over the 1 MiB limit is refused with 413 in the same error format', async () => {
    const big = withSpec((s) => (s.name = 'x'.repeat(1024 * 1024 + 10)));
    const res = await post(big);
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ statusCode: 413, error: 'Payload Too Large' });
  });

  it('nothing was stored by any bad request', async () => {
    const list = (await stack.app.inject('/v1/sweeps')).json();
    expect(list.items).toEqual([]);
  });

  it('fuzzing the spec endpoint never gives a 500', async () => {
    // binary strings reach NUL characters and unpaired surrogates, which Postgres refuses to store
    const json = fc.oneof(fc.jsonValue({ maxDepth: 6 }), fc.string({ unit: 'binary', maxLength: 20 }));
    const mutated = fc
      .tuple(
        fc.constantFrom('name', 'workload', 'training', 'optimizers', 'schedulers', 'seeds', 'objective'),
        json,
        fc.constantFrom(...[0, 1, 2]),
      )
      .map(([key, value, where]) => {
        const spec = base() as Record<string, unknown>;
        if (typeof value === 'string') spec.name = value;
        else if (where === 0) spec[key] = value;
        else if (where === 1) spec.optimizers = [{ type: 'Adam', [String(key)]: value }];
        else spec.schedulers = [{ type: 'CyclicLR', base_lr: value, max_lr: 0.1 }];
        return spec;
      });
    await fc.assert(
      fc.asyncProperty(fc.oneof(json, mutated), async (body) => {
        const res = await post(body);
        expect(res.statusCode).toBeLessThan(500);
        if (res.statusCode === 201)
          await stack.app.inject({ method: 'DELETE', url: `/v1/sweeps/${res.json().id}` });
      }),
      { numRuns: 300 },
    );
  });
});
