import { createRedis, DEFAULT_REDIS_URL, eventChannel } from '@hypersweep/queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../src/testing.js';

// The external-trial protocol end to end through the API on a real Postgres and Redis: claim, report,
// finish, hand back, leases, pruning, cancel, and the read routes over what external trainers reported.

let api: TestApi;
// Long enough that no lease runs out in a test on a busy machine unless the test waits for it: those tests
// run below against an API whose leases last SHORT_LEASE_MS.
const LEASE_MS = 120_000;
const SHORT_LEASE_MS = 400;
const settings = (leaseMs: number) => ({ env: { EXTERNAL_LEASE_MS: String(leaseMs), TRIAL_ATTEMPTS: '2' } });

beforeAll(async () => {
  api = await startTestApi(settings(LEASE_MS));
});
afterAll(async () => {
  await api?.close();
});

const external = { model: 'TwoLayerNet', data: '/data/x.npy', param_groups: ['linear1', 'linear2'] };

async function createSweep(spec: Record<string, unknown>): Promise<string> {
  const res = await api.app.inject({ method: 'POST', url: '/v1/sweeps', payload: spec });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id;
}

const post = (url: string, payload: Record<string, unknown>) =>
  api.app.inject({ method: 'POST', url, payload });
const claim = (sweepId: string, worker = 'test') => post(`/v1/sweeps/${sweepId}/claim`, { worker });
const steps = (from: number, to: number, loss = (s: number) => 1 / s) =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ step: from + i, loss: loss(from + i), lr: 0.1 }));

async function stepRows(trialId: string): Promise<Array<{ step: number; loss: number }>> {
  const { rows } = await api.app.hypersweep.pool.query<{ step: number; loss: number }>(
    'SELECT step, loss FROM step_metrics WHERE trial_id = $1 ORDER BY step',
    [trialId],
  );
  return rows;
}

/** Claims until a trial comes (a lease to run out, a proposal to be made): waits on the answer, not a guess. */
async function claimWhenReady(sweepId: string, worker = 'test') {
  for (;;) {
    const res = await claim(sweepId, worker);
    if (res.statusCode !== 204) return res;
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('external sweeps', () => {
  it('stores the sweep without enqueueing its trials and hands the external object to the trainer untouched', async () => {
    const sweepId = await createSweep({
      workload: { external },
      training: { epochs: 2 },
      optimizers: [{ type: 'SGD', lr: [0.1, 0.01], param_groups: [{ params: 'linear2', lr: 0.5 }] }],
    });
    const { rows } = await api.app.hypersweep.pool.query(
      "SELECT count(*)::int AS n FROM outbox WHERE message->>'kind' = 'enqueue'",
    );
    expect(rows[0].n).toBe(0);
    expect(await api.app.hypersweep.trialQueue.count()).toBe(0);
    const res = await claim(sweepId);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.trial.index).toBe(0);
    expect(body.trial.resumeFrom).toBe(0);
    expect(body.trial.config.workload).toEqual({ name: 'external', options: external });
    expect(body.trial.config.optimizer.param_groups).toEqual([{ params: 'linear2', lr: 0.5 }]);
    expect(Date.parse(body.lease.expiresAt)).toBeGreaterThan(Date.now() - 1000);
  });

  it('refuses an unknown external param group, and a claim on a sweep the workers train', async () => {
    const bad = await post('/v1/sweeps', {
      workload: { external },
      optimizers: [{ type: 'SGD', lr: 0.1, param_groups: [{ params: 'linear3', lr: 0.5 }] }],
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details[0].path).toBe('/optimizers/0/param_groups/0/params');
    const internal = await createSweep({ workload: 'rosenbrock', optimizers: [{ type: 'SGD', lr: 0.1 }] });
    const res = await claim(internal);
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/not external/);
  });

  it('stores every step once: retried reports, bad order, stale tokens, finish twice', async () => {
    const sweepId = await createSweep({
      workload: { external },
      training: { epochs: 2 },
      optimizers: [{ type: 'SGD', lr: 0.1 }],
    });
    const claimed = (await claim(sweepId)).json();
    const id = claimed.trial.id;
    const token = claimed.lease.token;
    // Nothing else to claim while the one trial runs: 204 with Retry-After.
    const wait = await claim(sweepId);
    expect(wait.statusCode).toBe(204);
    expect(Number(wait.headers['retry-after'])).toBeGreaterThanOrEqual(1);

    const first = await post(`/v1/trials/${id}/report`, { token, steps: steps(1, 5) });
    expect(first.json()).toEqual({ stop: false, stored: 5 });
    // A retried report (overlapping the first) stores only what is new.
    const again = await post(`/v1/trials/${id}/report`, { token, steps: steps(3, 8) });
    expect(again.json()).toEqual({ stop: false, stored: 3 });
    // Out of order and repeated within one report: 400 naming the index, nothing stored.
    const disorder = await post(`/v1/trials/${id}/report`, {
      token,
      steps: [...steps(9, 10), { step: 10, loss: 1, lr: 0.1 }],
    });
    expect(disorder.statusCode).toBe(400);
    expect(disorder.json().details[0].path).toBe('/steps/2/step');
    expect(disorder.json().message).toMatch(/repeated/);
    // Another token: 409, nothing stored.
    const stale = await post(`/v1/trials/${id}/report`, {
      token: '00000000-0000-4000-8000-000000000000',
      steps: steps(9, 12),
    });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().details[0].path).toBe('/token');
    // A diverged loss is stored as NaN.
    const nan = await post(`/v1/trials/${id}/report`, {
      token,
      steps: [{ step: 9, loss: 'NaN', lr: 0.1 }],
      epochs: [{ epoch: 1, train_loss: 0.5, val_loss: 0.4, val_accuracy: 0.9 }],
    });
    expect(nan.json()).toEqual({ stop: false, stored: 1 });
    const rows = await stepRows(id);
    expect(rows.map((r) => r.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Number.isNaN(rows[8]!.loss)).toBe(true);

    const finish = await post(`/v1/trials/${id}/finish`, { token, status: 'completed' });
    expect(finish.json()).toEqual({ id, status: 'completed', retried: false });
    expect((await post(`/v1/trials/${id}/finish`, { token, status: 'completed' })).statusCode).toBe(200);
    expect((await post(`/v1/trials/${id}/finish`, { token, status: 'failed' })).statusCode).toBe(409);
    const late = await post(`/v1/trials/${id}/report`, { token, steps: steps(10, 11) });
    expect(late.statusCode).toBe(409);
    expect(late.json().message).toMatch(/completed/);
    expect(await stepRows(id)).toHaveLength(9);

    const trial = (await api.app.inject(`/v1/trials/${id}`)).json();
    expect(trial).toMatchObject({ status: 'completed', stepsDone: 9, bestValue: 0.4, workerId: 'test' });
    // The sweep ended with its last trial: nothing more to claim.
    const sweep = (await api.app.inject(`/v1/sweeps/${sweepId}`)).json();
    expect(sweep.status).toBe('completed');
    expect((await claim(sweepId)).statusCode).toBe(409);
    // The read routes serve what the trainer reported.
    const configs = await api.app.inject(`/v1/sweeps/${sweepId}/configs`);
    expect(configs.statusCode, configs.body).toBe(200);
    const metrics = (await api.app.inject(`/v1/trials/${id}/metrics`)).json();
    expect(metrics.steps ?? metrics.rows ?? metrics).toBeTruthy();
  });

  it('queues a failed trial for its next attempt (TRIAL_ATTEMPTS), then fails it; hand-back queues it', async () => {
    const sweepId = await createSweep({ workload: { external }, optimizers: [{ type: 'SGD', lr: 0.1 }] });
    const one = (await claim(sweepId)).json();
    const handed = await post(`/v1/trials/${one.trial.id}/hand-back`, { token: one.lease.token });
    expect(handed.json()).toEqual({ id: one.trial.id, status: 'queued' });
    const two = (await claim(sweepId)).json();
    expect(two.trial.id).toBe(one.trial.id);
    const retry = await post(`/v1/trials/${two.trial.id}/finish`, {
      token: two.lease.token,
      status: 'failed',
      error: 'exit status 1',
    });
    expect(retry.json()).toMatchObject({ retried: true });
    const three = (await claim(sweepId)).json();
    const failed = await post(`/v1/trials/${three.trial.id}/finish`, {
      token: three.lease.token,
      status: 'failed',
      error: 'exit status 1',
    });
    expect(failed.json()).toMatchObject({ retried: false });
    const trial = (await api.app.inject(`/v1/trials/${one.trial.id}`)).json();
    // The hand-back used up no attempt: two claims that trained it.
    expect(trial).toMatchObject({ status: 'failed', error: 'exit status 1', attempts: 2 });
  });

  it("prunes a trial by the sweep's pruner from its reported epochs", async () => {
    const sweepId = await createSweep({
      workload: { external },
      training: { epochs: 3 },
      optimizers: [{ type: 'SGD', lr: [0.1, 0.01] }],
      pruner: { type: 'MedianPruner', n_startup_trials: 1, n_warmup_steps: 0 },
    });
    const good = (await claim(sweepId)).json();
    const bad = (await claim(sweepId)).json();
    for (let epoch = 1; epoch <= 3; epoch++) {
      const res = await post(`/v1/trials/${good.trial.id}/report`, {
        token: good.lease.token,
        steps: steps(epoch * 2 - 1, epoch * 2),
        epochs: [{ epoch, train_loss: 1 / epoch, val_loss: 1 / epoch }],
      });
      expect(res.json().stop).toBe(false);
    }
    await post(`/v1/trials/${good.trial.id}/finish`, { token: good.lease.token, status: 'completed' });
    const res = await post(`/v1/trials/${bad.trial.id}/report`, {
      token: bad.lease.token,
      steps: steps(1, 2),
      epochs: [{ epoch: 1, train_loss: 5, val_loss: 5 }],
    });
    expect(res.json()).toEqual({ stop: true, reason: 'pruned', stored: 2 });
    const trial = (await api.app.inject(`/v1/trials/${bad.trial.id}`)).json();
    expect(trial).toMatchObject({ status: 'pruned', prune: { rung: 1, value: 5 } });
    expect((await api.app.inject(`/v1/sweeps/${sweepId}`)).json().status).toBe('completed');
    const effects = await api.app.inject(`/v1/sweeps/${sweepId}/effects`);
    expect(effects.statusCode, effects.body).toBe(200);
    const curves = await api.app.inject(`/v1/sweeps/${sweepId}/curves`);
    expect(curves.statusCode, curves.body).toBe(200);
  });

  it("optimizes a metric of the trainer's own: best value, pruning, leaderboard, curves, metrics", async () => {
    const sweepId = await createSweep({
      workload: { external },
      training: { epochs: 3 },
      optimizers: [{ type: 'SGD', lr: [0.1, 0.01, 0.001] }],
      objective: { metric: 'val_bleu', mode: 'max' },
      pruner: { type: 'MedianPruner', n_startup_trials: 1, n_warmup_steps: 0 },
    });
    const first = (await claim(sweepId)).json();
    const bleu = [10, 30, 20];
    for (let epoch = 1; epoch <= 3; epoch++) {
      const res = await post(`/v1/trials/${first.trial.id}/report`, {
        token: first.lease.token,
        steps: steps(epoch * 2 - 1, epoch * 2),
        epochs: [{ epoch, train_loss: 1, val_bleu: bleu[epoch - 1], chrf: 'NaN' }],
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().stop).toBe(false);
    }
    await post(`/v1/trials/${first.trial.id}/finish`, { token: first.lease.token, status: 'completed' });
    expect((await api.app.inject(`/v1/trials/${first.trial.id}`)).json()).toMatchObject({
      bestValue: 30,
    });
    // Larger is better (mode max): 40 beats the median of 10 at epoch 1, 5 is worse and is pruned.
    const better = (await claim(sweepId)).json();
    const worse = (await claim(sweepId)).json();
    const kept = await post(`/v1/trials/${better.trial.id}/report`, {
      token: better.lease.token,
      steps: steps(1, 2),
      epochs: [{ epoch: 1, train_loss: 1, val_bleu: 40 }],
    });
    expect(kept.json()).toEqual({ stop: false, stored: 2 });
    const pruned = await post(`/v1/trials/${worse.trial.id}/report`, {
      token: worse.lease.token,
      steps: steps(1, 2),
      epochs: [{ epoch: 1, train_loss: 1, val_bleu: 5 }],
    });
    expect(pruned.json()).toEqual({ stop: true, reason: 'pruned', stored: 2 });
    await post(`/v1/trials/${better.trial.id}/finish`, { token: better.lease.token, status: 'completed' });

    const trials = (await api.app.inject(`/v1/sweeps/${sweepId}/trials`)).json();
    expect(trials.objective).toEqual({ metric: 'val_bleu', mode: 'max' });
    expect(trials.items.map((t: { id: string }) => t.id).slice(0, 2)).toEqual([
      better.trial.id,
      first.trial.id,
    ]);
    const metrics = (await api.app.inject(`/v1/trials/${first.trial.id}/metrics`)).json();
    expect(metrics.epochs.metrics).toEqual({ chrf: [null, null, null], val_bleu: [10, 30, 20] });
    const { rows } = await api.app.hypersweep.pool.query(
      "SELECT metrics->>'chrf' AS chrf FROM epoch_metrics WHERE trial_id = $1 ORDER BY epoch",
      [first.trial.id],
    );
    expect(rows.map((r) => r.chrf)).toEqual(['NaN', 'NaN', 'NaN']);
    const curves = await api.app.inject(`/v1/sweeps/${sweepId}/curves?metric=val_bleu&by=trial`);
    expect(curves.statusCode, curves.body).toBe(200);
    expect(curves.json().x).toBe('epoch');
    const firstCurve = curves
      .json()
      .groups.find((g: { trialIds: string[] }) => g.trialIds[0] === first.trial.id);
    expect(firstCurve.y.mean).toEqual([10, 30, 20]);
    expect((await api.app.inject(`/v1/sweeps/${sweepId}/configs`)).statusCode).toBe(200);
    expect((await api.app.inject(`/v1/sweeps/${sweepId}/effects`)).statusCode).toBe(200);
  });

  it("refuses a trainer's own metric where it cannot be measured, a bad name, and a missing mode", async () => {
    const internal = await post('/v1/sweeps', {
      workload: 'rosenbrock',
      optimizers: [{ type: 'SGD', lr: 0.1 }],
      objective: { metric: 'val_bleu', mode: 'max' },
    });
    expect(internal.statusCode).toBe(400);
    expect(internal.json().details[0].path).toBe('/objective/metric');
    expect(internal.json().details[0].message).toMatch(/outside the service/);
    const noMode = await post('/v1/sweeps', {
      workload: { external },
      optimizers: [{ type: 'SGD', lr: 0.1 }],
      objective: { metric: 'val_bleu' },
    });
    expect(noMode.statusCode).toBe(400);
    expect(noMode.json().details[0].path).toBe('/objective');
    expect(noMode.json().details[0].message).toMatch(/"mode": "min" or "max"/);
    const badName = await post('/v1/sweeps', {
      workload: { external },
      optimizers: [{ type: 'SGD', lr: 0.1 }],
      objective: { metric: 'Val-BLEU', mode: 'max' },
    });
    expect(badName.statusCode).toBe(400);
    expect(badName.json().details[0].path).toBe('/objective/metric');

    const sweepId = await createSweep({ workload: { external }, optimizers: [{ type: 'SGD', lr: 0.1 }] });
    const { trial, lease } = (await claim(sweepId)).json();
    const bad = await post(`/v1/trials/${trial.id}/report`, {
      token: lease.token,
      epochs: [{ epoch: 1, train_loss: 1, 'BLEU score': 3 }],
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details).toEqual([
      {
        path: '/epochs/0/BLEU score',
        message: expect.stringMatching(/^the name "BLEU score" must match pattern/),
      },
    ]);
    expect((await api.app.inject(`/v1/trials/${trial.id}/metrics`)).json().epochs.epoch).toEqual([]);
    const rosenbrock = await createSweep({ workload: 'rosenbrock', optimizers: [{ type: 'SGD', lr: 0.1 }] });
    const curves = await api.app.inject(`/v1/sweeps/${rosenbrock}/curves?metric=val_bleu`);
    expect(curves.statusCode).toBe(400);
    expect(curves.json().details[0].path).toBe('/query/metric');
  });

  it("searches by TPE on a metric of the trainer's own", async () => {
    const sweepId = await createSweep({
      workload: { external },
      optimizers: [{ type: 'SGD', lr: { loguniform: [0.001, 0.1] } }],
      objective: { metric: 'val_bleu', mode: 'max' },
      search: { type: 'tpe', trials: 4, parallelism: 1, seed: 3, options: { n_startup_trials: 2 } },
    });
    for (let i = 0; i < 4; i++) {
      const res = await claimWhenReady(sweepId);
      expect(res.statusCode, res.body).toBe(200);
      const { trial, lease } = res.json();
      await post(`/v1/trials/${trial.id}/report`, {
        token: lease.token,
        steps: steps(1, 2),
        epochs: [{ epoch: 1, train_loss: 1, val_bleu: Math.log10(trial.params['optimizers.0.lr'] ?? 0.01) }],
      });
      await post(`/v1/trials/${trial.id}/finish`, { token: lease.token, status: 'completed' });
    }
    const trials = (await api.app.inject(`/v1/sweeps/${sweepId}/trials`)).json();
    expect(trials.items).toHaveLength(4);
    expect(trials.items.every((t: { bestValue: number | null }) => t.bestValue !== null)).toBe(true);
    expect((await api.app.inject(`/v1/sweeps/${sweepId}`)).json().status).toBe('completed');
  });

  it('answers effects and configs that follow each trial as it ends (effects kept only while nothing ended)', async () => {
    const sweepId = await createSweep({
      workload: { external },
      optimizers: [{ type: 'SGD', lr: [0.1, 0.2], momentum: [0, 0.9] }],
      seeds: [0, 1],
      objective: { metric: 'train_loss', mode: 'min' },
    });
    const effects = async () => (await api.app.inject(`/v1/sweeps/${sweepId}/effects`)).json();
    expect((await effects()).n).toBe(0);
    const seen: number[] = [];
    for (let done = 1; done <= 8; done++) {
      const { trial, lease } = (await claim(sweepId)).json();
      const value = 1 + done / 10;
      const report = await post(`/v1/trials/${trial.id}/report`, {
        token: lease.token,
        steps: steps(1, 2),
        epochs: [{ epoch: 1, train_loss: value }],
      });
      expect(report.json()).toEqual({ stop: false, stored: 2 });
      const during = await effects(); // a running trial is not an observation
      expect(during.n).toBe(done - 1);
      await post(`/v1/trials/${trial.id}/finish`, { token: lease.token, status: 'completed' });
      // two requests at once share one computation and answer alike
      const [a, b] = await Promise.all([effects(), effects()]);
      expect(a).toEqual(b);
      expect(a.n).toBe(done);
      seen.push(a.mean);
      const configs = (await api.app.inject(`/v1/sweeps/${sweepId}/configs`)).json();
      expect(configs.items.reduce((n: number, c: { n: number }) => n + c.n, 0)).toBe(done);
    }
    // the mean of 1.1, 1.2, ... as the trials ended
    for (const [i, mean] of seen.entries()) expect(mean).toBeCloseTo(1 + (i + 2) / 20, 12);
    expect((await effects()).method).toBe('functional-anova');
  });

  it('pages the leaderboard by cursor as by offset, and refuses a cursor it did not give', async () => {
    const sweepId = await createSweep({
      workload: { external },
      optimizers: [{ type: 'SGD', lr: [0.1, 0.2, 0.3, 0.4], momentum: [0, 0.5, 0.9] }],
      objective: { metric: 'train_loss', mode: 'min' },
    });
    for (let done = 0; done < 8; done++) {
      const { trial, lease } = (await claim(sweepId)).json();
      await post(`/v1/trials/${trial.id}/report`, {
        token: lease.token,
        steps: steps(1, 1),
        epochs: [{ epoch: 1, train_loss: done % 3 }], // ties
      });
      await post(`/v1/trials/${trial.id}/finish`, { token: lease.token, status: 'completed' });
    }
    const page = (query: string) => api.app.inject(`/v1/sweeps/${sweepId}/trials?${query}`);
    const whole = (await page('limit=100')).json();
    expect(whole.nextCursor).toBeNull();
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { total: number; items: Array<{ id: string }>; nextCursor: string | null } = (
        await page(`limit=5${cursor ? `&cursor=${cursor}` : ''}`)
      ).json();
      expect(res.total).toBe(12);
      ids.push(...res.items.map((t) => t.id));
      cursor = res.nextCursor;
    } while (cursor);
    expect(ids).toEqual(whole.items.map((t: { id: string }) => t.id));
    for (const [query, message] of [
      ['cursor=bm90IGEgY3Vyc29y', 'not a cursor this API returned'],
      [`cursor=${Buffer.from('[1.5, -2]').toString('base64url')}`, 'not a cursor this API returned'],
      [`cursor=${(await page('limit=2')).json().nextCursor}&offset=2`, 'give offset or cursor, not both'],
      [`cursor=${(await page('limit=2')).json().nextCursor}&format=csv`, 'leave cursor out'],
    ] as const) {
      const res = await page(query);
      expect(res.statusCode, query).toBe(400);
      expect(res.json().details[0].path).toBe('/query/cursor');
      expect(res.json().details[0].message).toContain(message);
    }
  });

  it('tells a running trial to stop when its sweep is cancelled, and refuses claims after', async () => {
    const sweepId = await createSweep({
      workload: { external },
      optimizers: [{ type: 'SGD', lr: [0.1, 0.2] }],
    });
    const running = (await claim(sweepId)).json();
    expect((await post(`/v1/sweeps/${sweepId}/cancel`, {})).statusCode).toBe(202);
    const res = await post(`/v1/trials/${running.trial.id}/report`, {
      token: running.lease.token,
      steps: steps(1, 2),
    });
    expect(res.json()).toEqual({ stop: true, reason: 'cancelled', stored: 2 });
    expect((await api.app.inject(`/v1/trials/${running.trial.id}`)).json().status).toBe('cancelled');
    expect((await claim(sweepId)).statusCode).toBe(409);
  });

  it('proposes the next configs of a random search as trials finish, within its parallelism', async () => {
    const sweepId = await createSweep({
      workload: { external },
      optimizers: [{ type: 'SGD', lr: { loguniform: [0.001, 0.1] } }],
      search: { type: 'random', trials: 3, parallelism: 1, seed: 7 },
    });
    const seen = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const res = await claimWhenReady(sweepId);
      expect(res.statusCode, res.body).toBe(200);
      const { trial, lease } = res.json();
      seen.add(trial.id);
      expect(trial.params).not.toBeNull();
      if (i < 2) expect((await claim(sweepId)).statusCode).toBe(204);
      await post(`/v1/trials/${trial.id}/report`, {
        token: lease.token,
        steps: steps(1, 2),
        epochs: [{ epoch: 1, train_loss: 1, val_loss: 1 }],
      });
      await post(`/v1/trials/${trial.id}/finish`, { token: lease.token, status: 'completed' });
    }
    expect(seen.size).toBe(3);
    expect((await api.app.inject(`/v1/sweeps/${sweepId}`)).json().status).toBe('completed');
    expect((await claim(sweepId)).statusCode).toBe(409);
  });

  it('publishes the live events of external trials as of any trial', async () => {
    const sweepId = await createSweep({ workload: { external }, optimizers: [{ type: 'SGD', lr: 0.1 }] });
    const subscriber = createRedis(process.env.REDIS_URL || DEFAULT_REDIS_URL);
    const events: Array<{ type: string; status?: string }> = [];
    const finished = new Promise<void>((resolve) =>
      subscriber.on('message', (_channel: string, message: string) => {
        const event = JSON.parse(message);
        events.push(event);
        if (event.type === 'sweep' && event.status === 'completed') resolve();
      }),
    );
    await subscriber.subscribe(eventChannel(api.prefix, sweepId));
    try {
      const { trial, lease } = (await claim(sweepId)).json();
      await post(`/v1/trials/${trial.id}/report`, { token: lease.token, steps: steps(1, 3) });
      await post(`/v1/trials/${trial.id}/finish`, { token: lease.token, status: 'completed' });
      await finished;
    } finally {
      subscriber.disconnect();
    }
    const types = events.map((event) => (event.type === 'sweep' ? `sweep ${event.status}` : event.type));
    expect(types).toEqual(
      expect.arrayContaining([
        'sweep running',
        'trial.started',
        'trial.progress',
        'trial.finished',
        'sweep completed',
      ]),
    );
  });
});

describe('external sweeps whose leases run out', () => {
  let longLease: TestApi;
  beforeAll(async () => {
    longLease = api;
    api = await startTestApi(settings(SHORT_LEASE_MS));
  });
  afterAll(async () => {
    await api?.close();
    api = longLease;
  });

  it('gives a trial whose lease ran out to the next claim, which resumes after its last stored step', async () => {
    const sweepId = await createSweep({ workload: { external }, optimizers: [{ type: 'SGD', lr: 0.1 }] });
    const first = (await claim(sweepId, 'a')).json();
    await post(`/v1/trials/${first.trial.id}/report`, { token: first.lease.token, steps: steps(1, 4) });
    // Agent a vanishes; b claims once the lease has run out.
    const second = (await claimWhenReady(sweepId, 'b')).json();
    expect(second.trial.id).toBe(first.trial.id);
    expect(second.trial.resumeFrom).toBe(4);
    expect(second.lease.token).not.toBe(first.lease.token);
    // a's token no longer holds the trial.
    const stale = await post(`/v1/trials/${first.trial.id}/report`, {
      token: first.lease.token,
      steps: steps(5, 6),
    });
    expect(stale.statusCode).toBe(409);
    await post(`/v1/trials/${first.trial.id}/report`, { token: second.lease.token, steps: steps(5, 7) });
    expect((await stepRows(first.trial.id)).map((r) => r.step)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const trial = (await api.app.inject(`/v1/trials/${first.trial.id}`)).json();
    expect(trial).toMatchObject({ lost: 1, attempts: 2, workerId: 'b' });
  });

  it('ends cancelled a trial of a cancelled sweep whose trainer is gone, with no worker running', async () => {
    const sweepId = await createSweep({
      workload: { external },
      optimizers: [{ type: 'SGD', lr: [0.1, 0.2] }],
    });
    const gone = (await claim(sweepId)).json();
    await post(`/v1/trials/${gone.trial.id}/report`, { token: gone.lease.token, steps: steps(1, 3) });
    expect((await post(`/v1/sweeps/${sweepId}/cancel`, {})).statusCode).toBe(202);
    // No report comes again: the API's lease watch ends the trial once its lease has run out.
    let trial = (await api.app.inject(`/v1/trials/${gone.trial.id}`)).json();
    while (trial.status === 'running') {
      await new Promise((resolve) => setTimeout(resolve, 50));
      trial = (await api.app.inject(`/v1/trials/${gone.trial.id}`)).json();
    }
    expect(trial).toMatchObject({ status: 'cancelled', stepsDone: 3 });
    expect((await stepRows(gone.trial.id)).map((r) => r.step)).toEqual([1, 2, 3]);
    // The trainer coming back late is told the trial has ended, and stores nothing.
    const late = await post(`/v1/trials/${gone.trial.id}/report`, {
      token: gone.lease.token,
      steps: steps(4, 5),
    });
    expect(late.statusCode).toBe(409);
    expect((await stepRows(gone.trial.id)).map((r) => r.step)).toEqual([1, 2, 3]);
  });
});
