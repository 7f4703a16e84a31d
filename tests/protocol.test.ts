import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, runCli } from './cli-helpers.js';
import { type Stack, startStack, trialsByIndex, waitForSweep } from './helpers.js';

interface TrialRow {
  id: string;
  index: number;
  status: string;
  config: { optimizer: { type: string; options: Record<string, unknown> }; seed: number };
  bestValue: number | null;
}

// A tiny tune-then-evaluate sweep on the Rosenbrock function (a few steps per trial): SGD sampled by random
// search (as Adam), RMSprop one-shot at torch's defaults.
const spec = {
  workload: 'rosenbrock',
  training: { epochs: 3 },
  optimizers: [
    { type: 'SGD', lr: { loguniform: [1e-4, 1e-3] }, momentum: 0.9 },
    { type: 'Adam', lr: { loguniform: [1e-3, 5e-2] } },
    { type: 'RMSprop', oneShot: true },
  ],
  protocol: {
    type: 'tune-then-evaluate',
    tuning: { search: 'random', trials: 3, seeds: [1, 2], seed: 7 },
    evaluation: { seeds: [3, 4, 5], top: 1 },
    target: { metric: 'train_loss', value: 1e9 },
  },
};

describe('a tune-then-evaluate sweep through the API and a worker', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
    await stack.startWorker({ WORKER_CONCURRENCY: '2' });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('evaluation seeds that overlap the tuning seeds are a 400 naming the seed', async () => {
    const res = await stack.app.inject({
      method: 'POST',
      url: '/v1/sweeps',
      payload: { ...spec, protocol: { ...spec.protocol, evaluation: { seeds: [3, 2], top: 1 } } },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().details).toEqual([
      {
        path: '/protocol/evaluation/seeds/1',
        message: expect.stringMatching(/^seed 2 is also a tuning seed \(\/protocol\/tuning\/seeds\/1\)/),
      },
    ]);
  });

  it('tunes every entry with the same budget, evaluates the best config on fresh seeds, and answers /benchmark', async () => {
    const created = await stack.app.inject({ method: 'POST', url: '/v1/sweeps', payload: spec });
    expect(created.statusCode, created.body).toBe(201);
    // SGD and Adam: 3 configs x 2 tuning seeds + 1 config x 3 evaluation seeds; RMSprop: 3 evaluation seeds.
    expect(created.json().trialCount).toBe(9 + 9 + 3);
    const id = created.json().id as string;
    const early = await stack.app.inject(`/v1/sweeps/${id}/benchmark`);
    expect(early.statusCode, early.body).toBe(200);
    await waitForSweep(stack.app, id, ['completed'], 120_000);
    const trials = await trialsByIndex<TrialRow>(stack, id);
    expect(trials).toHaveLength(21);
    expect(trials.every((t) => t.status === 'completed')).toBe(true);

    const res = await stack.app.inject(`/v1/sweeps/${id}/benchmark`);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.trials.tuning).toMatchObject({ created: 12, completed: 12 });
    expect(body.trials.evaluation).toMatchObject({ created: 9, completed: 9 });
    const [sgd, adam, rmsprop] = body.optimizers;
    expect(sgd.tuning).toMatchObject({ budget: 3, configsTried: 3, configsWithValue: 3 });
    expect(adam.tuning).toMatchObject({ budget: 3, configsTried: 3, configsWithValue: 3 });
    expect(rmsprop).toMatchObject({ oneShot: true, tuning: { budget: 0, configsTried: 0 } });

    // The tuned config is the tuning trials' best by the mean over seeds 1 and 2 (train_loss: smaller).
    for (const [entry, optimizer] of [
      [0, sgd],
      [1, adam],
    ] as const) {
      const tuning = trials.filter(
        (t) => t.config.optimizer.type === optimizer.type && [1, 2].includes(t.config.seed),
      );
      const means = new Map<string, number[]>();
      for (const t of tuning) {
        const key = JSON.stringify(t.config.optimizer);
        means.set(key, [...(means.get(key) ?? []), t.bestValue!]);
      }
      const best = [...means.entries()]
        .map(([key, v]) => [key, (v[0]! + v[1]!) / 2] as const)
        .sort((a, b) => a[1] - b[1])[0]!;
      expect(optimizer.tuned, `entry ${entry}`).toHaveLength(1);
      expect(JSON.stringify(optimizer.tuned[0].config.optimizer)).toBe(best[0]);
      expect(optimizer.tuned[0].tuningMean).toBeCloseTo(best[1], 12);
      // The evaluation statistics are over the evaluation seeds only.
      const evaluation = trials.filter(
        (t) => t.config.optimizer.type === optimizer.type && [3, 4, 5].includes(t.config.seed),
      );
      expect(evaluation).toHaveLength(3);
      expect(optimizer.evaluation.values.map((v: { seed: number }) => v.seed).sort()).toEqual([3, 4, 5]);
      const mean = evaluation.reduce((a, t) => a + t.bestValue!, 0) / 3;
      expect(optimizer.evaluation.mean).toBeCloseTo(mean, 12);
      expect(optimizer.tuning.curve).toHaveLength(3);
      // Every trial reaches a target of 1e9 in its first epoch.
      expect(optimizer.target).toMatchObject({ reached: 3, never: 0 });
    }
    expect(rmsprop.evaluation.n).toBe(3);
    expect(body.ranking.rows).toHaveLength(3);
    expect(body.ranking.rows[0].tiedWithBest).toBe(true);

    const csv = await stack.app.inject(`/v1/sweeps/${id}/benchmark?format=csv`);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body.split('\n')[1]).toMatch(/^0,SGD,false,/);

    const profiles = await stack.app.inject(`/v1/benchmarks?sweeps=${id}&measure=steps`);
    expect(profiles.statusCode, profiles.body).toBe(200);
    // One workload: the fastest optimizer is within tau = 1 of itself.
    expect(profiles.json().profiles.some((p: { fractions: number[] }) => p.fractions[0] === 1)).toBe(true);

    // The CLI's table, the sweep named by the first characters of its id.
    const url = await listen(stack.app);
    const cli = await runCli(['benchmark', id.slice(0, 8)], { HYPERSWEEP_URL: url });
    expect(cli.code, cli.stderr).toBe(0);
    const lines = cli.stdout.split('\n');
    expect(lines[0]).toContain(
      'Tuning: random, 3 configs per optimizer on seeds 1, 2; evaluation: top 1 on seeds 3, 4, 5',
    );
    const best = body.ranking.rows[0];
    expect(lines[2]).toMatch(new RegExp(`^1\\s+${best.label}\\s`));
    expect(cli.stdout).toContain("Welch's t-test");

    const grow = await stack.app.inject({
      method: 'POST',
      url: `/v1/sweeps/${id}/extend`,
      payload: { trials: 2 },
    });
    expect(grow.statusCode).toBe(409);
  });

  it('a sweep without a protocol is a 409, an unknown one a 404, a bad id list a 400', async () => {
    const plain = await stack.app.inject({
      method: 'POST',
      url: '/v1/sweeps',
      payload: { workload: 'rosenbrock', training: { epochs: 1 }, optimizers: [{ type: 'Adam', lr: 0.01 }] },
    });
    const id = plain.json().id as string;
    const res = await stack.app.inject(`/v1/sweeps/${id}/benchmark`);
    expect(res.statusCode).toBe(409);
    expect(res.json().message).toContain('has no protocol');
    const unknown = await stack.app.inject('/v1/sweeps/00000000-0000-4000-8000-000000000000/benchmark');
    expect(unknown.statusCode).toBe(404);
    const bad = await stack.app.inject('/v1/benchmarks?sweeps=nope');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details[0].path).toBe('/query/sweeps/0');
  });
});
