// npm run bench:api — the service's own overheads, on real Postgres and Redis:
//   1. metric ingestion with 2 writer processes (the workers' bulk writer), rows/s
//   2. orchestration overhead per trial: 500 one-step rosenbrock trials through queue, worker and database
//   3. POST of a 10,000-trial grid
//   4. metrics of a 100,000-step trial downsampled to 1,000 points
//   5. comparison routes (/configs, /effects, /curves) on a 1,000-trial x 1,000-step sweep
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startStack, waitForSweep } from '../helpers.js';
import { fmt, quantile, table, timeGets } from './measure.js';

const here = dirname(fileURLToPath(import.meta.url));
const rows: Array<[string, string, string]> = [];

const stack = await startStack();
const db = new pg.Client({ connectionString: stack.db.url });
await db.connect();
try {
  // --- 3. POST of a 10,000-trial grid (first, on an empty database)
  const grid = {
    name: 'bench grid',
    workload: 'rosenbrock',
    training: { epochs: 1 },
    optimizers: [
      {
        type: 'SGD',
        lr: Array.from({ length: 100 }, (_, i) => (i + 1) / 1e4),
        momentum: Array.from({ length: 100 }, (_, i) => i / 100),
      },
    ],
  };
  const postMs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const res = await stack.app.inject({ method: 'POST', url: '/v1/sweeps', payload: grid });
    postMs.push(performance.now() - t0);
    if (res.statusCode !== 201 || res.json().trialCount !== 10_000) throw new Error(res.body);
    await stack.app.inject({ method: 'DELETE', url: `/v1/sweeps/${res.json().id}` });
  }
  rows.push([
    'POST /v1/sweeps, 10,000-trial grid (validate, store, enqueue)',
    `median ${fmt(quantile(postMs, 0.5), 0)} ms, max ${fmt(Math.max(...postMs), 0)} ms`,
    '< 1,000 ms',
  ]);

  // --- 5. comparison on 1,000 trials (500 configs x 2 seeds) x 1,000 steps, seeded by bulk SQL
  const compare = await stack.app.inject({
    method: 'POST',
    url: '/v1/sweeps',
    payload: {
      ...grid,
      optimizers: [
        {
          type: 'SGD',
          lr: Array.from({ length: 100 }, (_, i) => 10 ** (-4 + (3 * i) / 99)),
          momentum: [0, 0.5, 0.9, 0.95, 0.99],
        },
      ],
      seeds: [0, 1],
      objective: { metric: 'train_loss', mode: 'min' },
    },
  });
  if (compare.statusCode !== 201 || compare.json().trialCount !== 1000) throw new Error(compare.body);
  const compareId = compare.json().id as string;
  await stack.app.inject({ method: 'POST', url: `/v1/sweeps/${compareId}/cancel` });
  await db.query(
    `UPDATE trials SET status = 'completed', best_value = abs(log((config->'optimizer'->'options'->>'lr')::float8) + 2) + (config->>'seed')::int * 0.01,
       final_loss = 0.1, steps_done = 1000 WHERE sweep_id = $1`,
    [compareId],
  );
  await db.query(
    `INSERT INTO step_metrics (trial_id, step, epoch, loss, lr, lrs)
     SELECT t.id, s, (s - 1) / 100, t.best_value + 1.0 / s, 0.1, ARRAY[0.1]
     FROM trials t, generate_series(1, 1000) s WHERE t.sweep_id = $1 ORDER BY t.index, s`,
    [compareId],
  );
  await db.query(
    `INSERT INTO epoch_metrics (trial_id, epoch, train_loss, val_loss, val_accuracy, lr)
     SELECT t.id, e, t.best_value, t.best_value + 1.0 / (e + 1), NULL, 0.1
     FROM trials t, generate_series(0, 9) e WHERE t.sweep_id = $1`,
    [compareId],
  );
  await db.query('ANALYZE trials; ANALYZE step_metrics; ANALYZE epoch_metrics');
  const base = `/v1/sweeps/${compareId}`;
  rows.push([
    'GET /configs, 1,000 trials -> 500 configs (first page of 100)',
    await timeGets(stack.app, `${base}/configs`, 100, (body) => {
      if (JSON.parse(body).total !== 500) throw new Error(body.slice(0, 200));
    }),
    'p95 < 100 ms',
  ]);
  rows.push([
    'GET /effects, 1,000 trials (functional ANOVA, 3 factors)',
    await timeGets(stack.app, `${base}/effects`, 100, (body) => {
      if (JSON.parse(body).method !== 'functional-anova') throw new Error(body.slice(0, 200));
    }),
    'p95 < 100 ms',
  ]);
  rows.push([
    'GET /curves loss, top 10 configs x 2 seeds x 1,000 steps',
    await timeGets(stack.app, `${base}/curves?metric=loss&by=config&limit=10&maxPoints=1000`, 100, (body) => {
      if (JSON.parse(body).groups[9].x.length !== 1000) throw new Error(body.slice(0, 200));
    }),
    'p95 < 100 ms',
  ]);
  rows.push([
    'GET /curves loss, top 10 configs, 1,000 -> 200 points',
    await timeGets(stack.app, `${base}/curves?metric=loss&by=config&limit=10&maxPoints=200`, 100, (body) => {
      if (!JSON.parse(body).groups[0].downsampled) throw new Error(body.slice(0, 200));
    }),
    'p95 < 100 ms',
  ]);
  await stack.app.inject({ method: 'DELETE', url: base });

  // --- 1. ingestion: 2 processes x 4 trials x 50,000 rows, batches of 2,000
  const sweep = (
    await stack.app.inject({
      method: 'POST',
      url: '/v1/sweeps',
      payload: {
        ...grid,
        optimizers: [{ type: 'SGD', lr: [1e-4, 2e-4, 3e-4, 4e-4, 5e-4, 6e-4, 7e-4, 8e-4] }],
      },
    })
  ).json();
  await stack.app.inject({ method: 'POST', url: `/v1/sweeps/${sweep.id}/cancel` });
  const trialIds = (
    await db.query('SELECT id FROM trials WHERE sweep_id = $1 ORDER BY index', [sweep.id])
  ).rows.map((r) => r.id as string);
  const perTrial = 50_000;
  const writers = [trialIds.slice(0, 4), trialIds.slice(4)].map((ids) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'ingest-writer.ts')], {
      env: {
        ...process.env,
        DATABASE_URL: stack.db.url,
        TRIAL_IDS: ids.join(','),
        ROWS_PER_TRIAL: String(perTrial),
        BATCH: '2000',
      },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const exited = new Promise<void>((resolve, reject) =>
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer exited ${code}`)))),
    );
    const ready = new Promise<void>((resolve) =>
      child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve()),
    );
    return { child, exited, ready };
  });
  // Both writers started and connected; then they write together and the clock runs until both are done.
  await Promise.all(writers.map((writer) => writer.ready));
  const t0 = performance.now();
  for (const writer of writers) writer.child.stdin!.write('go\n');
  await Promise.all(writers.map((writer) => writer.exited));
  const seconds = (performance.now() - t0) / 1000;
  const written = Number((await db.query('SELECT count(*) FROM step_metrics')).rows[0].count);
  rows.push([
    'metric ingestion, 2 writer processes, batches of 2,000',
    `${fmt(written / seconds, 0)} rows/s (${fmt(written, 0)} rows)`,
    '>= 100,000 rows/s',
  ]);

  // --- 4. downsampled metrics of a 100,000-step trial
  const longTrial = trialIds[0]!;
  await db.query(
    `INSERT INTO step_metrics (trial_id, step, epoch, loss, lr, lrs)
     SELECT $1, s, s / 1000, 1.0 / s, 0.1, ARRAY[0.1] FROM generate_series(50001, 100000) s`,
    [longTrial],
  );
  await db.query('ANALYZE step_metrics');
  const dsMs: number[] = [];
  for (let i = 0; i < 100; i++) {
    const t = performance.now();
    const res = await stack.app.inject(`/v1/trials/${longTrial}/metrics?maxPoints=1000`);
    dsMs.push(performance.now() - t);
    if (res.json().totalPoints !== 100_000) throw new Error(res.body.slice(0, 200));
  }
  rows.push([
    'GET metrics, 100,000 steps -> 1,000 points',
    `p50 ${fmt(quantile(dsMs, 0.5))} ms, p95 ${fmt(quantile(dsMs, 0.95))} ms`,
    'p95 < 50 ms',
  ]);

  // --- 2. orchestration: 500 one-step trials, one worker process with one training thread
  await stack.startWorker({ WORKER_CONCURRENCY: '1', WORKER_ID: 'bench' });
  const small = await stack.app.inject({
    method: 'POST',
    url: '/v1/sweeps',
    payload: {
      workload: 'rosenbrock',
      training: { epochs: 1 },
      optimizers: [{ type: 'SGD', lr: Array.from({ length: 500 }, (_, i) => (i + 1) / 1e6) }],
    },
  });
  const t1 = performance.now();
  await waitForSweep(stack.app, small.json().id, ['completed'], 600_000);
  const total = performance.now() - t1;
  const per = (
    await db.query(
      `SELECT extract(epoch FROM finished_at - started_at) * 1000 AS ms FROM trials WHERE sweep_id = $1`,
      [small.json().id],
    )
  ).rows.map((r) => Number(r.ms));
  rows.push([
    'per trial, claim to settle (500 one-step trials)',
    `median ${fmt(quantile(per, 0.5))} ms, p95 ${fmt(quantile(per, 0.95))} ms`,
    'median <= 20 ms',
  ]);
  rows.push(['per trial, submit to sweep completed / 500', `${fmt(total / 500)} ms`, '']);
} finally {
  await db.end();
  await stack.close();
}

console.log(table(['what', 'measured', 'target'], rows));
