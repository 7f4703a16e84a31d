import { runTrial } from '@hypersweep/trainer';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack, waitFor, waitForSweep } from './helpers.js';

const EPOCHS = 24;
const STEPS = EPOCHS * 100;

describe('packed trials in the worker', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  /**
   * A real worker process that packs up to 3 trials per training thread; `logs` gets its log lines. Two
   * threads: a trial that resumes from another step than the rest cannot join their pack, and trains beside it.
   */
  const worker = (id: string, logs: Array<Record<string, unknown>>) =>
    stack.spawnWorker(
      {
        WORKER_ID: id,
        WORKER_CONCURRENCY: '2',
        WORKER_PACK_SIZE: '3',
        WORKER_PACK_WAIT_MS: '2000',
        TFJS_BACKEND: 'wasm',
        WORKER_LOCK_MS: '1500',
        CHECKPOINT_EVERY: '100',
        LOG_LEVEL: 'debug',
      },
      logs,
    );

  const packs = (logs: Array<Record<string, unknown>>) =>
    logs.filter((line) => line.msg === 'training a pack').map((line) => line.trials);

  it('trains a sweep in packs through SIGKILL and SIGTERM, storing what unpacked trials store, each step once', async () => {
    const created = await stack.app.inject({
      method: 'POST',
      url: '/v1/sweeps',
      payload: {
        workload: { name: 'mnist-mlp', options: { hidden: 32, trainSize: 3200, valSize: 200 } },
        training: { epochs: EPOCHS, batchSize: 32 },
        optimizers: [
          { type: 'SGD', lr: 0.05, momentum: 0.9 },
          { type: 'Adam', lr: 0.001 },
          { type: 'RMSprop', lr: 0.001 },
        ],
        schedulers: [{ type: 'StepLR', step_size: 4, gamma: 0.5 }],
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const { id } = created.json();
    const db = new pg.Client({ connectionString: stack.db.url });
    await db.connect();
    const trials = async () =>
      (
        await db.query(
          `SELECT id, config, status, steps_done, worker_id, (checkpoint->>'step')::int AS resume_step
           FROM trials WHERE sweep_id = $1 ORDER BY index`,
          [id],
        )
      ).rows;
    try {
      const doomedLogs: Array<Record<string, unknown>> = [];
      const doomed = worker('doomed', doomedLogs);
      await waitFor(
        async () => ((await trials()).every((t) => t.steps_done > 250) ? true : undefined),
        'the pack to progress on worker 1',
      );
      doomed.kill('SIGKILL');
      await new Promise((resolve) => doomed.once('exit', resolve));
      // All three trained as one pack.
      expect(doomedLogs.find((line) => line.msg === 'worker ready')).toMatchObject({
        packSize: 3,
        backend: 'wasm',
      });
      expect(packs(doomedLogs)).toEqual([3]);
      const atKill = await trials();
      expect(atKill.map((t) => [t.status, t.worker_id])).toEqual(Array(3).fill(['running', 'doomed']));

      const politeLogs: Array<Record<string, unknown>> = [];
      const polite = worker('polite', politeLogs);
      await waitFor(async () => {
        const now = await trials();
        return now.every((t, k) => t.worker_id === 'polite' && t.steps_done > atKill[k].steps_done + 200)
          ? true
          : undefined;
      }, 'worker 2 to take the pack over and progress');
      polite.kill('SIGTERM'); // graceful: every trial of the pack stops at a step boundary and is handed back
      expect(await new Promise((resolve) => polite.once('exit', resolve))).toBe(0);
      // Trials that resumed from the same checkpoint step packed again (usually all three; a checkpoint
      // still being written when the worker died leaves its trial one checkpoint behind the others).
      for (const t of atKill) expect(t.resume_step).toBeGreaterThanOrEqual(100);
      const resumingAt = new Map<number, number>();
      for (const t of atKill) resumingAt.set(t.resume_step, (resumingAt.get(t.resume_step) ?? 0) + 1);
      const together = [...resumingAt.values()].filter((n) => n > 1);
      expect(packs(politeLogs).sort()).toEqual(together.sort());
      expect((await trials()).map((t) => t.status)).toEqual(['queued', 'queued', 'queued']);

      const finisher = worker('finisher', []);
      const done = await waitForSweep(stack.app, id, ['completed', 'failed'], 120_000);
      // Gone before the next test, whose trials must all reach that test's own worker.
      finisher.kill('SIGTERM');
      await new Promise((resolve) => finisher.once('exit', resolve));
      expect(done.status).toBe('completed');
      const final = await trials();
      expect(final.map((t) => [t.status, t.steps_done])).toEqual(Array(3).fill(['completed', STEPS]));

      // Every step stored once, and each trial equals one uninterrupted runTrial, bit for bit.
      for (const trial of final) {
        const stored = await db.query(
          'SELECT step, loss, lr FROM step_metrics WHERE trial_id = $1 ORDER BY step',
          [trial.id],
        );
        expect(stored.rows.map((r) => r.step)).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
        const alone: Array<{ loss: number; lr: number }> = [];
        await runTrial(trial.config, {
          backend: 'wasm',
          sink: (records) => {
            for (const r of records) alone.push({ loss: r.loss, lr: r.lr });
          },
        });
        expect(stored.rows.map((r) => ({ loss: r.loss, lr: r.lr }))).toEqual(alone);
      }
    } finally {
      await db.end();
    }
  }, 300_000); // three worker processes, two of them stopped on purpose, on a shared 2-core machine

  it('packs the trials of one model on one dataset, each stored as it trains alone', async () => {
    const created = await stack.app.inject({
      method: 'POST',
      url: '/v1/sweeps',
      payload: {
        workload: {
          dataset: { id: 'mnist', target: 'label', val: 0.2 },
          model: [
            { type: 'AvgPool2d', kernel_size: 2 },
            { type: 'Flatten' },
            { type: 'Linear', out_features: 32, name: 'hidden' },
            { type: 'ReLU' },
            { type: 'Linear', out_features: 10, name: 'classifier' },
          ],
          loss: { type: 'CrossEntropyLoss' },
        },
        training: { epochs: 1, batchSize: 64, maxSteps: 60 },
        optimizers: [
          { type: 'SGD', lr: 0.05, momentum: 0.9 },
          { type: 'Adam', lr: 0.001 },
          { type: 'RMSprop', lr: 0.001 },
        ],
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const { id } = created.json();
    const logs: Array<Record<string, unknown>> = [];
    const packer = worker('model-packer', logs);
    try {
      const done = await waitForSweep(stack.app, id, ['completed', 'failed'], 120_000);
      expect(done.status).toBe('completed');
      expect(packs(logs)).toEqual([3]);
      const db = new pg.Client({ connectionString: stack.db.url });
      await db.connect();
      try {
        const { rows } = await db.query('SELECT id, config FROM trials WHERE sweep_id = $1 ORDER BY index', [
          id,
        ]);
        for (const trial of rows) {
          const stored = await db.query(
            'SELECT loss, lr FROM step_metrics WHERE trial_id = $1 ORDER BY step',
            [trial.id],
          );
          const alone: Array<{ loss: number; lr: number }> = [];
          await runTrial(trial.config, {
            backend: 'wasm',
            sink: (records) => {
              for (const r of records) alone.push({ loss: r.loss, lr: r.lr });
            },
          });
          expect(alone).toHaveLength(60);
          expect(stored.rows).toEqual(alone);
        }
      } finally {
        await db.end();
      }
    } finally {
      packer.kill('SIGTERM');
      await new Promise((resolve) => packer.once('exit', resolve));
    }
  }, 180_000);
});
