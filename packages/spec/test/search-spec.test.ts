import Schema from 'typebox/schema';
import { describe, expect, it } from 'vitest';
import { proposeSearchConfig, searchSpecExample, validateSearchSweepSpec } from '../src/index.js';
import { workloads } from './workloads.js';

const context = { workloads };
const base = {
  workload: { name: 'mnist-mlp', options: { trainSize: 256, valSize: 64 } },
  training: { epochs: 2, batchSize: 64 },
};

describe('distributions in a sweep spec', () => {
  it('under grid (the default) a distribution is a 400 that says to choose random or tpe', () => {
    const r = validateSearchSweepSpec(
      { ...base, optimizers: [{ type: 'SGD', lr: { loguniform: [1e-4, 1e-1] } }] },
      context,
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toEqual([
      { path: '/optimizers/0/lr', message: expect.stringContaining('"type": "random"') },
    ]);
    expect(r.errors[0]!.message).toContain('tpe');
  });

  it('a loguniform lr with low <= 0 is an error at /optimizers/0/lr', () => {
    const r = validateSearchSweepSpec(
      {
        ...base,
        search: { type: 'random', trials: 4 },
        optimizers: [{ type: 'SGD', lr: { loguniform: [0, 0.1] } }],
      },
      context,
    );
    expect(r).toEqual({
      ok: false,
      errors: [{ path: '/optimizers/0/lr', message: 'lr: loguniform needs low > 0 (a log scale), got 0' }],
    });
  });

  it('bounds are checked against the catalog schema (a negative lr, a momentum above... for SGD) and momentum on Adam is refused', () => {
    const r = validateSearchSweepSpec(
      {
        ...base,
        search: { type: 'tpe', trials: 4 },
        optimizers: [{ type: 'SGD', lr: { uniform: [-1, 0.1] } }],
      },
      context,
    );
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.map((e) => e.path)).toEqual(['/optimizers/0/lr']);
    const adam = validateSearchSweepSpec(
      {
        ...base,
        search: { type: 'random', trials: 4 },
        optimizers: [{ type: 'Adam', momentum: { uniform: [0, 0.9] } }],
      },
      context,
    );
    expect(adam.ok).toBe(false);
    if (!adam.ok) expect(adam.errors[0]!.path).toBe('/optimizers/0/momentum');
  });

  it('names bad search settings with pointers', () => {
    const r = validateSearchSweepSpec(
      {
        ...base,
        search: { type: 'tpe', trials: 0, options: { n_startup_trials: -1, bogus: 1 } },
        optimizers: [{ type: 'SGD', lr: 0.1 }],
      },
      context,
    );
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors.map((e) => e.path).sort()).toEqual([
        '/search/options/bogus',
        '/search/options/n_startup_trials',
        '/search/trials',
      ]);
    }
  });
});

describe('a misspelt search', () => {
  it('names "search" among the fields a spec has, as the closest to what was written', () => {
    const result = validateSearchSweepSpec({ ...base, serch: { type: 'random', trials: 4 } }, context);
    expect(result.ok).toBe(false);
    const error = (result as { errors: { path: string; message: string }[] }).errors[0]!;
    expect(error.path).toBe('/serch');
    expect(error.message).toContain('did you mean "search"');
    expect(error.message).toMatch(/objective, search, pruner/);
  });
});

describe('random search', () => {
  const spec = {
    ...base,
    seeds: [0, 1],
    search: { type: 'random', trials: 6, seed: 11 },
    optimizers: [
      { type: 'SGD', lr: { loguniform: [1e-4, 1e-1] }, momentum: [0, 0.9] },
      {
        type: 'Adam',
        lr: { loguniform: [1e-4, 1e-1] },
        betas: [
          [0.9, 0.999],
          [0.8, 0.99],
        ],
      },
    ],
    schedulers: [null, { type: 'StepLR', step_size: { int: [1, 3] }, gamma: { uniform: [0.1, 0.9] } }],
  };

  it('samples trials configs, each run once per seed, the same for the same seed', () => {
    const a = validateSearchSweepSpec(spec, context);
    const b = validateSearchSweepSpec(structuredClone(spec), context);
    expect(a.ok && b.ok).toBe(true);
    if (!a.ok || !b.ok) return;
    expect(a.trials).toHaveLength(12);
    expect(a.budget).toBe(12);
    expect(b.trials).toEqual(a.trials);
    expect(a.trials.map((t) => t.seed)).toEqual([0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1]);
    const other = validateSearchSweepSpec(
      { ...spec, search: { type: 'random', trials: 6, seed: 12 } },
      context,
    );
    expect(other.ok && other.trials).not.toEqual(a.trials);
    for (const [i, trial] of a.trials.entries()) {
      const lr = trial.optimizer.options['lr'] as number;
      expect(lr).toBeGreaterThanOrEqual(1e-4);
      expect(lr).toBeLessThan(1e-1);
      const params = a.params[i]!;
      expect(params['/optimizers']).toBe(trial.optimizer.type === 'SGD' ? 0 : 1);
      if (trial.optimizer.type === 'SGD') expect([0, 0.9]).toContain(trial.optimizer.options['momentum']);
      else
        expect([
          [0.9, 0.999],
          [0.8, 0.99],
        ]).toContainEqual(trial.optimizer.options['betas']);
      if (trial.scheduler !== null) expect([1, 2, 3]).toContain(trial.scheduler.options['step_size']);
    }
    expect(new Set(a.trials.map((t) => t.optimizer.type)).size).toBe(2);
  });

  it('refuses parallelism for a grid (every trial is enqueued at once)', () => {
    const r = validateSearchSweepSpec(
      { ...base, search: { type: 'grid', parallelism: 2 }, optimizers: [{ type: 'SGD', lr: [0.1, 0.01] }] },
      context,
    );
    expect(r.ok === false && r.errors.map((e) => e.path)).toEqual(['/search/parallelism']);
  });

  it('keeps the grid behaviour for specs without search', () => {
    const r = validateSearchSweepSpec({ ...base, optimizers: [{ type: 'SGD', lr: [0.1, 0.01] }] }, context);
    expect(r.ok && r.trials.length).toBe(2);
    expect(r.ok && r.spec.search.type).toBe('grid');
  });
});

describe('tpe search', () => {
  const spec = {
    ...base,
    search: { type: 'tpe', trials: 20, seed: 5, parallelism: 3 },
    optimizers: [{ type: 'SGD', lr: { loguniform: [1e-4, 1e-1] } }],
    pruner: { type: 'SuccessiveHalvingPruner', min_resource: 1, reduction_factor: 3 },
  };

  it('creates the first `parallelism` configs, the budget is trials x seeds, the pruner gets Optuna defaults', () => {
    const r = validateSearchSweepSpec(spec, context);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.trials).toHaveLength(3);
    expect(r.budget).toBe(20);
    expect(r.spec.search).toMatchObject({
      type: 'tpe',
      trials: 20,
      seed: 5,
      parallelism: 3,
      options: { n_startup_trials: 10 },
    });
    expect(r.spec.pruner).toEqual({
      type: 'SuccessiveHalvingPruner',
      min_resource: 1,
      reduction_factor: 3,
      min_early_stopping_rate: 0,
      bootstrap_count: 0,
    });
  });

  it('proposes the next config from the history, deterministically', () => {
    const history = Array.from({ length: 12 }, (_, i) => ({
      state: 'complete' as const,
      value: (Math.log10(10 ** (-4 + (3 * i) / 11)) + 2) ** 2,
      params: { '/optimizers/0/lr': 10 ** (-4 + (3 * i) / 11) },
    }));
    const a = proposeSearchConfig(spec, history, 12, context);
    const b = proposeSearchConfig(spec, history, 12, context);
    expect(a).toEqual(b);
    expect(a.ok).toBe(true);
    if (a.ok) expect(Math.abs(Math.log10(a.params['/optimizers/0/lr']!) + 2)).toBeLessThan(1);
  });

  it('rejects bad pruner options with pointers', () => {
    const r = validateSearchSweepSpec(
      { ...spec, pruner: { type: 'HyperbandPruner', reduction_factor: 1, max_resource: 'x' } },
      context,
    );
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.errors.map((e) => e.path).sort()).toEqual([
        '/pruner/max_resource',
        '/pruner/reduction_factor',
      ]);
  });
});

describe('OpenAPI', () => {
  const documented = async () => {
    const { createSweepSpecSchema, withSearchSchema } = await import('../src/index.js');
    const schema = withSearchSchema(createSweepSpecSchema({ workloads }));
    const check = Schema.Compile(schema as unknown as Parameters<typeof Schema.Compile>[0]);
    return { schema: schema as unknown as DocumentedSpec, accepts: (spec: unknown) => check.Check(spec) };
  };
  type DocumentedSpec = {
    properties: Record<string, { anyOf?: { properties?: { type?: { enum?: string[] } } }[] }>;
    examples: unknown[];
  };

  it('documents search and the search pruners, and its example is a valid spec', async () => {
    const { schema, accepts } = await documented();
    expect(schema.properties['search']).toBeDefined();
    const types = schema.properties['pruner']!.anyOf!.flatMap((v) => v.properties?.type?.enum ?? []);
    expect(types).toEqual(['MedianPruner', 'SuccessiveHalvingPruner', 'HyperbandPruner', 'ASHAScheduler']);
    expect(schema.examples).toContainEqual(searchSpecExample);
    const r = validateSearchSweepSpec(structuredClone(searchSpecExample), context);
    expect(r.ok).toBe(true);
    expect(r.ok && r.trials).toHaveLength(4);
    expect(accepts(searchSpecExample)).toBe(true);
  });

  // The document must admit what the validator accepts, and say no where it can: each case is checked
  // against both, so the schema cannot drift from validateSearchSweepSpec on these shapes.
  const sampled = (optimizer: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    ...base,
    search: { type: 'tpe', trials: 4, seed: 1 },
    optimizers: [{ type: 'SGD', lr: 0.1, ...optimizer }],
    ...extra,
  });
  const accepted = {
    uniform: sampled({ momentum: { uniform: [0, 0.9] } }),
    loguniform: sampled({ lr: { loguniform: [1e-4, 1e-1] } }),
    int: sampled({}, { schedulers: [{ type: 'StepLR', step_size: { int: [1, 5] }, gamma: 0.5 }] }),
    logint: sampled({}, { schedulers: [{ type: 'StepLR', step_size: { logint: [1, 8] } }] }),
    choice: sampled({ nesterov: { choice: [false] }, momentum: { choice: [0.5, 0.9] } }),
    'choice of list values': {
      ...sampled({}),
      optimizers: [
        {
          type: 'Adam',
          lr: 0.001,
          betas: {
            choice: [
              [0.9, 0.999],
              [0.8, 0.99],
            ],
          },
        },
      ],
    },
    'param group option': sampled({
      param_groups: [{ params: 'classifier', lr: { loguniform: [1e-3, 1] } }],
    }),
    'random search': { ...sampled({ lr: { uniform: [0.01, 0.1] } }), search: { type: 'random', trials: 3 } },
    'tpe options': {
      ...sampled({ lr: { uniform: [0.01, 0.1] } }),
      search: { type: 'tpe', trials: 3, options: { n_startup_trials: 2, prior_weight: 0.5 } },
    },
    'grid with a seed': {
      ...base,
      search: { type: 'grid', seed: 3 },
      optimizers: [{ type: 'SGD', lr: 0.1 }],
    },
    'ASHA pruner': { ...sampled({}), pruner: { type: 'ASHAScheduler', grace_period: 1, max_t: 4 } },
  };
  const refused = {
    'a bound that is not valid for the option': sampled({ lr: { uniform: [-1, 0.1] } }),
    'loguniform from 0': sampled({ lr: { loguniform: [0, 0.1] } }),
    'int with float bounds': sampled({}, { schedulers: [{ type: 'StepLR', step_size: { int: [1.5, 5] } }] }),
    'one bound': sampled({ lr: { uniform: [0.1] } }),
    'two distributions in one': sampled({ lr: { uniform: [0.01, 0.1], loguniform: [0.01, 0.1] } }),
    'an unknown distribution': sampled({ lr: { normal: [0.01, 0.1] } }),
    'a numeric distribution of a boolean option': sampled({ nesterov: { uniform: [0, 1] } }),
    'an empty choice': sampled({ momentum: { choice: [] } }),
    'a distribution inside a list': sampled({ lr: [{ uniform: [0.01, 0.1] }] }),
    'tpe without trials': { ...sampled({}), search: { type: 'tpe' } },
    'tpe options on random': { ...sampled({}), search: { type: 'random', trials: 2, options: {} } },
    'trials on a grid': { ...sampled({}), search: { type: 'grid', trials: 2 } },
    'a float TPE n_startup_trials': {
      ...sampled({}),
      search: { type: 'tpe', trials: 2, options: { n_startup_trials: 1.5 } },
    },
    'a pruner option of another pruner': {
      ...sampled({}),
      pruner: { type: 'ASHAScheduler', n_startup_trials: 1 },
    },
  };

  it.each(Object.entries(accepted))('the document and the validator accept %s', async (_, spec) => {
    const { accepts } = await documented();
    const result = validateSearchSweepSpec(structuredClone(spec), context);
    expect(result.ok ? [] : result.errors).toEqual([]);
    expect(accepts(spec)).toBe(true);
  });

  it.each(Object.entries(refused))('the document and the validator refuse %s', async (_, spec) => {
    const { accepts } = await documented();
    expect(validateSearchSweepSpec(structuredClone(spec), context).ok).toBe(false);
    expect(accepts(spec)).toBe(false);
  });

  it('extension entries (grids only) have no distributions', async () => {
    const { OptimizerSpecSchema } = await import('../src/index.js');
    const check = Schema.Compile(OptimizerSpecSchema);
    expect(check.Check({ type: 'SGD', lr: [0.1, 0.01] })).toBe(true);
    expect(check.Check({ type: 'SGD', lr: { loguniform: [1e-4, 1e-1] } })).toBe(false);
  });
});
