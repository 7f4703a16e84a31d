import { runTrial } from '@hypersweep/trainer';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack, waitFor, waitForSweep } from './helpers.js';

const STEPS = 6000;

describe('worker failover', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  /** A real worker process, with a short lock so a dead one is noticed fast. */
  const worker = (id: string) =>
    stack.spawnWorker({
      WORKER_ID: id,
      WORKER_CONCURRENCY: '1',
      WORKER_LOCK_MS: '1500',
      CHECKPOINT_EVERY: '250',
      LOG_LEVEL: 'warn',
    });

  const trialRow = async (db: pg.Client, id: string) =>
    (await db.query('SELECT status, steps_done, attempts, worker_id FROM trials WHERE sweep_id = $1', [id]))
      .rows[0];

  it('a trial survives SIGKILL and SIGTERM of its workers and ends with every step stored exactly once', async () => {
    const created = await stack.app.inject({
      method: 'POST',
      url: '/v1/sweeps',
      payload: {
        workload: 'rosenbrock',
        training: { epochs: STEPS },
        optimizers: [{ type: 'Adam', lr: 0.001 }],
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const { id } = created.json();
    const db = new pg.Client({ connectionString: stack.db.url });
    await db.connect();
    try {
      const first = worker('doomed');
      await waitFor(
        async () => ((await trialRow(db, id))?.steps_done > 600 ? true : undefined),
        'progress on worker 1',
      );
      first.kill('SIGKILL');
      await new Promise((resolve) => first.once('exit', resolve));
      const atKill = await trialRow(db, id);
      expect(atKill.status).toBe('running');
      expect(atKill.worker_id).toBe('doomed');

      const second = worker('polite');
      await waitFor(async () => {
        const row = await trialRow(db, id);
        return row.worker_id === 'polite' && row.steps_done > atKill.steps_done + 500 ? true : undefined;
      }, 'worker 2 to take the trial over and progress');
      second.kill('SIGTERM'); // graceful: stops at a step boundary and hands the trial back
      const code = await new Promise((resolve) => second.once('exit', resolve));
      expect(code).toBe(0);
      const handedBack = await trialRow(db, id);
      expect(handedBack.status).toBe('queued');

      worker('finisher');
      const done = await waitForSweep(stack.app, id, ['completed', 'failed'], 120_000);
      expect(done.status).toBe('completed');
      const final = await trialRow(db, id);
      expect(final).toMatchObject({ status: 'completed', steps_done: STEPS, worker_id: 'finisher' });
      expect(final.attempts).toBeGreaterThanOrEqual(3);
      // The SIGKILL made worker 2 take the trial over (lost once); the SIGTERM handed it back (not a loss).
      const { rows: ids } = await db.query('SELECT id FROM trials WHERE sweep_id = $1', [id]);
      expect((await stack.app.inject(`/v1/trials/${ids[0].id}`)).json().lost).toBe(1);
      const { rows } = await db.query(
        `SELECT count(*)::int AS n, count(DISTINCT step)::int AS distinct_steps, min(step) AS lo, max(step) AS hi
         FROM step_metrics m JOIN trials t ON t.id = m.trial_id WHERE t.sweep_id = $1`,
        [id],
      );
      expect(rows[0]).toEqual({ n: STEPS, distinct_steps: STEPS, lo: 1, hi: STEPS });

      // Interrupted twice and resumed from checkpoints, the trial equals one uninterrupted run, bit for bit.
      const { rows: trial } = await db.query('SELECT id, config FROM trials WHERE sweep_id = $1', [id]);
      const stored = await db.query('SELECT loss FROM step_metrics WHERE trial_id = $1 ORDER BY step', [
        trial[0].id,
      ]);
      const losses: number[] = [];
      await runTrial(trial[0].config, {
        backend: 'wasm',
        sink: (records) => {
          for (const r of records) losses.push(r.loss);
        },
      });
      expect(stored.rows.map((r) => r.loss)).toEqual(losses);
    } finally {
      await db.end();
    }
  }, 300_000); // three workers, two of them stopped on purpose, on a shared 2-core machine
});
