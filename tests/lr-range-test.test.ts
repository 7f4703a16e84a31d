import { type LrCurvePoint, rampLr, smoothedCurve, suggestLrs } from '@hypersweep/core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, runCli } from './cli-helpers.js';
import { type Stack, startStack, waitFor, waitForSweep } from './helpers.js';
import { mnistRangeTest } from './lr-range-fixtures.js';

interface LrRangeTestAnswer {
  status: string;
  settings: { start_lr: number; end_lr: number; steps: number; mode: 'exp' | 'linear'; smoothing: number };
  trial: { id: string; status: string; stepsDone: number };
  stoppedEarly: boolean;
  curve: { step: number; lr: number; loss: number | null; smoothed: number | null }[];
  suggestions: { steep: number | null; minimum: number | null; lrAtMinimum: number | null };
}

describe('an lr range test through the API and a worker', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('runs as one trial, stops when the smoothed loss passes 4x its best, and suggests lrs off the curve', async () => {
    await stack.startWorker({ WORKER_ID: 'lr-finder', WORKER_CONCURRENCY: '1' });
    const created = await stack.app.inject({
      method: 'POST',
      url: '/v1/lr-range-tests',
      payload: mnistRangeTest,
    });
    expect(created.statusCode, created.body).toBe(201);
    const { id, trialId } = created.json();
    await waitForSweep(stack.app, id, ['completed', 'failed'], 120_000);
    const test = (await stack.app.inject(`/v1/lr-range-tests/${id}`)).json() as LrRangeTestAnswer;
    expect(test.status).toBe('completed');
    expect(test.trial).toMatchObject({ id: trialId, status: 'completed' });
    // the lr reaches 100 only at the end: SGD blows up before, and the test stops there
    expect(test.stoppedEarly).toBe(true);
    expect(test.curve.length).toBe(test.trial.stepsDone);
    expect(test.curve.length).toBeLessThan(120);
    // step i + 1 trained at the ramp's lr i
    for (const [i, p] of test.curve.entries()) {
      expect(p.step).toBe(i + 1);
      expect(Math.abs(p.lr - rampLr(test.settings, i)) / p.lr).toBeLessThan(1e-9);
    }
    // the stop rule holds at the last step and at no earlier one
    const smoothed = test.curve.map((p) => p.smoothed ?? Number.POSITIVE_INFINITY);
    const bestBefore = (k: number) => Math.min(...smoothed.slice(0, k + 1));
    expect(smoothed.at(-1)!).toBeGreaterThan(4 * bestBefore(smoothed.length - 1));
    for (let k = 0; k < smoothed.length - 1; k++) expect(smoothed[k]!).toBeLessThanOrEqual(4 * bestBefore(k));
    // the suggestions are the curve's (recomputed here from the losses) and lie inside the ramp
    const curve: LrCurvePoint[] = smoothedCurve(
      test.curve.map((p) => ({ step: p.step, lr: p.lr, loss: p.loss ?? Number.NaN })),
      0.98,
    );
    const expected = suggestLrs(curve, 120);
    expect(test.suggestions).toEqual({
      steep: expected.steep,
      minimum: expected.minimum,
      lrAtMinimum: expected.lrAtMinimum,
    });
    expect(test.suggestions.steep).toBeGreaterThan(1e-4);
    expect(test.suggestions.lrAtMinimum!).toBeLessThan(test.curve.at(-1)!.lr);
  }, 180_000);

  it('a worker killed mid-test: another resumes it from its checkpoint, every step stored once', async () => {
    const STEPS = 2500;
    // the in-process worker of the first test is still there: close it first, so the spawned ones run this
    // one (closed after the submit, it could take the trial and leave it running until its lease ran out)
    for (const w of stack.workers.splice(0)) await w.close();
    const created = await stack.app.inject({
      method: 'POST',
      url: '/v1/lr-range-tests',
      // a slow ramp that never blows up on the Rosenbrock function: the test runs its every step
      payload: {
        workload: 'rosenbrock',
        optimizer: { type: 'SGD' },
        start_lr: 1e-7,
        end_lr: 1e-4,
        steps: STEPS,
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const { id, trialId } = created.json();
    const db = new pg.Client({ connectionString: stack.db.url });
    await db.connect();
    try {
      const row = async () =>
        (await db.query('SELECT status, steps_done, worker_id FROM trials WHERE id = $1', [trialId])).rows[0];
      const first = stack.spawnWorker({
        WORKER_ID: 'doomed',
        WORKER_CONCURRENCY: '1',
        WORKER_LOCK_MS: '1500',
        CHECKPOINT_EVERY: '100',
        LOG_LEVEL: 'warn',
      });
      // a bound, not a guess of the time: a spawned worker loads TensorFlow.js first, slowly on a busy machine
      await waitFor(
        async () => ((await row())?.steps_done > 300 ? true : undefined),
        'progress on worker 1',
        150_000,
      );
      first.kill('SIGKILL');
      await new Promise((resolve) => first.once('exit', resolve));
      const atKill = await row();
      expect(atKill.status).toBe('running');
      stack.spawnWorker({
        WORKER_ID: 'finisher',
        WORKER_CONCURRENCY: '1',
        WORKER_LOCK_MS: '1500',
        CHECKPOINT_EVERY: '100',
        LOG_LEVEL: 'warn',
      });
      await waitForSweep(stack.app, id, ['completed', 'failed'], 180_000);
      expect(await row()).toMatchObject({ status: 'completed', steps_done: STEPS, worker_id: 'finisher' });
      const { rows } = await db.query(
        `SELECT count(*)::int AS n, count(DISTINCT step)::int AS distinct_steps, min(step) AS lo, max(step) AS hi
         FROM step_metrics WHERE trial_id = $1`,
        [trialId],
      );
      expect(rows[0]).toEqual({ n: STEPS, distinct_steps: STEPS, lo: 1, hi: STEPS });
      const test = (await stack.app.inject(`/v1/lr-range-tests/${id}`)).json() as LrRangeTestAnswer;
      expect(test.stoppedEarly).toBe(false);
      expect(test.curve.length).toBe(STEPS);
      expect(Math.abs(test.curve.at(-1)!.lr - rampLr(test.settings, STEPS - 1)) / 1e-4).toBeLessThan(1e-9);
    } finally {
      await db.end();
    }
  }, 480_000);

  it('hypersweep lr-find submits, waits and prints the curve as a sparkline with the suggestions', async () => {
    await stack.startWorker({ WORKER_ID: 'cli-lr-finder', WORKER_CONCURRENCY: '1' });
    const url = await listen(stack.app);
    const result = await runCli([
      'lr-find',
      '--url',
      url,
      '--workload',
      JSON.stringify(mnistRangeTest.workload),
      '--optimizer',
      JSON.stringify(mnistRangeTest.optimizer),
      '--batch-size',
      String(mnistRangeTest.training.batchSize),
      '--start-lr',
      String(mnistRangeTest.start_lr),
      '--end-lr',
      String(mnistRangeTest.end_lr),
      '--steps',
      String(mnistRangeTest.steps),
      '--width',
      '60',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[1]).toMatch(/^exp ramp 0\.0001 -> 100 in 120 steps: completed, stopped at step \d+/);
    expect(lines[3]).toMatch(/^ {2}[▁▂▃▄▅▆▇█]{20,60}$/);
    expect(lines[4]).toMatch(/\^/);
    // the printed suggestions are the API's
    const id = /^lr range test ([0-9a-f]{8})/.exec(lines[0]!)![1]!;
    const db = new pg.Client({ connectionString: stack.db.url });
    await db.connect();
    const { rows } = await db
      .query("SELECT id FROM sweeps WHERE id::text LIKE $1 || '%'", [id])
      .finally(() => db.end());
    const test = (await stack.app.inject(`/v1/lr-range-tests/${rows[0].id}`)).json() as LrRangeTestAnswer;
    expect(lines.at(-2)).toContain(`${Number(test.suggestions.steep!.toPrecision(6))} (steepest descent)`);
    expect(lines.at(-1)).toBe(`dashboard: ${url}/#/lr-range-tests/${rows[0].id}`);
    // bad input is a 400 printed as path: message, exit status 2
    const bad = await runCli([
      'lr-find',
      '--url',
      url,
      '--workload',
      'rosenbrock',
      '--optimizer',
      'SGD',
      '--steps',
      '1',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('/steps: steps must be an integer from 2 to 10000, got 1');
  }, 180_000);
});
