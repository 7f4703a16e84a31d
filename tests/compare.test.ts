import { createRedis, eventChannel } from '@hypersweep/queue';
import { Queue } from 'bullmq';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_URL, type Stack, startStack, waitFor, waitForSweep } from './helpers.js';

interface ConfigRow {
  rank: number;
  key: string;
  trialIds: string[];
  seeds: number[];
  config: Record<string, unknown>;
  n: number;
  mean: number;
  std: number;
  min: number;
  max: number;
  interval: { level: number; low: number; high: number };
  meanFinalLoss: number;
  status: Record<string, number>;
}

interface Trial {
  id: string;
  index: number;
  status: string;
  bestValue: number | null;
  config: {
    optimizer: { type: string; options: Record<string, number> };
    scheduler: { type: string; options: Record<string, number> } | null;
    seed: number;
  };
}

// A grid with 4 optimizer configs x 2 schedulers x 3 seeds. The objective is set by SQL from a formula the
// test knows, so groups, statistics, effects and curves can be computed here independently.
const LRS = [0.01, 0.1];
const MOMENTA = [0, 0.9];
const SPEC = {
  name: 'compare',
  workload: 'rosenbrock',
  training: { epochs: 1 },
  optimizers: [{ type: 'SGD', lr: LRS, momentum: MOMENTA }],
  schedulers: [null, { type: 'StepLR', step_size: 1, gamma: 0.5 }],
  seeds: [0, 1, 2],
  objective: { metric: 'train_loss', mode: 'min' },
};
// y = 10 + a(lr) + b(momentum) + c(scheduler) + d(seed): main effects only, each zero-mean over its levels
const a = (lr: number) => (lr === 0.01 ? 1 : -1); // variance 1
const b = (m: number) => (m === 0 ? 0.5 : -0.5); // 0.25
const c = (s: unknown) => (s ? -2 : 2); // 4
const d = (seed: number) => [-0.3, 0, 0.3][seed]!; // 0.06
const objective = (t: Trial) =>
  10 +
  a(t.config.optimizer.options.lr!) +
  b(t.config.optimizer.options.momentum!) +
  c(t.config.scheduler) +
  d(t.config.seed);
const STEPS = 300;
// per-step loss: the trial's objective times 1/step, plus a spike at step 100 for seed 2 of one config
const lossAt = (t: Trial, step: number) => objective(t) / step;

const t975 = { 2: 4.302652729911275, 3: 3.182446305284263 } as Record<number, number>;

describe('comparing configurations', () => {
  let stack: Stack;
  let db: pg.Client;
  let id: string;
  let trials: Trial[];

  beforeAll(async () => {
    stack = await startStack({ apiEnv: { MAX_TRIALS: '100' } });
    db = new pg.Client({ connectionString: stack.db.url });
    await db.connect();
    const created = await stack.app.inject({ method: 'POST', url: '/v1/sweeps', payload: SPEC });
    expect(created.statusCode, created.body).toBe(201);
    id = created.json().id;
    trials = (await stack.app.inject(`/v1/sweeps/${id}/trials`)).json().items;
    expect(trials).toHaveLength(24);
    // every trial completed with its known objective, in one statement; steps and epochs in two more
    await db.query(
      `UPDATE trials t SET status = 'completed', best_value = u.v, final_loss = u.v / 300, steps_done = 300
       FROM unnest($1::uuid[], $2::float8[]) AS u(id, v) WHERE t.id = u.id`,
      [trials.map((t) => t.id), trials.map(objective)],
    );
    await db.query(
      `INSERT INTO step_metrics (trial_id, step, epoch, loss, lr, lrs)
       SELECT u.id, s, s / 100, u.v / s, 0.1, ARRAY[0.1] FROM unnest($1::uuid[], $2::float8[]) AS u(id, v), generate_series(1, ${STEPS}) s`,
      [trials.map((t) => t.id), trials.map(objective)],
    );
    await db.query(
      `INSERT INTO epoch_metrics (trial_id, epoch, train_loss, val_loss, val_accuracy, lr)
       SELECT u.id, e, u.v, u.v + e, NULL, 0.1 FROM unnest($1::uuid[], $2::float8[]) AS u(id, v), generate_series(0, 2) e`,
      [trials.map((t) => t.id), trials.map(objective)],
    );
    await db.query(`UPDATE sweeps SET status = 'completed', finished_at = now() WHERE id = $1`, [id]);
  });
  afterAll(async () => {
    await db?.end();
    await stack?.close();
  });

  /** The groups computed here: trials keyed by everything but the seed. */
  const expectedGroups = () => {
    const groups = new Map<string, Trial[]>();
    for (const t of trials) {
      const key = JSON.stringify([t.config.optimizer, t.config.scheduler]);
      groups.set(key, [...(groups.get(key) ?? []), t]);
    }
    return [...groups.values()]
      .map((members) => {
        const ys = members.map(objective);
        const mean = ys.reduce((s, y) => s + y) / ys.length;
        const std = Math.sqrt(ys.reduce((s, y) => s + (y - mean) ** 2, 0) / (ys.length - 1));
        return { members: members.sort((x, y) => x.config.seed - y.config.seed), mean, std, ys };
      })
      .sort((x, y) => x.mean - y.mean);
  };

  it('GET /configs: one row per configuration with its seeds and trials, ranked by mean, with t-intervals', async () => {
    const res = await stack.app.inject(`/v1/sweeps/${id}/configs`);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.objective).toEqual({ metric: 'train_loss', mode: 'min' });
    expect(body.total).toBe(8);
    const expected = expectedGroups();
    body.items.forEach((row: ConfigRow, i: number) => {
      const e = expected[i]!;
      expect(row.rank).toBe(i + 1);
      expect(row.trialIds).toEqual(e.members.map((t) => t.id));
      expect(row.seeds).toEqual([0, 1, 2]);
      expect(row.config).not.toHaveProperty('seed');
      expect(row.config.optimizer).toEqual(e.members[0]!.config.optimizer);
      expect(row.n).toBe(3);
      expect(row.mean).toBeCloseTo(e.mean, 10);
      expect(row.std).toBeCloseTo(e.std, 10);
      expect(row.min).toBeCloseTo(Math.min(...e.ys), 10);
      expect(row.max).toBeCloseTo(Math.max(...e.ys), 10);
      const half = (t975[2]! * e.std) / Math.sqrt(3);
      expect(row.interval.level).toBe(0.95);
      expect(row.interval.low).toBeCloseTo(e.mean - half, 8);
      expect(row.interval.high).toBeCloseTo(e.mean + half, 8);
      expect(row.meanFinalLoss).toBeCloseTo(e.mean / 300, 10);
      expect(row.status).toEqual({ queued: 0, running: 0, completed: 3, failed: 0, cancelled: 0, pruned: 0 });
    });

    const page = (await stack.app.inject(`/v1/sweeps/${id}/configs?limit=3&offset=3`)).json();
    expect(page.total).toBe(8);
    expect(page.items.map((r: { key: string }) => r.key)).toEqual(
      body.items.slice(3, 6).map((r: { key: string }) => r.key),
    );
    expect(page.items[0].rank).toBe(4);
  });

  it('GET /configs?format=csv and /trials?format=csv: flat columns, one per swept option', async () => {
    const configs = await stack.app.inject(`/v1/sweeps/${id}/configs?format=csv`);
    expect(configs.statusCode).toBe(200);
    expect(configs.headers['content-type']).toMatch(/^text\/csv/);
    const lines = configs.body.trim().split('\n');
    expect(lines[0]).toBe(
      'rank,key,optimizer.lr,optimizer.momentum,scheduler.type,seeds,n,mean,std,min,max,ci95_low,ci95_high,mean_final_loss,queued,running,completed,failed,cancelled,pruned,pruned_at_epoch,pruned_value',
    );
    expect(lines).toHaveLength(9);
    const best = expectedGroups()[0]!;
    const first = lines[1]!.split(',');
    expect(first.slice(2, 7)).toEqual([
      String(best.members[0]!.config.optimizer.options.lr),
      String(best.members[0]!.config.optimizer.options.momentum),
      best.members[0]!.config.scheduler?.type ?? 'none',
      '0 1 2',
      '3',
    ]);
    expect(Number(first[7])).toBeCloseTo(best.mean, 10);

    const board = (await stack.app.inject(`/v1/sweeps/${id}/trials?limit=5`)).json();
    const csv = await stack.app.inject(`/v1/sweeps/${id}/trials?format=csv&limit=5`);
    const rows = csv.body.trim().split('\n');
    expect(rows[0]).toBe(
      'index,id,status,optimizer.lr,optimizer.momentum,scheduler.type,seed,best_value,best_step,final_loss,steps,duration_ms',
    );
    expect(rows.slice(1).map((r) => r.split(',')[1])).toEqual(board.items.map((t: Trial) => t.id));
    const top = board.items[0] as Trial;
    expect(rows[1]!.split(',').slice(3, 8)).toEqual([
      String(top.config.optimizer.options.lr),
      String(top.config.optimizer.options.momentum),
      top.config.scheduler?.type ?? 'none',
      String(top.config.seed),
      String(top.bestValue),
    ]);
  });

  it('GET /effects: the exact functional ANOVA on the complete grid, binned correlation ratios once a hole appears', async () => {
    const res = await stack.app.inject(`/v1/sweeps/${id}/effects`);
    expect(res.statusCode, res.body).toBe(200);
    const effects = res.json();
    expect(effects.method).toBe('functional-anova');
    expect(effects.n).toBe(24);
    const total = 1 + 0.25 + 4 + 0.06;
    const shares = Object.fromEntries(
      effects.factors.map((f: { name: string; share: number }) => [f.name, f.share]),
    );
    // seeds are replicates, not a factor; every factor applies to all trials (one optimizer type)
    expect(Object.keys(shares)).toEqual(['scheduler.type', 'optimizer.lr', 'optimizer.momentum']);
    expect(
      effects.factors.every((f: { within: unknown; n: number }) => f.within === null && f.n === 24),
    ).toBe(true);
    expect(shares['scheduler.type']).toBeCloseTo(4 / total, 10);
    expect(shares['optimizer.lr']).toBeCloseTo(1 / total, 10);
    expect(shares['optimizer.momentum']).toBeCloseTo(0.25 / total, 10);
    expect(effects.interactions).toHaveLength(3);
    for (const pair of effects.interactions) expect(pair.share).toBeCloseTo(0, 10);
    // the residual is the seeds' noise
    expect(effects.residualShare).toBeCloseTo(0.06 / total, 10);
    const scheduler = effects.factors.find((f: { name: string }) => f.name === 'scheduler.type');
    expect(scheduler.levels).toEqual([
      { label: 'none', value: 'none', n: 12, mean: expect.closeTo(12, 10), pruned: 0 },
      { label: 'StepLR', value: 'StepLR', n: 12, mean: expect.closeTo(8, 10), pruned: 0 },
    ]);

    await db.query(`UPDATE trials SET status = 'failed' WHERE id = $1`, [trials[0]!.id]);
    try {
      const binned = (await stack.app.inject(`/v1/sweeps/${id}/effects`)).json();
      expect(binned.method).toBe('binned-marginal');
      expect(binned.n).toBe(23);
      expect(binned.interactions).toEqual([]);
      // η² of the scheduler, by hand
      const done = trials.slice(1);
      const ys = done.map(objective);
      const mean = ys.reduce((s, y) => s + y) / ys.length;
      const level = (has: boolean) => done.filter((t) => Boolean(t.config.scheduler) === has).map(objective);
      const between = [true, false]
        .map(level)
        .reduce((s, g) => s + g.length * (g.reduce((x, y) => x + y) / g.length - mean) ** 2, 0);
      const totalSs = ys.reduce((s, y) => s + (y - mean) ** 2, 0);
      const share = binned.factors.find((f: { name: string }) => f.name === 'scheduler.type').share;
      expect(share).toBeCloseTo(between / totalSs, 10);
      const row = (await stack.app.inject(`/v1/sweeps/${id}/configs`))
        .json()
        .items.find((r: { trialIds: string[] }) => r.trialIds.includes(trials[0]!.id));
      expect(row.n).toBe(2);
      expect(row.status.failed).toBe(1);
      expect(row.interval.high - row.mean).toBeCloseTo((12.706204736174705 * row.std) / Math.SQRT2, 8);
    } finally {
      await db.query(`UPDATE trials SET status = 'completed' WHERE id = $1`, [trials[0]!.id]);
    }
  });

  it('GET /curves: per configuration the mean and band over seeds per step, downsampled, top groups by default', async () => {
    const res = await stack.app.inject(`/v1/sweeps/${id}/curves?metric=loss&by=config&limit=3`);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ metric: 'loss', by: 'config', x: 'step' });
    const expected = expectedGroups();
    expect(body.groups.map((g: { trialIds: string[] }) => g.trialIds)).toEqual(
      expected.slice(0, 3).map((e) => e.members.map((t) => t.id)),
    );
    for (const [g, group] of body.groups.entries()) {
      const members = expected[g]!.members;
      expect(group.x).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
      expect(group.downsampled).toBe(false);
      for (const [i, step] of group.x.entries()) {
        const ys = members.map((t) => lossAt(t, step));
        const mean = ys.reduce((s, y) => s + y) / 3;
        expect(group.y.mean[i]).toBeCloseTo(mean, 12);
        expect(group.y.min[i]).toBeCloseTo(Math.min(...ys), 12);
        expect(group.y.max[i]).toBeCloseTo(Math.max(...ys), 12);
        expect(group.y.std[i]).toBeCloseTo(Math.sqrt(ys.reduce((s, y) => s + (y - mean) ** 2, 0) / 2), 12);
        expect(group.y.n[i]).toBe(3);
      }
    }

    const small = (await stack.app.inject(`/v1/sweeps/${id}/curves?metric=loss&maxPoints=40`)).json();
    expect(small.groups).toHaveLength(8);
    for (const group of small.groups) {
      expect(group.downsampled).toBe(true);
      expect(group.totalPoints).toBe(STEPS);
      expect(group.x.length).toBeLessThanOrEqual(40);
      expect(group.x[0]).toBe(1);
      expect(group.x.at(-1)).toBe(STEPS);
    }

    // chosen groups, per trial, per epoch
    const keys = [body.groups[2].key, body.groups[0].key];
    const chosen = (await stack.app.inject(`/v1/sweeps/${id}/curves?ids=${keys.join(',')}`)).json();
    expect(chosen.groups.map((g: { key: string }) => g.key)).toEqual(keys);
    const one = trials[5]!;
    const perTrial = (
      await stack.app.inject(`/v1/sweeps/${id}/curves?metric=val_loss&by=trial&ids=${one.id}`)
    ).json();
    expect(perTrial.x).toBe('epoch');
    expect(perTrial.groups).toEqual([
      expect.objectContaining({
        key: one.id,
        seeds: [one.config.seed],
        x: [0, 1, 2],
        y: expect.objectContaining({
          mean: [0, 1, 2].map((e) => objective(one) + e),
          std: [null, null, null],
        }),
      }),
    ]);
    const top = (await stack.app.inject(`/v1/sweeps/${id}/curves?by=trial&limit=2`)).json();
    const board = (await stack.app.inject(`/v1/sweeps/${id}/trials?limit=2`)).json();
    expect(top.groups.map((g: { key: string }) => g.key)).toEqual(board.items.map((t: Trial) => t.id));

    const bad = await stack.app.inject(`/v1/sweeps/${id}/curves?ids=nope`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details[0].path).toBe('/query/ids');
    const badMetric = await stack.app.inject(`/v1/sweeps/${id}/curves?metric=accuracy`);
    expect(badMetric.statusCode).toBe(400);
    expect(badMetric.json().details[0].path).toBe('/query/metric');
  });

  it('POST /extend: new cells only, existing trials kept by id, a completed sweep runs again, an SSE sweep event', async () => {
    const subscriber = createRedis(REDIS_URL);
    const events: Array<{ type: string; status: string }> = [];
    await subscriber.subscribe(eventChannel(stack.prefix, id));
    subscriber.on('message', (_channel: string, message: string) => events.push(JSON.parse(message)));
    const queue = new Queue('trials', { connection: createRedis(REDIS_URL), prefix: stack.prefix });
    try {
      const before = await db.query('SELECT id, config_hash FROM trials WHERE sweep_id = $1 ORDER BY index', [
        id,
      ]);
      const res = await stack.app.inject({
        method: 'POST',
        url: `/v1/sweeps/${id}/extend`,
        payload: { seeds: [2, 3] },
      });
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      expect(body).toMatchObject({ id, status: 'running', reused: 24, trialCount: 32 });
      expect(body.added).toHaveLength(8);
      expect(body.added.map((t: { index: number }) => t.index)).toEqual([24, 25, 26, 27, 28, 29, 30, 31]);
      expect(body.added.every((t: Trial) => t.config.seed === 3)).toBe(true);
      await waitFor(
        async () => (events.some((e) => e.type === 'sweep' && e.status === 'running') ? true : undefined),
        'sweep event',
      );
      // every new trial has its job; the old ones keep their rows, ids and results
      for (const t of body.added)
        expect((await queue.getJob(t.id))?.data).toEqual({ trialId: t.id, sweepId: id });
      const after = await db.query(
        'SELECT id, config_hash, status FROM trials WHERE sweep_id = $1 ORDER BY index',
        [id],
      );
      expect(after.rows.slice(0, 24).map((r) => [r.id, r.config_hash])).toEqual(
        before.rows.map((r) => [r.id, r.config_hash]),
      );
      expect(after.rows.slice(0, 24).every((r) => r.status === 'completed')).toBe(true);
      const sweep = (await stack.app.inject(`/v1/sweeps/${id}`)).json();
      expect(sweep).toMatchObject({ status: 'running', trialCount: 32, finishedAt: null });
      expect(sweep.spec.seeds).toEqual([0, 1, 2, 3]);

      // again: nothing new, nothing rerun
      const again = (
        await stack.app.inject({ method: 'POST', url: `/v1/sweeps/${id}/extend`, payload: { seeds: [3] } })
      ).json();
      expect(again).toMatchObject({ added: [], reused: 32, trialCount: 32 });

      // a new value beside an old one: only the new value's cells
      const more = (
        await stack.app.inject({
          method: 'POST',
          url: `/v1/sweeps/${id}/extend`,
          payload: { optimizers: [{ type: 'SGD', lr: [0.1, 0.3], momentum: 0 }] },
        })
      ).json();
      expect(more.added).toHaveLength(8); // lr 0.3 x 2 schedulers x 4 seeds
      expect(more.added.every((t: Trial) => t.config.optimizer.options.lr === 0.3)).toBe(true);
      expect(more.trialCount).toBe(40);
    } finally {
      subscriber.disconnect();
      await queue.close();
    }
  });

  it('documents every comparison route in OpenAPI with its parameters and response schemas', async () => {
    const doc = (await stack.app.inject('/docs/json')).json() as {
      paths: Record<
        string,
        Record<string, { parameters?: { name: string }[]; responses: Record<string, unknown> }>
      >;
    };
    const op = (path: string, method: string) => doc.paths[path]?.[method];
    for (const [path, method, params] of [
      ['/v1/sweeps/{id}/configs', 'get', ['limit', 'offset', 'format']],
      ['/v1/sweeps/{id}/effects', 'get', []],
      ['/v1/sweeps/{id}/curves', 'get', ['metric', 'by', 'ids', 'limit', 'maxPoints']],
      ['/v1/sweeps/{id}/extend', 'post', []],
      ['/v1/sweeps/{id}/trials', 'get', ['format']],
    ] as const) {
      const operation = op(path, method);
      expect(operation, path).toBeDefined();
      expect(Object.keys(operation!.responses), path).toEqual(expect.arrayContaining(['200', '400', '404']));
      expect(JSON.stringify(operation!.responses['200']), path).toContain('schema');
      const names = (operation!.parameters ?? []).map((p) => p.name);
      expect(names, path).toEqual(expect.arrayContaining(['id', ...params]));
    }
    expect(Object.keys(op('/v1/sweeps/{id}/extend', 'post')!.responses)).toEqual(
      expect.arrayContaining(['409', '503']),
    );
  });

  it('POST /extend refuses what POST /v1/sweeps refuses, with JSON pointers into the body', async () => {
    const post = (payload: unknown, sweepId = id) =>
      stack.app.inject({ method: 'POST', url: `/v1/sweeps/${sweepId}/extend`, payload: payload as object });
    const badLr = await post({ optimizers: [{ type: 'SGD', lr: -1 }] });
    expect(badLr.statusCode).toBe(400);
    expect(badLr.json().details[0]).toMatchObject({ path: '/optimizers/0/lr' });
    expect((await post({ seeds: [1.5] })).json().details[0].path).toMatch(/^\/seeds/);
    expect((await post({ seed: [1] })).json().details[0].path).toBe('/seed');
    expect((await post({})).statusCode).toBe(400);
    const trialsField = await post({ trials: 5 });
    expect(trialsField.statusCode).toBe(400);
    expect(trialsField.json().details[0].path).toBe('/trials');
    // MAX_TRIALS is 100 in this stack: 40 trials now, more seeds would pass it
    const tooMany = await post({ seeds: [4, 5, 6, 7, 8, 9, 10, 11, 12] });
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json().message).toMatch(/limit is 100/);
    expect((await post({ seeds: [4] }, '00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);

    await stack.app.inject({ method: 'POST', url: `/v1/sweeps/${id}/cancel` });
    const cancelled = await post({ seeds: [4] });
    expect(cancelled.statusCode).toBe(409);
    expect(cancelled.json().details[0].path).toBe('/params/id');
  });
});

describe('extending a finished sweep end to end', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ workers: 1 });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('trains only the new cells; the old trials are not run again', async () => {
    const created = await stack.app.inject({
      method: 'POST',
      url: '/v1/sweeps',
      payload: {
        workload: 'rosenbrock',
        training: { epochs: 20 },
        optimizers: [{ type: 'SGD', lr: [0.0001, 0.0002] }],
        objective: { metric: 'train_loss', mode: 'min' },
      },
    });
    const { id } = created.json();
    await waitForSweep(stack.app, id, ['completed']);
    const before = (await stack.app.inject(`/v1/sweeps/${id}/trials`)).json().items as Array<
      Trial & { attempts: number; finishedAt: string }
    >;

    const res = await stack.app.inject({
      method: 'POST',
      url: `/v1/sweeps/${id}/extend`,
      payload: { seeds: [0, 1], optimizers: [{ type: 'Adam', lr: 0.01 }] },
    });
    expect(res.statusCode, res.body).toBe(200);
    // (2 SGD + 1 Adam) x 2 seeds = 6 cells, 2 of which the sweep had
    expect(res.json()).toMatchObject({ reused: 2, trialCount: 6, status: 'running' });
    const done = await waitForSweep(stack.app, id, ['completed']);
    expect(done.counts).toMatchObject({ completed: 6 });
    const after = (await stack.app.inject(`/v1/sweeps/${id}/trials?limit=10`)).json().items as typeof before;
    for (const old of before) {
      const now = after.find((t) => t.id === old.id)!;
      expect([now.attempts, now.finishedAt, now.bestValue]).toEqual([
        old.attempts,
        old.finishedAt,
        old.bestValue,
      ]);
    }
    const configs = (await stack.app.inject(`/v1/sweeps/${id}/configs`)).json();
    expect(configs.total).toBe(3);
    expect(
      configs.items.every((r: { n: number; seeds: number[] }) => r.n === 2 && r.seeds.join() === '0,1'),
    ).toBe(true);
  });
});
