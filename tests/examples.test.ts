import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack, waitForSweep, waitForSweepToEnd } from './helpers.js';

// The sweeps a newcomer tries first (the repository's examples/, from the classic PyTorch tutorials).
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = resolve(process.env.EXAMPLES_DIR ?? join(root, 'examples'));
const examples = Object.fromEntries(
  readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => [f, JSON.parse(readFileSync(join(dir, f), 'utf8'))]),
);

const expectedTrials: Record<string, number> = {
  'optimizers-mnist.json': 27, // 9 optimizer entries x 3 seeds
  'param-groups-mnist.json': 12, // 3 classifier lrs x 2 schedulers x 2 seeds
  'schedulers-regression.json': 9, // 8 scheduler entries, ExponentialLR sweeping 2 gammas
};

/** The same sweep made small enough for a test: less data, fewer epochs, one seed. */
function shrink(spec: Record<string, any>): Record<string, any> {
  const small = structuredClone(spec);
  if (typeof small.workload === 'object' && small.workload.name === 'mnist-mlp') {
    small.workload.options = { ...small.workload.options, trainSize: 256, valSize: 64 };
    small.training = { ...small.training, epochs: 2 };
    small.seeds = [0];
  }
  return small;
}

describe('the example sweeps', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ workers: 1 });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('are all here', () => {
    expect(Object.keys(examples).sort()).toEqual(Object.keys(expectedTrials).sort());
  });

  it.each(Object.keys(expectedTrials))('%s is accepted as it is', async (file) => {
    const res = await stack.app.inject({ method: 'POST', url: '/v1/sweeps', payload: examples[file] });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().trialCount).toBe(expectedTrials[file]);
    // only acceptance is checked here: take it back, and leave the worker free for the next test
    const { id } = res.json();
    expect((await stack.app.inject({ method: 'POST', url: `/v1/sweeps/${id}/cancel` })).statusCode).toBe(202);
    await waitForSweepToEnd(stack.app, id);
    expect((await stack.app.inject({ method: 'DELETE', url: `/v1/sweeps/${id}` })).statusCode).toBe(204);
  });

  it.each(Object.keys(expectedTrials))(
    '%s runs to completion (shrunk in data and epochs)',
    async (file) => {
      const spec = shrink(examples[file]);
      const res = await stack.app.inject({ method: 'POST', url: '/v1/sweeps', payload: spec });
      expect(res.statusCode, res.body).toBe(201);
      const done = await waitForSweep(
        stack.app,
        res.json().id,
        ['completed', 'failed', 'cancelled'],
        240_000,
      );
      expect(done.status).toBe('completed');
      expect(done.counts.completed).toBe(res.json().trialCount);
      const board = (await stack.app.inject(`/v1/sweeps/${done.id}/trials?limit=100`)).json();
      for (const trial of board.items) {
        const metrics = (await stack.app.inject(`/v1/trials/${trial.id}/metrics`)).json();
        expect(metrics.step.length).toBe(trial.stepsDone);
        expect(metrics.epochs.epoch.length).toBe(spec.training.epochs);
        const groups = trial.config.optimizer.param_groups ? 2 : 1;
        expect(metrics.lrs.every((row: number[]) => row.length === groups)).toBe(true);
      }
      // the test may take as long as the sweep it waits for (240 s above), not the suite's default 120 s
    },
    300_000,
  );
});
