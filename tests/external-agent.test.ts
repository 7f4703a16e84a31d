import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createPool } from '@hypersweep/db';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_BIN, listen } from './cli-helpers.js';
import { type Stack, startStack, waitFor, waitForSweepToEnd } from './helpers.js';

// `hypersweep agent` driving the standard-library trainer (tests/external/trainer.py, which reports with
// clients/python) against the real API: pruning, cancel, a SIGKILLed agent whose trial another agent
// resumes once the lease has run out, every step stored exactly once.

const TRAINER = fileURLToPath(new URL('./external/trainer.py', import.meta.url));
const TORCH_EXAMPLE = fileURLToPath(new URL('../examples/pytorch/train.py', import.meta.url));
const TORCH_SWEEP = fileURLToPath(new URL('../examples/pytorch/sweep.json', import.meta.url));

/** A Python 3 that imports torch and scikit-learn (Debian: python3-torch, python3-sklearn), or null. */
const torchPython =
  [process.env.PYTHON_TORCH, 'python3', '/usr/bin/python3'].find(
    (python) =>
      python !== undefined &&
      spawnSync(python, ['-c', 'import torch, sklearn'], { stdio: 'ignore' }).status === 0,
  ) ?? null;
if (torchPython === null) {
  console.warn(
    'external-agent.test.ts: the PyTorch example is skipped: no python3 here imports torch and sklearn (apt install python3-torch python3-sklearn, or set PYTHON_TORCH)',
  );
}
const LEASE_MS = 1500;

let stack: Stack;
let url: string;
let pool: pg.Pool;

beforeAll(async () => {
  stack = await startStack({ apiEnv: { EXTERNAL_LEASE_MS: String(LEASE_MS) } });
  url = await listen(stack.app);
  pool = createPool(stack.db.url);
});
afterAll(async () => {
  await pool?.end();
  await stack?.close();
});

interface Agent {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** The agent as a subprocess in a process group of its own (so the test can kill it with its trainers). */
function startAgent(
  sweepId: string,
  args: string[],
  env: Record<string, string> = {},
  command = ['python3', TRAINER],
): Agent {
  const child = spawn(process.execPath, [CLI_BIN, 'agent', sweepId, ...args, '--', ...command], {
    env: { ...process.env, HYPERSWEEP_URL: url, HYPERSWEEP_API_KEY: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function createSweep(spec: Record<string, unknown>): Promise<string> {
  const res = await stack.app.inject({ method: 'POST', url: '/v1/sweeps', payload: spec });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id;
}

/** Each trial's stored steps: they must run 1..n, each once. */
async function stepsOf(sweepId: string): Promise<Map<string, number[]>> {
  const { rows } = await pool.query<{ id: string; steps: number[] }>(
    `SELECT t.id, COALESCE(array_agg(m.step ORDER BY m.step) FILTER (WHERE m.step IS NOT NULL), '{}') AS steps
     FROM trials t LEFT JOIN step_metrics m ON m.trial_id = t.id WHERE t.sweep_id = $1 GROUP BY t.id`,
    [sweepId],
  );
  return new Map(rows.map((row) => [row.id, row.steps]));
}

const trialsOf = async (sweepId: string) =>
  (await stack.app.inject(`/v1/sweeps/${sweepId}/trials?limit=100`)).json().items as Array<{
    id: string;
    index: number;
    status: string;
    stepsDone: number;
    lost: number;
  }>;

describe('hypersweep agent', () => {
  it('trains an external sweep with a pruner to completion, every step stored once', async () => {
    const sweepId = await createSweep({
      workload: { external: { model: 'made-up' } },
      training: { epochs: 3 },
      optimizers: [{ type: 'SGD', lr: [0.05, 0.5, 1.0, 2.0] }],
      pruner: { type: 'MedianPruner', n_startup_trials: 1, n_warmup_steps: 0 },
    });
    const agent = startAgent(sweepId, ['--parallel', '1']);
    expect(await agent.exited, agent.output()).toBe(0);
    const sweep = await waitForSweepToEnd(stack.app, sweepId);
    expect(sweep.status).toBe('completed');
    const trials = await trialsOf(sweepId);
    const byIndex = new Map(trials.map((t) => [t.index, t]));
    expect(byIndex.get(0)!.status).toBe('completed');
    for (const index of [1, 2, 3]) expect(byIndex.get(index)!.status, `trial ${index}`).toBe('pruned');
    const steps = await stepsOf(sweepId);
    for (const trial of trials) {
      const stored = steps.get(trial.id)!;
      expect(stored, `trial ${trial.index}`).toEqual(Array.from({ length: stored.length }, (_, i) => i + 1));
      expect(trial.stepsDone).toBe(stored.length);
    }
    expect(steps.get(byIndex.get(0)!.id)).toHaveLength(12);
    expect(agent.output()).toMatch(/trial 1 \([0-9a-f]{8}\): pruned/);
    expect(agent.output()).toMatch(/agent done: 1 completed, 3 pruned; the sweep has ended/);
    // The read routes show it as for any sweep.
    const configs = await stack.app.inject(`/v1/sweeps/${sweepId}/configs`);
    expect(configs.statusCode).toBe(200);
    expect(configs.json().items.length).toBeGreaterThan(0);
  });

  it('stops the trainer when the sweep is cancelled', async () => {
    const sweepId = await createSweep({
      workload: { external: { model: 'made-up' } },
      training: { epochs: 200 },
      optimizers: [{ type: 'SGD', lr: [0.05, 0.1] }],
    });
    const agent = startAgent(sweepId, [], { STEP_SLEEP: '0.02' });
    await waitFor(
      async () => ((await trialsOf(sweepId)).some((t) => t.stepsDone > 0) ? true : undefined),
      'a trial to report steps',
    );
    const cancelled = await stack.app.inject({ method: 'POST', url: `/v1/sweeps/${sweepId}/cancel` });
    expect(cancelled.statusCode, cancelled.body).toBe(202);
    expect(await agent.exited, agent.output()).toBe(0);
    expect(agent.output()).toMatch(/cancelled/);
    const trials = await trialsOf(sweepId);
    expect(trials.map((t) => t.status).sort()).toEqual(['cancelled', 'cancelled']);
  });

  it('hands its trial back on Ctrl-C', async () => {
    const sweepId = await createSweep({
      workload: { external: { model: 'made-up' } },
      training: { epochs: 200 },
      optimizers: [{ type: 'SGD', lr: 0.05 }],
    });
    const agent = startAgent(sweepId, [], { STEP_SLEEP: '0.02' });
    await waitFor(
      async () => ((await trialsOf(sweepId)).some((t) => t.stepsDone > 0) ? true : undefined),
      'the trial to report steps',
    );
    agent.child.kill('SIGINT');
    expect(await agent.exited, agent.output()).toBe(130);
    expect(agent.output()).toMatch(/handed back/);
    const [trial] = await trialsOf(sweepId);
    expect(trial!.status).toBe('queued');
    await stack.app.inject({ method: 'POST', url: `/v1/sweeps/${sweepId}/cancel` });
  });

  it("resumes a SIGKILLed agent's trial on another agent once its lease has run out", async () => {
    const sweepId = await createSweep({
      workload: { external: { model: 'made-up' } },
      training: { epochs: 5 },
      optimizers: [{ type: 'SGD', lr: 0.05 }],
    });
    const env = { STEP_SLEEP: '0.05' };
    const first = startAgent(sweepId, [], env);
    const [trial] = await waitFor(async () => {
      const trials = await trialsOf(sweepId);
      return trials[0] && trials[0].stepsDone >= 5 ? trials : undefined;
    }, 'the first agent to report steps');
    // The machine dies: the agent and its trainer at once.
    process.kill(-first.child.pid!, 'SIGKILL');
    await first.exited;
    const second = startAgent(sweepId, [], env);
    expect(await second.exited, second.output()).toBe(0);
    expect(second.output()).toMatch(/resuming after step \d+/);
    const [done] = await trialsOf(sweepId);
    expect(done).toMatchObject({ id: trial!.id, status: 'completed', lost: 1, stepsDone: 20 });
    expect((await stepsOf(sweepId)).get(trial!.id)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect((await stack.app.inject(`/v1/sweeps/${sweepId}`)).json().status).toBe('completed');
  });

  it.skipIf(torchPython === null)(
    'runs the PyTorch example with two agents, one killed mid-trial, pruner on, to completion (skipped where no python3 imports torch and sklearn)',
    async () => {
      const spec = JSON.parse(readFileSync(TORCH_SWEEP, 'utf8'));
      const sweepId = await createSweep(spec);
      const command = [torchPython!, TORCH_EXAMPLE];
      const doomed = startAgent(sweepId, ['--worker', 'doomed'], {}, command);
      const survivor = startAgent(sweepId, ['--worker', 'survivor'], {}, command);
      // Kill one agent (and its trainer) while its trial is half-way through.
      const victim = await waitFor(
        async () => {
          const trials = await trialsOf(sweepId);
          const { rows } = await pool.query<{ id: string; workerId: string }>(
            `SELECT id, worker_id AS "workerId" FROM trials WHERE sweep_id = $1 AND status = 'running' AND worker_id = 'doomed' AND steps_done >= 20`,
            [sweepId],
          );
          return rows[0] && trials.length > 0 ? rows[0].id : undefined;
        },
        'the doomed agent to be mid-trial',
        120_000,
      );
      process.kill(-doomed.child.pid!, 'SIGKILL');
      await doomed.exited;
      // the trial may have ended between the query and the kill (its last report came first): then nobody
      // had to take it over
      const atKill = (await pool.query('SELECT status FROM trials WHERE id = $1', [victim])).rows[0].status;
      expect(await survivor.exited, survivor.output()).toBe(0);
      const sweep = await waitForSweepToEnd(stack.app, sweepId);
      expect(sweep.status).toBe('completed');
      const trials = await trialsOf(sweepId);
      expect(trials).toHaveLength(6);
      const resumed = trials.find((t) => t.id === victim)!;
      expect(resumed.lost).toBe(atKill === 'running' ? 1 : 0);
      expect(['completed', 'pruned']).toContain(resumed.status);
      expect(trials.every((t) => t.status === 'completed' || t.status === 'pruned')).toBe(true);
      const steps = await stepsOf(sweepId);
      for (const trial of trials) {
        const stored = steps.get(trial.id)!;
        expect(stored, `trial ${trial.index}`).toEqual(
          Array.from({ length: stored.length }, (_, i) => i + 1),
        );
      }
      // 1437 examples in batches of 64: 23 steps an epoch, 4 epochs.
      for (const trial of trials.filter((t) => t.status === 'completed'))
        expect(steps.get(trial.id)).toHaveLength(92);
      const configs = await stack.app.inject(`/v1/sweeps/${sweepId}/configs`);
      expect(configs.statusCode).toBe(200);
      const dashboard = await stack.app.inject('/');
      expect(dashboard.statusCode).toBe(200);
    },
  );
});
