import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack, waitForSweep } from './helpers.js';
import { insertPrunedGrid, OUTCOMES } from './pruned-grid.js';

describe('MedianPruner', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
    // one trial at a time, in grid order: the two Adam trials complete before the SGD ones start
    await stack.startWorker({ WORKER_CONCURRENCY: '1' });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('stops trials worse than the median of completed ones after the warm-up, and keeps the rest', async () => {
    const created = await stack.app.inject({
      method: 'POST',
      url: '/v1/sweeps',
      payload: {
        workload: 'rosenbrock',
        training: { epochs: 30 },
        optimizers: [
          { type: 'Adam', lr: [0.05, 0.02] },
          // barely moves from the start (loss 12.5): worse than both Adam trials at every epoch
          { type: 'SGD', lr: [1e-7, 2e-7] },
        ],
        pruner: { type: 'MedianPruner', n_startup_trials: 2, n_warmup_steps: 3 },
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const done = await waitForSweep(stack.app, created.json().id, ['completed']);
    expect(done.pruner).toEqual({
      type: 'MedianPruner',
      n_startup_trials: 2,
      n_warmup_steps: 3,
      interval_steps: 1,
    });
    expect(done.counts).toMatchObject({ completed: 2, pruned: 2 });
    const board = (await stack.app.inject(`/v1/sweeps/${done.id}/trials`)).json();
    const byType = (type: string) => board.items.filter((t: any) => t.config.optimizer.type === type);
    for (const trial of byType('Adam')) expect(trial).toMatchObject({ status: 'completed', stepsDone: 30 });
    for (const trial of byType('SGD')) {
      // pruned at the first check after the warm-up: epoch 4 (counting from 1, as the charts do) is the 4th step
      expect(trial).toMatchObject({ status: 'pruned', stepsDone: 4 });
      expect(trial.error).toMatch(/^pruned at epoch 4: best train_loss 12\.\d+ is worse than the median \d/);
      const metrics = (await stack.app.inject(`/v1/trials/${trial.id}/metrics`)).json();
      expect(metrics.step).toEqual([1, 2, 3, 4]);
    }
    // the leaderboard still ranks everyone by the best value each reached
    expect(board.items.slice(0, 2).map((t: any) => t.config.optimizer.type)).toEqual(['Adam', 'Adam']);
    // by config: the SGD configs (each one pruned trial) are rows after the Adam ones, unranked, at the
    // epoch where they stopped (epochs 0-3 recorded: 4 trained) with the best value the trial reached
    const configs = (await stack.app.inject(`/v1/sweeps/${done.id}/configs`)).json();
    expect(configs.pruned).toMatchObject({ trials: 2, configs: 2 });
    expect(configs.items.map((r: any) => [r.config.optimizer.type, r.rank])).toEqual([
      ['Adam', 1],
      ['Adam', 2],
      ['SGD', null],
      ['SGD', null],
    ]);
    for (const row of configs.items.slice(2)) {
      const trial = byType('SGD').find((t: any) => t.id === row.trialIds[0]);
      expect(row.pruned.furthest).toEqual({ trialId: trial.id, seed: 0, epochs: 4, value: trial.bestValue });
    }
  });

  it('a TPE search: each config sampled once and pruned is a row at the epoch where it stopped, and counted in the effects', async () => {
    const created = await stack.app.inject({
      method: 'POST',
      url: '/v1/sweeps',
      payload: {
        workload: 'rosenbrock',
        training: { epochs: 8 },
        // under TPE the entry is a choice: SGD at a tiny lr barely moves and is pruned once compared
        optimizers: [
          { type: 'Adam', lr: { loguniform: [0.01, 0.1] } },
          { type: 'SGD', lr: { loguniform: [1e-8, 1e-7] } },
        ],
        search: { type: 'tpe', trials: 10, seed: 4, parallelism: 1, options: { n_startup_trials: 4 } },
        pruner: { type: 'MedianPruner', n_startup_trials: 1, n_warmup_steps: 1 },
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const done = await waitForSweep(stack.app, created.json().id, ['completed'], 120_000);
    expect(done.counts.completed + done.counts.pruned).toBe(10);
    expect(done.counts.pruned).toBeGreaterThan(0);
    const trials = new Map(
      (await stack.app.inject(`/v1/sweeps/${done.id}/trials?limit=100`))
        .json()
        .items.map((t: any) => [t.id, t]),
    );
    const configs = (await stack.app.inject(`/v1/sweeps/${done.id}/configs`)).json();
    expect(configs.total).toBe(10);
    expect(configs.pruned).toMatchObject({ trials: done.counts.pruned, configs: done.counts.pruned });
    // the completed configs first, ranked; then every pruned one with its value where it stopped
    const ranks = configs.items.map((r: any) => r.rank);
    expect(ranks).toEqual([
      ...Array.from({ length: done.counts.completed }, (_, i) => i + 1),
      ...Array.from({ length: done.counts.pruned }, () => null),
    ]);
    for (const row of configs.items.slice(done.counts.completed)) {
      const trial: any = trials.get(row.trialIds[0]);
      expect(trial.status).toBe('pruned');
      // pruned at epoch e (from 1, as the error, the board and the charts count): e epochs trained, past the warm-up
      const stoppedAt = Number(/^pruned at epoch (\d+)/.exec(trial.error)![1]);
      expect(stoppedAt).toBeGreaterThanOrEqual(2);
      expect(row.pruned.furthest).toEqual({
        trialId: trial.id,
        seed: 0,
        epochs: stoppedAt,
        value: trial.bestValue,
      });
    }
    // the effects: over the completed configs, each pruned one counted at its optimizer type
    const effects = (await stack.app.inject(`/v1/sweeps/${done.id}/effects`)).json();
    expect(effects).toMatchObject({ n: done.counts.completed, pruned: { trials: done.counts.pruned } });
    const type = effects.factors.find((f: any) => f.name === 'optimizer.type');
    const prunedByType = new Map<string, number>();
    for (const t of trials.values() as Iterable<any>) {
      if (t.status === 'pruned')
        prunedByType.set(t.config.optimizer.type, (prunedByType.get(t.config.optimizer.type) ?? 0) + 1);
    }
    expect(new Map(type.levels.map((l: any) => [l.label, l.pruned]).filter(([, n]: any) => n > 0))).toEqual(
      prunedByType,
    );
  });
});

// The comparison of a sweep with pruned trials, on the hand-built grid of pruned-grid.ts (Adam and SGD at
// lr 0.01 and 0.1, seeds 0 and 1; train_loss, min): every expected number is worked out by hand below.
describe('pruned trials in the comparison', () => {
  let stack: Stack;
  let sweepId: string;
  let trialIds: Map<string, string>;
  beforeAll(async () => {
    stack = await startStack();
    ({ sweepId, trialIds } = await insertPrunedGrid(stack.app, stack.db.url));
  });
  afterAll(async () => {
    await stack?.close();
  });

  const pruned = (key: string) => ({
    trialId: trialIds.get(key),
    seed: Number(key.split(' ')[2]),
    epochs: OUTCOMES[key]!.epochs,
    value: OUTCOMES[key]!.value,
  });

  it('GET /configs: a configuration whose trials were all pruned is a row, at the epoch where it stopped', async () => {
    const res = await stack.app.inject(`/v1/sweeps/${sweepId}/configs`);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    // 5 pruned trials; SGD lr 0.01 and SGD lr 0.1 have no completed trial
    expect(body.pruned).toMatchObject({ trials: 5, configs: 2 });
    expect(body.pruned.rule).toMatch(/over completed trials only/);
    expect(body.total).toBe(4);
    const rows = body.items.map((r: any) => ({
      lr: r.config.optimizer.options.lr,
      type: r.config.optimizer.type,
      ...r,
    }));
    // ranked by the mean of the completed trials: Adam 0.1 (0.8, n 1) before Adam 0.01 ((1.0 + 1.2) / 2 =
    // 1.1, n 2); then the all-pruned configs furthest first: SGD 0.01 (seed 1 reached epoch 3) before SGD
    // 0.1 (epoch 2), though SGD 0.1's 3.0 is below SGD 0.01's 4.0
    expect(rows.map((r: any) => `${r.type} ${r.lr}`)).toEqual([
      'Adam 0.1',
      'Adam 0.01',
      'SGD 0.01',
      'SGD 0.1',
    ]);
    expect(rows.map((r: any) => r.rank)).toEqual([1, 2, null, null]);
    const [adam01, adam001, sgd001, sgd01] = rows;

    // Adam 0.1: n 1, mean 0.8 (no std below 2 values); its pruned seed 1 stopped after 2 epochs at 2.5
    expect(adam01).toMatchObject({ n: 1, mean: 0.8, std: null, min: 0.8, max: 0.8 });
    expect(adam01.status).toMatchObject({ completed: 1, pruned: 1 });
    expect(adam01.pruned).toEqual({ n: 1, trials: [pruned('Adam 0.1 1')], furthest: pruned('Adam 0.1 1') });

    // Adam 0.01: mean (1.0 + 1.2) / 2 = 1.1, std sqrt(((1.0 - 1.1)^2 + (1.2 - 1.1)^2) / 1) = sqrt(0.02)
    expect(adam001.n).toBe(2);
    expect(adam001.mean).toBeCloseTo(1.1, 12);
    expect(adam001.std).toBeCloseTo(Math.sqrt(0.02), 12);
    expect(adam001.pruned).toEqual({ n: 0, trials: [], furthest: null });

    // SGD 0.01: no statistics; seed 0 stopped after 1 epoch at 5.0, seed 1 after 3 at 4.0: the furthest
    expect(sgd001).toMatchObject({ n: 0, mean: null, std: null, min: null, max: null, interval: null });
    expect(sgd001.status).toMatchObject({ completed: 0, pruned: 2 });
    expect(sgd001.pruned).toEqual({
      n: 2,
      trials: [pruned('SGD 0.01 0'), pruned('SGD 0.01 1')],
      furthest: pruned('SGD 0.01 1'),
    });
    // SGD 0.1: both stopped after 2 epochs, at 3.0 and 3.5: the furthest is the better, seed 0
    expect(sgd01.pruned.furthest).toEqual(pruned('SGD 0.1 0'));

    // the CSV carries the furthest pruned trial of each row
    const csv = (await stack.app.inject(`/v1/sweeps/${sweepId}/configs?format=csv`)).body.trim().split('\n');
    expect(csv[0]).toMatch(/,pruned,pruned_at_epoch,pruned_value$/);
    expect(csv.slice(1).map((line) => line.split(',').slice(-3))).toEqual([
      ['1', '2', '2.5'],
      ['0', '', ''],
      ['2', '3', '4'],
      ['2', '2', '3'],
    ]);
  });

  it('GET /effects: over the completed trials, the pruned ones counted per factor and level', async () => {
    const res = await stack.app.inject(`/v1/sweeps/${sweepId}/effects`);
    expect(res.statusCode, res.body).toBe(200);
    const effects = res.json();
    // completed: Adam 0.01 seeds 0, 1 (1.0, 1.2) and Adam 0.1 seed 0 (0.8): n 3, mean 3.0 / 3 = 1.0,
    // variance (0^2 + 0.2^2 + 0.2^2) / 3 = 0.08 / 3; a grid with pruned trials is incomplete
    expect(effects.method).toBe('binned-marginal');
    expect(effects.n).toBe(3);
    expect(effects.pruned.trials).toBe(5);
    expect(effects.pruned.rule).toMatch(/^Over completed trials only/);
    expect(effects.mean).toBeCloseTo(1.0, 12);
    expect(effects.variance).toBeCloseTo(0.08 / 3, 12);
    expect(effects.factors.map((f: any) => `${f.name} ${f.within?.label ?? ''}`)).toEqual([
      'optimizer.lr Adam',
      'optimizer.type ',
      'optimizer.lr SGD',
    ]);
    const [lr, type, sgdLr] = effects.factors;

    // optimizer.lr within Adam: levels 0.01 (n 2, mean 1.1) and 0.1 (n 1, mean 0.8, 1 pruned);
    // between = 2 (1.1 - 1.0)^2 + 1 (0.8 - 1.0)^2 = 0.06, total = 0.08: share 0.75
    expect(lr.within).toMatchObject({ part: 'optimizer', type: 'Adam', label: 'Adam' });
    expect(lr).toMatchObject({ n: 3, pruned: 1 });
    expect(lr.share).toBeCloseTo(0.75, 12);
    expect(lr.levels.map((l: any) => [l.label, l.n, l.pruned])).toEqual([
      ['0.01', 2, 0],
      ['0.1', 1, 1],
    ]);
    expect(lr.levels[0].mean).toBeCloseTo(1.1, 12);
    expect(lr.levels[1].mean).toBeCloseTo(0.8, 12);

    // optimizer.type: only Adam completed (share 0 of one level); SGD is a level of 4 pruned trials, no mean
    expect(type).toMatchObject({ within: null, n: 3, pruned: 5, share: 0 });
    expect(type.levels).toEqual([
      { label: 'Adam', value: 'Adam', n: 3, mean: 1, pruned: 1 },
      { label: 'SGD', value: 'SGD', n: 0, mean: null, pruned: 4 },
    ]);
    // optimizer.lr within SGD: swept, every trial pruned: no completed trial, no share, both levels listed
    expect(sgdLr).toMatchObject({ n: 0, pruned: 4, share: 0 });
    expect(sgdLr.levels).toEqual([
      { label: '0.01', value: 0.01, n: 0, mean: null, pruned: 2 },
      { label: '0.1', value: 0.1, n: 0, mean: null, pruned: 2 },
    ]);
  });

  it('GET /curves: the pruned configurations after the ranked ones, their curves ending where they stopped', async () => {
    const res = await stack.app.inject(`/v1/sweeps/${sweepId}/curves?metric=train_loss&limit=4`);
    expect(res.statusCode, res.body).toBe(200);
    const groups = res.json().groups;
    expect(
      groups.map((g: any) => [g.config.optimizer.type, g.config.optimizer.options.lr, g.pruned]),
    ).toEqual([
      ['Adam', 0.1, 1],
      ['Adam', 0.01, 0],
      ['SGD', 0.01, 2],
      ['SGD', 0.1, 2],
    ]);
    // SGD 0.01: seed 0 has epoch 0 (5.0), seed 1 epochs 0-2 (6.0, 5.0, 4.0)
    expect(groups[2].x).toEqual([0, 1, 2]);
    expect(groups[2].y.n).toEqual([2, 1, 1]);
    expect(groups[2].y.mean).toEqual([5.5, 5, 4]);
  });
});
