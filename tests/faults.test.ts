import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from './helpers.js';
import { freePort, type PrivateStores, startPrivateStores } from './private-stores.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// Each test runs the entry a user runs (`npm start` = migrate, then scripts/start.js) against a Postgres
// cluster and a Redis of this file's own (tests/private-stores.ts), injects one fault in the middle of a
// sweep, and checks that the sweep still completes with every trial's steps stored exactly once.

const EPOCHS = 60;
const STEPS_PER_EPOCH = 8; // samples 64 / batch 8
const STEPS = EPOCHS * STEPS_PER_EPOCH;
const SWEEP = {
  name: 'faults',
  workload: {
    name: 'two-layer-regression',
    options: { samples: 64, inputSize: 16, hidden: 16, outputSize: 2 },
  },
  training: { epochs: EPOCHS, batchSize: 8 },
  optimizers: [{ type: 'SGD', lr: [0.0001, 0.0002], momentum: 0.9 }],
  seeds: [0, 1],
};
const TRIALS = 4;

/** Everything a streamed response sends until the server ends it. */
async function readAll(res: Response): Promise<string> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text;
    text += decoder.decode(value, { stream: true });
  }
}

interface Service {
  child: ChildProcess;
  port: number;
  output: () => string;
  url: (path: string) => string;
}

describe('faults mid-sweep (private Postgres and Redis, `npm start` entry)', () => {
  let stores: PrivateStores;
  const services: Service[] = [];
  const pools: pg.Pool[] = [];
  beforeAll(async () => {
    stores = await startPrivateStores();
  });
  // A test's `npm start` and pools end with it: no earlier test's processes run on (and reconnect, and take
  // CPU) while the next one stops and restarts the stores.
  afterEach(async () => {
    await Promise.all(services.splice(0).map((service) => stop(service.child)));
    await Promise.allSettled(pools.splice(0).map((p) => p.end()));
  });
  afterAll(() => {
    stores?.close();
  });

  function killGroup(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL') {
    try {
      process.kill(-child.pid!, signal);
    } catch {} // already gone
  }

  /** SIGKILLs the process group of a `npm start` and resolves once its leader has exited. */
  async function stop(child: ChildProcess) {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    killGroup(child);
    await exited;
  }

  /** A database and key prefix of the test's own, migrated as `npm start` does. */
  async function environment(extra: Record<string, string> = {}) {
    const name = `faults_${randomBytes(4).toString('hex')}`;
    const env = {
      DATABASE_URL: stores.databaseUrl(name),
      REDIS_URL: stores.redisUrl,
      QUEUE_PREFIX: `hsfault_${randomBytes(4).toString('hex')}`,
      HOST: '127.0.0.1',
      PORT: String(await freePort()),
      LOG_LEVEL: 'warn',
      TFJS_BACKEND: 'wasm',
      WORKER_CONCURRENCY: '2',
      WORKER_LOCK_MS: '3000',
      CHECKPOINT_EVERY: '64',
      TRIAL_BACKOFF_MS: '200',
      RECONCILE_EVERY_MS: '1000',
      TRIAL_LEASE_MS: '20000',
      ...extra,
    };
    const migrate = spawnSync(process.execPath, [join(root, 'packages/db/dist/cli/migrate.js')], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
    });
    expect(migrate.status, migrate.stderr).toBe(0);
    // a pool, not a client: it reconnects after the restarts this file makes
    const db = new pg.Pool({ connectionString: env.DATABASE_URL, max: 2 });
    db.on('error', () => {});
    pools.push(db);
    return { env, db };
  }

  /** scripts/start.js in a process group of its own, so a test can SIGKILL it with its children. */
  async function start(env: Record<string, string>): Promise<Service> {
    const child = spawn(process.execPath, [join(root, 'scripts/start.js')], {
      env: { ...process.env, ...env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const service: Service = {
      child,
      port: Number(env.PORT),
      output: () => output,
      url: (path) => `http://127.0.0.1:${env.PORT}${path}`,
    };
    services.push(service);
    await waitFor(
      async () => ((await fetch(service.url('/ready')).catch(() => null))?.status === 200 ? true : undefined),
      `the API to be ready\n${output}`,
    );
    return service;
  }

  async function submit(service: Service): Promise<string> {
    const res = await fetch(service.url('/v1/sweeps'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(SWEEP),
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { id: string; trialCount: number };
    expect(body.trialCount).toBe(TRIALS);
    return body.id;
  }

  /** Resolves once some trial of the sweep has trained at least `steps` steps (mid-sweep). */
  const progressed = (db: pg.Pool, sweepId: string, steps: number) =>
    waitFor(async () => {
      const { rows } = await db.query('SELECT max(steps_done) AS s FROM trials WHERE sweep_id = $1', [
        sweepId,
      ]);
      return rows[0].s >= steps ? true : undefined;
    }, `a trial of ${sweepId} to pass step ${steps}`);

  /** The end state every fault test wants, read from Postgres directly. */
  async function expectCompletedExactlyOnce(db: pg.Pool, sweepId: string, service: () => Service) {
    await waitFor(
      async () => {
        const { rows } = await db
          .query('SELECT status FROM sweeps WHERE id = $1', [sweepId])
          .catch(() => ({ rows: [] }));
        return rows[0]?.status === 'completed' ? true : undefined;
      },
      `sweep ${sweepId} to complete`,
      240_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n--- npm start output ---\n${service().output()}`);
    });
    const { rows: trials } = await db.query(
      `SELECT t.status, t.steps_done, count(m.step)::int AS n, count(DISTINCT m.step)::int AS distinct_steps,
              min(m.step) AS lo, max(m.step) AS hi
       FROM trials t LEFT JOIN step_metrics m ON m.trial_id = t.id WHERE t.sweep_id = $1 GROUP BY t.id`,
      [sweepId],
    );
    expect(trials).toHaveLength(TRIALS);
    for (const trial of trials) {
      expect(trial).toEqual({
        status: 'completed',
        steps_done: STEPS,
        n: STEPS,
        distinct_steps: STEPS,
        lo: 1,
        hi: STEPS,
      });
    }
  }

  it('Postgres stopped and restarted mid-sweep: the API answers 503 meanwhile, no trial fails or retries', async () => {
    const { env, db } = await environment();
    const service = await start(env);
    const sweepId = await submit(service);
    await progressed(db, sweepId, 150);
    stores.stopPostgres();
    const ready = await fetch(service.url('/ready'));
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ postgres: { ok: false }, redis: { ok: true } });
    const sweep = await fetch(service.url(`/v1/sweeps/${sweepId}`));
    expect(sweep.status).toBe(503);
    expect(await sweep.json()).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
    stores.startPostgres();
    // a routine restart as well, while trials are training
    await waitFor(
      async () => ((await fetch(service.url('/ready'))).status === 200 ? true : undefined),
      'API ready',
    );
    stores.restartPostgres();
    await expectCompletedExactlyOnce(db, sweepId, () => service);
    // the database blinked: no attempt was spent and nothing was restarted
    const { rows } = await db.query('SELECT attempts FROM trials WHERE sweep_id = $1', [sweepId]);
    expect(rows.map((r) => r.attempts)).toEqual([1, 1, 1, 1]);
    expect(service.output()).not.toMatch(/exited \(/);
    expect((await fetch(service.url(`/v1/sweeps/${sweepId}`))).status).toBe(200);
  }, 300_000);

  it('Redis SHUTDOWN NOSAVE and restart mid-sweep: the lost jobs are enqueued again', async () => {
    const { env, db } = await environment();
    const service = await start(env);
    const sweepId = await submit(service);
    await progressed(db, sweepId, 150);
    const live = await fetch(service.url(`/v1/sweeps/${sweepId}/events`));
    const ended = readAll(live);
    await stores.restartRedis();
    // the event feed had a gap: the stream ends so the client reconnects ...
    expect(await ended).toMatch(/^event: sweep\ndata: /m);
    await expectCompletedExactlyOnce(db, sweepId, () => service);
    expect(service.output()).not.toMatch(/exited \(/);
    // ... and a reconnecting client starts from a fresh snapshot
    const again = await fetch(service.url(`/v1/sweeps/${sweepId}/events`));
    const reader = again.body!.getReader();
    let text = '';
    while (!/event: sweep\ndata: [^\n]*\n\n/.test(text)) {
      const { done, value } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    await reader.cancel();
    expect(text).toMatch(/event: sweep\ndata: \{"type":"sweep","sweepId":"[^"]+","status":"completed"/);
  }, 300_000);

  it('every process SIGKILLed mid-sweep, then `npm start` again: trials resume from their checkpoints', async () => {
    const { env, db } = await environment();
    const first = await start(env);
    const sweepId = await submit(first);
    await progressed(db, sweepId, 200);
    await stop(first.child);
    const second = await start(env);
    await expectCompletedExactlyOnce(db, sweepId, () => second);
  }, 300_000);

  it('a sweep stored while Redis is down, then every process SIGKILLed: its jobs are sent from the outbox', async () => {
    const { env, db } = await environment();
    const first = await start(env);
    stores.stopRedis();
    try {
      const posted = await fetch(first.url('/v1/sweeps'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(SWEEP),
      });
      // Stored with its jobs in one transaction: a 201 that says they are not sent yet.
      expect(posted.status).toBe(201);
      expect(await posted.json()).toMatchObject({ status: 'queued', trialCount: TRIALS, enqueued: false });
      await stop(first.child);
    } finally {
      await stores.startRedis();
    }
    const { rows } = await db.query('SELECT id FROM sweeps');
    expect(rows).toHaveLength(1);
    const pending = await db.query(
      `SELECT message->'trials' AS trials FROM outbox WHERE message->>'kind' = 'enqueue'`,
    );
    expect(pending.rows.map((row) => row.trials.length)).toEqual([TRIALS]);
    const second = await start(env);
    await expectCompletedExactlyOnce(db, rows[0].id, () => second);
    expect((await db.query('SELECT count(*)::int AS n FROM outbox')).rows[0].n).toBe(0);
  }, 300_000);
});
