import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack, trialsByIndex, waitForSweep } from './helpers.js';

interface TrialRow {
  id: string;
  index: number;
  status: string;
  error: string;
  config: { optimizer: { type: string; options: Record<string, number> } };
  params: Record<string, number> | null;
  prune: { rung: number; value: number | null; cutoff: number | null } | null;
  bestValue: number | null;
}

const rosenbrock = { workload: 'rosenbrock', training: { epochs: 4 } };

describe('search through the API', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
    await stack.startWorker({ WORKER_CONCURRENCY: '2' });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('a distribution under the default grid is a 400 naming the option and the way out', async () => {
    const res = await stack.app.inject({
      method: 'POST',
      url: '/v1/sweeps',
      payload: { ...rosenbrock, optimizers: [{ type: 'Adam', lr: { loguniform: [0, 0.1] } }] },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().details[0]).toMatchObject({
      path: '/optimizers/0/lr',
      message: expect.stringContaining('random'),
    });
    const bad = await stack.app.inject({
      method: 'POST',
      url: '/v1/sweeps',
      payload: {
        ...rosenbrock,
        search: { type: 'random', trials: 3 },
        optimizers: [{ type: 'Adam', lr: { loguniform: [0, 0.1] } }],
      },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details).toEqual([
      { path: '/optimizers/0/lr', message: 'lr: loguniform needs low > 0 (a log scale), got 0' },
    ]);
  });

  it('a random sweep is reproducible: the same seed gives the same configs in the same order, also created lazily', async () => {
    const payload = {
      ...rosenbrock,
      search: { type: 'random', trials: 5, seed: 42 },
      optimizers: [{ type: 'Adam', lr: { loguniform: [1e-3, 1e-1] }, amsgrad: [false, true] }],
    };
    const ids: string[] = [];
    // The second sweep runs two configs at a time: the rest are created as trials end.
    for (const search of [payload.search, { ...payload.search, parallelism: 2 }]) {
      const created = await stack.app.inject({
        method: 'POST',
        url: '/v1/sweeps',
        payload: { ...payload, search },
      });
      expect(created.statusCode, created.body).toBe(201);
      expect(created.json().trialCount).toBe(5);
      ids.push(created.json().id);
    }
    const [a, b] = await Promise.all(ids.map((id) => waitForSweep(stack.app, id, ['completed'])));
    expect(a!.counts.completed).toBe(5);
    const configs = await Promise.all(
      ids.map(async (id) => (await trialsByIndex<TrialRow>(stack, id)).map((t) => t.config)),
    );
    expect(configs[0]).toEqual(configs[1]);
    expect(b!.counts.completed).toBe(5);
    const lrs = configs[0]!.map((c) => c.optimizer.options['lr']!);
    expect(new Set(lrs).size).toBe(5);
    for (const lr of lrs) expect(lr >= 1e-3 && lr < 1e-1).toBe(true);
  });

  it('POST /extend grows a completed random search by samples: old trials kept, the sample stream continues', async () => {
    const payload = {
      ...rosenbrock,
      search: { type: 'random', trials: 3, seed: 23 },
      optimizers: [{ type: 'Adam', lr: { loguniform: [1e-3, 1e-1] } }],
    };
    const submit = async (trials: number) => {
      const res = await stack.app.inject({
        method: 'POST',
        url: '/v1/sweeps',
        payload: { ...payload, search: { ...payload.search, trials } },
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().id as string;
    };
    const [id, whole] = [await submit(3), await submit(5)];
    await waitForSweep(stack.app, id, ['completed'], 120_000);
    const before = await trialsByIndex<TrialRow>(stack, id);
    expect(before).toHaveLength(3);

    // seeds, optimizers and schedulers do not apply to a search: a 400 naming each field
    const wrong = await stack.app.inject({
      method: 'POST',
      url: `/v1/sweeps/${id}/extend`,
      payload: { seeds: [1], optimizers: [{ type: 'SGD', lr: 0.1 }], trials: 1 },
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().details.map((d: { path: string }) => d.path)).toEqual(['/seeds', '/optimizers']);
    const nothing = await stack.app.inject({ method: 'POST', url: `/v1/sweeps/${id}/extend`, payload: {} });
    expect([nothing.statusCode, nothing.json().details[0].path]).toEqual([400, '/trials']);

    const res = await stack.app.inject({
      method: 'POST',
      url: `/v1/sweeps/${id}/extend`,
      payload: { trials: 2 },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      id,
      status: 'running',
      added: [],
      reused: 0,
      grownBy: 2,
      createdBy: 'workers',
      trialCount: 5,
      // the grown budget's event reached Redis before the answer (from the outbox)
      enqueued: true,
    });
    const done = await waitForSweep(stack.app, id, ['completed'], 120_000);
    expect([done.trialCount, done.counts.completed, done.search.trials]).toEqual([5, 5, 5]);
    const after = await trialsByIndex<TrialRow>(stack, id);
    expect(after.map((t) => t.index)).toEqual([0, 1, 2, 3, 4]);
    const kept = (rows: TrialRow[]) =>
      rows.slice(0, 3).map((t) => ({ id: t.id, params: t.params, config: t.config }));
    expect(kept(after)).toEqual(kept(before));
    // the same configs as a sweep given the larger budget from the start (same seed)
    await waitForSweep(stack.app, whole, ['completed'], 120_000);
    const reference = await trialsByIndex<TrialRow>(stack, whole);
    expect(after.map((t) => [t.config, t.params])).toEqual(reference.map((t) => [t.config, t.params]));
    expect(new Set(after.map((t) => t.config.optimizer.options['lr'])).size).toBe(5);
  });

  it('a TPE sweep creates its trials as results arrive, exactly `trials` of them, and completes', async () => {
    const created = await stack.app.inject({
      method: 'POST',
      url: '/v1/sweeps',
      payload: {
        ...rosenbrock,
        search: { type: 'tpe', trials: 13, seed: 1, parallelism: 3, options: { n_startup_trials: 5 } },
        optimizers: [{ type: 'Adam', lr: { loguniform: [1e-4, 0.5] } }],
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().trialCount).toBe(13);
    const done = await waitForSweep(stack.app, created.json().id, ['completed'], 120_000);
    expect(done.counts.completed).toBe(13);
    const trials = await trialsByIndex<TrialRow>(stack, done.id);
    expect(trials.map((t) => t.index)).toEqual(Array.from({ length: 13 }, (_, i) => i));
    expect(new Set(trials.map((t) => t.config.optimizer.options.lr)).size).toBe(13);
    // GET /v1/sweeps/:id shows the search settings with their defaults; each trial its sampled parameters
    expect(done.search).toEqual({
      type: 'tpe',
      trials: 13,
      seed: 1,
      parallelism: 3,
      options: expect.objectContaining({ n_startup_trials: 5 }),
    });
    for (const t of trials) expect(t.params).toEqual({ '/optimizers/0/lr': t.config.optimizer.options.lr });
  });

  it('SuccessiveHalvingPruner with reduction factor 3 prunes about two thirds at the first rung and says why', async () => {
    const created = await stack.app.inject({
      method: 'POST',
      url: '/v1/sweeps',
      payload: {
        ...rosenbrock,
        search: { type: 'random', trials: 18, seed: 7 },
        optimizers: [{ type: 'SGD', lr: { loguniform: [1e-6, 1e-3] } }],
        pruner: { type: 'SuccessiveHalvingPruner', min_resource: 1, reduction_factor: 3 },
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const done = await waitForSweep(stack.app, created.json().id, ['completed'], 120_000);
    expect(done.pruner).toEqual({
      type: 'SuccessiveHalvingPruner',
      min_resource: 1,
      reduction_factor: 3,
      min_early_stopping_rate: 0,
      bootstrap_count: 0,
    });
    const trials = await trialsByIndex<TrialRow>(stack, done.id);
    const pruned = trials.filter((t) => t.status === 'pruned');
    // Rung 0 at epoch 1 (rf^0), rung 1 at epoch 3: about 2/3 stop at the first rung.
    const atFirst = pruned.filter((t) => /rung 0 /.test(t.error)).length;
    expect(atFirst / trials.length).toBeGreaterThan(0.4);
    expect(atFirst / trials.length).toBeLessThan(0.85);
    for (const t of pruned) {
      expect(t.error).toMatch(
        /^pruned at epoch \d: .* is not among the best 1\/3 of its \d+ values \(cutoff [\d.e-]+\)$/,
      );
      // the prune info: the rung, the trial's value there and the cutoff it missed (minimising: worse = higher)
      expect(t.prune).toEqual({
        rung: expect.any(Number),
        value: expect.any(Number),
        cutoff: expect.any(Number),
      });
      expect(t.error).toContain(`rung ${t.prune!.rung} `);
      expect(t.prune!.value!).toBeGreaterThan(t.prune!.cutoff!);
    }
    for (const t of trials.filter((x) => x.status === 'completed')) expect(t.prune).toBeNull();
    expect(done.search).toMatchObject({ type: 'random', trials: 18, seed: 7, parallelism: null });
    expect(done.counts.pruned + done.counts.completed).toBe(18);

    // by config (one trial each): no row is a bare "-". A completed config has its value; a pruned one its
    // best value up to the epoch where it stopped (the error's epoch counts from 0: it trained one more)
    const configs = (await stack.app.inject(`/v1/sweeps/${done.id}/configs`)).json();
    expect(configs.total).toBe(18);
    expect(configs.pruned).toMatchObject({ trials: pruned.length, configs: pruned.length });
    const byId = new Map(trials.map((t) => [t.id, t]));
    for (const row of configs.items) {
      const t = byId.get(row.trialIds[0])!;
      if (t.status === 'completed') {
        expect(row).toMatchObject({ n: 1, mean: t.bestValue, pruned: { n: 0, furthest: null } });
      } else {
        // the error counts epochs from 1, as the board does: pruned at epoch e is e epochs trained
        const stoppedAt = Number(/^pruned at epoch (\d+)/.exec(t.error)![1]);
        expect(row).toMatchObject({ rank: null, n: 0, mean: null });
        expect(row.pruned.furthest).toEqual({
          trialId: t.id,
          seed: 0,
          epochs: stoppedAt,
          value: t.bestValue,
        });
      }
    }
    // effects: over the completed samples; every pruned one counted in a bin of lr
    const effects = (await stack.app.inject(`/v1/sweeps/${done.id}/effects`)).json();
    expect(effects).toMatchObject({ n: done.counts.completed, pruned: { trials: pruned.length } });
    const lr = effects.factors.find((f: { name: string }) => f.name === 'optimizer.lr');
    const total = (key: 'n' | 'pruned') => lr.levels.reduce((sum: number, l: any) => sum + l[key], 0);
    expect([total('n'), total('pruned'), lr.pruned]).toEqual([
      done.counts.completed,
      pruned.length,
      pruned.length,
    ]);
  });
  for (const pruner of [
    { type: 'HyperbandPruner', min_resource: 1, reduction_factor: 2 },
    { type: 'ASHAScheduler', grace_period: 1, max_t: 100, reduction_factor: 2 },
  ]) {
    it(`${pruner.type} prunes some trials of a random sweep and says why`, async () => {
      const created = await stack.app.inject({
        method: 'POST',
        url: '/v1/sweeps',
        payload: {
          ...rosenbrock,
          // 20 samples: with Hyperband's brackets drawn from the sweep id (Optuna draws them from the study
          // name), 10 left a bracket with too few trials to prune now and then.
          search: { type: 'random', trials: 20, seed: 3 },
          optimizers: [{ type: 'SGD', lr: { loguniform: [1e-6, 1e-3] } }],
          pruner,
        },
      });
      expect(created.statusCode, created.body).toBe(201);
      const done = await waitForSweep(stack.app, created.json().id, ['completed'], 120_000);
      expect(done.counts.pruned).toBeGreaterThan(0);
      expect(done.counts.pruned + done.counts.completed).toBe(20);
      for (const t of (await trialsByIndex<TrialRow>(stack, done.id)).filter((x) => x.status === 'pruned')) {
        expect(t.error).toMatch(/^pruned at epoch \d: .*cutoff/);
      }
    });
  }
});
