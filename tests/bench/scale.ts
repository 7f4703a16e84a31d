// npm run bench:scale -- --steps N [--reuse] [--runs R] [--skip-sweep-reads] [--build-only] — does the service stay flat as
// step_metrics fills? Builds (or, with --reuse, reuses) the database hypersweep_scale_<N> of N stored steps:
//   - S1k: 1,000 trials (100 lr x 5 momentum x 2 seeds) x 500 steps, one of them a 100,000-step trial;
//   - S10k: 10,000 trials x 20 steps; S100k: 100,000 trials x 2 steps (POSTed through the API);
//   - the rest in sweeps of 1,000 trials x 1,000 steps (copies of S1k's trials),
// the steps written by INSERT ... SELECT on the server in the order 8 concurrent trials ingest them, their
// block summaries by one aggregate (the triggers and foreign-key checks are off while it builds). Pending
// migrations are applied first (a kept database of an older schema is migrated, and the time it took said).
// Then it measures, through the real API (app.inject), worker and stores:
//   bytes per step, ingestion rows/s (2 processes through the workers' writer), claim-to-settle of 200
//   one-step trials, POST of a 10,000-trial grid, the leaderboard, /configs, /effects, /curves of S1k, S10k
//   and S100k, a 100,000-step trial's metrics downsampled to 1,000 points, and DELETE of a sweep of 10^7
//   steps (built for the purpose) while two other processes write steps: the longest of their writes.
// Everything it adds while measuring is deleted again, so a re-run with --reuse measures the same database.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildApp, loadApiConfig } from '@hypersweep/api';
import {
  applyMigrations,
  DEFAULT_DATABASE_URL,
  dropDatabase,
  ensureDatabase,
  fillGroupKeys,
  withDatabase,
} from '@hypersweep/db';
import { DEFAULT_REDIS_URL, dropKeyPrefix } from '@hypersweep/queue';
import { loadWorkerConfig, startTrialWorker } from '@hypersweep/worker';
import pg from 'pg';
import { pino } from 'pino';
import { waitForSweep } from '../helpers.js';
import { fmt, loadAverage, log, p50p95, quantile, table, timeGetsMs } from './measure.js';

const { values: args } = parseArgs({
  options: {
    steps: { type: 'string', default: '1000000' },
    reuse: { type: 'boolean', default: false },
    runs: { type: 'string', default: '30' },
    // leaves out the leaderboard, /configs, /effects and /curves of S1k, S10k and S100k (minutes at 100k trials)
    'skip-sweep-reads': { type: 'boolean', default: false },
    // builds the database (or finishes building it) and stops: measure it later with --reuse
    'build-only': { type: 'boolean', default: false },
  },
});
const N = Number(args.steps);
const RUNS = Number(args.runs);
if (!Number.isSafeInteger(N) || N < 1_000_000) throw new Error('--steps: a whole number >= 1,000,000');
const here = dirname(fileURLToPath(import.meta.url));
const server = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
const url = withDatabase(server, `hypersweep_scale_${N}`);
const redisUrl = process.env.REDIS_URL || DEFAULT_REDIS_URL;

const db = new pg.Client({ connectionString: withDatabase(server, 'postgres') });
await db.connect();
const exists = (await db.query('SELECT 1 FROM pg_database WHERE datname = $1', [`hypersweep_scale_${N}`]))
  .rowCount;
await db.end();
if (exists && !args.reuse) await dropDatabase(url);
await ensureDatabase(url);
const migrateStart = performance.now();
const migrated = await applyMigrations(url);
const migrateMs = performance.now() - migrateStart;

const prefix = `hsscale_${randomBytes(4).toString('hex')}`;
const env = {
  DATABASE_URL: url,
  REDIS_URL: redisUrl,
  QUEUE_PREFIX: prefix,
  TFJS_BACKEND: 'wasm',
  MAX_TRIALS: '100000',
};
const app = await buildApp({ config: loadApiConfig(env), logger: false });
const sql = new pg.Client({ connectionString: url });
await sql.connect();

const grid = (name: string, momenta: number) => ({
  name,
  workload: 'rosenbrock',
  training: { epochs: 1 },
  optimizers: [
    {
      type: 'SGD',
      lr: Array.from({ length: 100 }, (_, i) => 10 ** (-4 + (3 * i) / 99)),
      momentum: Array.from({ length: momenta }, (_, i) => i / momenta),
    },
  ],
  seeds: [0, 1],
  objective: { metric: 'train_loss', mode: 'min' },
});

/** POSTs a grid, cancels it and marks its trials completed as a finished sweep's are. */
async function postSweep(name: string, momenta: number): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/v1/sweeps', payload: grid(name, momenta) });
  if (res.statusCode !== 201) throw new Error(res.body.slice(0, 300));
  const id = res.json().id as string;
  await app.inject({ method: 'POST', url: `/v1/sweeps/${id}/cancel` });
  await completeSweep(id);
  return id;
}

async function completeSweep(id: string) {
  await sql.query(
    `UPDATE trials SET status = 'completed',
       best_value = abs(log((config->'optimizer'->'options'->>'lr')::float8) + 2) + (config->>'seed')::int * 0.01
         + (config->'optimizer'->'options'->>'momentum')::float8 * 0.1,
       final_loss = 0.1, started_at = now(), finished_at = now() WHERE sweep_id = $1`,
    [id],
  );
  await sql.query(`UPDATE sweeps SET status = 'completed' WHERE id = $1`, [id]);
}

/** A copy of sweep `from` (its row and its trials, new ids), named `name`. */
async function copySweep(from: string, name: string): Promise<string> {
  const id = (await sql.query('SELECT gen_random_uuid() AS id')).rows[0].id as string;
  await sql.query(
    `INSERT INTO sweeps SELECT (jsonb_populate_record(NULL::sweeps,
       to_jsonb(s) || jsonb_build_object('id', $2::uuid, 'name', $3::text))).* FROM sweeps s WHERE id = $1`,
    [from, id, name],
  );
  await sql.query(
    `INSERT INTO trials SELECT (jsonb_populate_record(NULL::trials,
       to_jsonb(t) || jsonb_build_object('id', gen_random_uuid(), 'sweep_id', $2::uuid))).* FROM trials t WHERE sweep_id = $1`,
    [from, id],
  );
  return id;
}

// Steps [from, to] of every trial of the sweep (or of the one trial), interleaved as 8 trials writing batches
// of 500 at a time are, with a step-decayed lr (one param group), then their block summaries (the first
// block again whole, when it began before `from`).
async function fillSteps(sweep: string, from: number, to: number, trial?: string) {
  await sql.query('SET session_replication_role = replica');
  // lrs as the workers' writer stores it (NULL for [lr] from migration 20261206181000 on)
  const stored = (await sql.query(`SELECT to_regproc('step_lrs_stored') IS NOT NULL AS yes`)).rows[0].yes;
  const lrs = stored ? 'step_lrs_stored(l.lr, ARRAY[l.lr])' : 'ARRAY[l.lr]';
  const where = trial ? 't.sweep_id = $1 AND t.id = $4' : 't.sweep_id = $1';
  const params = trial ? [sweep, from, to, trial] : [sweep, from, to];
  await sql.query(
    `INSERT INTO step_metrics (trial_id, step, epoch, loss, lr, lrs)
     SELECT t.id, s, (s - 1) / 100, t.best_value + 1.0 / s + random() * 1e-3, l.lr, ${lrs}
     FROM trials t CROSS JOIN generate_series($2::int, $3::int) s
       CROSS JOIN LATERAL (SELECT 0.1 * power(0.5, (s - 1) / 250) AS lr) l
     WHERE ${where} ORDER BY t.index / 8, (s - 1) / 500, t.index, s`,
    params,
  );
  await sql.query(
    `INSERT INTO step_metric_blocks AS b (trial_id, block, n, first_step, last_step, low_step, low_loss, high_step, high_loss)
     SELECT trial_id, block, n, first_step, last_step, lo[2]::int, lo[1], (-hi[2])::int, hi[1]
     FROM (
       SELECT m.trial_id, (m.step - 1) / 16 AS block, count(*)::int AS n, min(m.step) AS first_step, max(m.step) AS last_step,
              min(ARRAY[m.loss, m.step::float8]) AS lo, max(ARRAY[m.loss, -m.step::float8]) AS hi
       FROM step_metrics m JOIN trials t ON t.id = m.trial_id
       WHERE ${where} AND m.step BETWEEN ($2 - 1) / 16 * 16 + 1 AND $3 GROUP BY 1, 2
     ) g
     ON CONFLICT (trial_id, block) DO UPDATE SET n = EXCLUDED.n, first_step = EXCLUDED.first_step,
       last_step = EXCLUDED.last_step, low_step = EXCLUDED.low_step, low_loss = EXCLUDED.low_loss,
       high_step = EXCLUDED.high_step, high_loss = EXCLUDED.high_loss`,
    params,
  );
  await sql.query(
    `UPDATE trials t SET steps_done = $3 WHERE ${where} AND steps_done < $3 AND $2 > 0`,
    params,
  );
  await sql.query('SET session_replication_role = origin');
}

async function fillEpochs(sweep: string, epochs: number) {
  await sql.query(
    `INSERT INTO epoch_metrics (trial_id, epoch, train_loss, val_loss, val_accuracy, lr)
     SELECT t.id, e, t.best_value + 1.0 / (e + 1), t.best_value + 1.5 / (e + 1), NULL, 0.1
     FROM trials t, generate_series(0, $2 - 1) e WHERE t.sweep_id = $1`,
    [sweep, epochs],
  );
}

interface Built {
  steps: number;
  s1k: string;
  s10k: string;
  s100k: string;
  long_trial: string;
}

await sql.query(`CREATE TABLE IF NOT EXISTS bench_scale (steps bigint, s1k uuid, s10k uuid, s100k uuid,
  long_trial uuid, built_ms float8, built_at timestamptz DEFAULT now())`);
let built = (await sql.query<Built>('SELECT * FROM bench_scale')).rows[0];
if (!built) {
  const t0 = performance.now();
  // A build that stopped (killed, out of memory) resumes: each part is complete once the next one exists,
  // and the last background sweep found is built again.
  const named = async (name: string) =>
    (await sql.query<{ id: string }>('SELECT id FROM sweeps WHERE name = $1', [name])).rows[0]?.id;
  const resumed = (await named('S1k')) !== undefined;
  log(resumed ? 'resuming the build of' : 'building', N, 'steps in', `hypersweep_scale_${N}`);
  const background = Math.round((N - 999_500) / 1_000_000);
  let done = 0;
  while (done < background && (await named(`background ${done + 1}`)) !== undefined) done++;
  if (done > 0) {
    const partial = (await named(`background ${done}`))!;
    await sql.query(
      'DELETE FROM step_metrics WHERE trial_id IN (SELECT id FROM trials WHERE sweep_id = $1)',
      [partial],
    );
    await sql.query('DELETE FROM sweeps WHERE id = $1', [partial]);
    done--;
  }
  const stage = async (name: string, next: string, build: () => Promise<string>) => {
    const id = await named(name);
    if (id !== undefined && (await named(next)) !== undefined) return id;
    if (id !== undefined) await sql.query('DELETE FROM sweeps WHERE id = $1', [id]); // stopped while building
    const built = await build();
    log(`${name} built`);
    return built;
  };
  const s1k = await stage('S1k', 'S10k', async () => {
    const id = await postSweep('S1k', 5);
    await fillSteps(id, 1, 500);
    await fillEpochs(id, 5);
    const long = (await sql.query('SELECT id FROM trials WHERE sweep_id = $1 AND index = 0', [id])).rows[0]
      .id;
    await fillSteps(id, 501, 100_000, long as string);
    return id;
  });
  const longTrial = (await sql.query('SELECT id FROM trials WHERE sweep_id = $1 AND index = 0', [s1k]))
    .rows[0].id as string;
  const s10k = await stage('S10k', 'S100k', async () => {
    const id = await postSweep('S10k', 50);
    await fillSteps(id, 1, 20);
    await fillEpochs(id, 1);
    return id;
  });
  const s100k = await stage('S100k', background > 0 ? 'background 1' : 'S100k', async () => {
    const id = await postSweep('S100k', 500);
    await fillSteps(id, 1, 2);
    await fillEpochs(id, 1);
    return id;
  });
  for (let i = done; i < background; i++) {
    const copy = await copySweep(s1k, `background ${i + 1}`);
    await fillSteps(copy, 1, 1000);
    log(`background sweep ${i + 1} of ${background}`);
  }
  await sql.query('VACUUM ANALYZE');
  const steps = Number((await sql.query('SELECT count(*) FROM step_metrics')).rows[0].count);
  await sql.query(
    'INSERT INTO bench_scale (steps, s1k, s10k, s100k, long_trial, built_ms) VALUES ($1, $2, $3, $4, $5, $6)',
    [steps, s1k, s10k, s100k, longTrial, performance.now() - t0],
  );
  built = (await sql.query<Built>('SELECT * FROM bench_scale')).rows[0]!;
  log('built in', fmt((performance.now() - t0) / 1000), 's');
}
const steps = Number(built.steps);
if (args['build-only']) {
  await sql.end();
  await app.close();
  process.exit(0);
}

const rows: string[][] = [];
const add = (what: string, measured: string) => {
  rows.push([what, measured, loadAverage()]);
  log(what, measured);
};
const schema = (await sql.query('SELECT max(migration_name) AS m FROM _prisma_migrations')).rows[0]
  .m as string;
if (exists && args.reuse && migrated.applied.length > 0) {
  add(
    `migrations applied to the kept database (${migrated.applied.join(', ')})`,
    `${fmt(migrateMs / 1000)} s`,
  );
}
const bytes = (
  await sql.query(
    `SELECT pg_total_relation_size('step_metrics') + pg_total_relation_size('step_metric_blocks') AS b,
            pg_total_relation_size('step_metrics') AS m`,
  )
).rows[0];
add(
  'bytes per stored step (step_metrics + step_metric_blocks, with indexes)',
  `${fmt(Number(bytes.b) / steps)} B (step_metrics alone ${fmt(Number(bytes.m) / steps)} B; ${fmt(Number(bytes.b) / 2 ** 30, 2)} GiB)`,
);

const timed = async (what: string, url: string, check: (body: string) => void, runs = RUNS) =>
  add(what, p50p95(await timeGetsMs(app, url, runs, check)));
const json = (body: string) => JSON.parse(body);
try {
  // --- reads
  const sweeps = [
    ['S1k', built.s1k, 1_000],
    ['S10k', built.s10k, 10_000],
    ['S100k', built.s100k, 100_000],
  ] as const;
  for (const [label, id, total] of args['skip-sweep-reads'] ? [] : sweeps) {
    const runs = RUNS;
    // trials stored before migration 20261206190000 get their group keys at the sweep's first comparison:
    // a one-time cost, said apart
    const fillStart = performance.now();
    const filled = await fillGroupKeys(sql, id);
    if (filled > 0)
      add(
        `group keys filled, ${label} (once after the migration)`,
        `${fmt(performance.now() - fillStart)} ms for ${fmt(filled, 0)} trials`,
      );
    await timed(
      `GET leaderboard, ${label}, first page of 100`,
      `/v1/sweeps/${id}/trials?limit=100`,
      (b) => {
        if (json(b).total !== total) throw new Error(b.slice(0, 200));
      },
      runs,
    );
    await timed(
      `GET leaderboard, ${label}, page of 100 at the middle by offset`,
      `/v1/sweeps/${id}/trials?limit=100&offset=${total / 2}`,
      (b) => {
        if (json(b).items.length !== 100) throw new Error(b.slice(0, 200));
      },
      runs,
    );
    // the same page by cursor: the previous page's nextCursor
    const before = await app.inject(`/v1/sweeps/${id}/trials?limit=100&offset=${total / 2 - 100}`);
    const middle = (await app.inject(`/v1/sweeps/${id}/trials?limit=100&offset=${total / 2}`)).json();
    await timed(
      `GET leaderboard, ${label}, page of 100 at the middle by cursor`,
      `/v1/sweeps/${id}/trials?limit=100&cursor=${before.json().nextCursor}`,
      (b) => {
        if (JSON.stringify(json(b).items) !== JSON.stringify(middle.items)) throw new Error(b.slice(0, 200));
      },
      runs,
    );
    await timed(
      `GET /configs, ${label}`,
      `/v1/sweeps/${id}/configs`,
      (b) => {
        if (!(json(b).total > 0)) throw new Error(b.slice(0, 200));
      },
      runs,
    );
    // the first GET computes the sweep's effects; later ones (no trial has ended since) are kept
    const effects = await timeGetsMs(app, `/v1/sweeps/${id}/effects`, runs + 1, (b) => {
      if (json(b).method !== 'functional-anova') throw new Error(b.slice(0, 200));
    });
    add(`GET /effects, ${label}, first (computed)`, `${fmt(effects[0]!)} ms`);
    add(`GET /effects, ${label}, again (kept)`, p50p95(effects.slice(1)));
    await timed(
      `GET /curves loss, ${label}, top 10 configs, 200 points`,
      `/v1/sweeps/${id}/curves?metric=loss&by=config&limit=10&maxPoints=200`,
      (b) => {
        if (json(b).groups.length !== 10) throw new Error(b.slice(0, 200));
      },
      runs,
    );
  }
  await timed(
    'GET trial metrics, 100,000 steps -> 1,000 points',
    `/v1/trials/${built.long_trial}/metrics?maxPoints=1000`,
    (b) => {
      if (json(b).totalPoints !== 100_000) throw new Error(b.slice(0, 200));
    },
  );

  // --- POST of a 10,000-trial grid (deleted again each time)
  const postMs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    const res = await app.inject({ method: 'POST', url: '/v1/sweeps', payload: grid('post', 50) });
    postMs.push(performance.now() - t);
    if (res.statusCode !== 201 || res.json().trialCount !== 10_000) throw new Error(res.body.slice(0, 300));
    await app.inject({ method: 'DELETE', url: `/v1/sweeps/${res.json().id}` });
  }
  add(
    'POST /v1/sweeps, 10,000-trial grid',
    `median ${fmt(quantile(postMs, 0.5), 0)} ms, max ${fmt(Math.max(...postMs), 0)} ms`,
  );

  // --- ingestion: 2 processes x 4 trials x 25,000 rows in batches of 2,000, through the workers' writer
  const ingest = await postSweep('ingest', 1);
  const ingestTrials = (
    await sql.query('SELECT id FROM trials WHERE sweep_id = $1 ORDER BY index LIMIT 8', [ingest])
  ).rows.map((r) => r.id as string);
  const writers = [ingestTrials.slice(0, 4), ingestTrials.slice(4)].map((ids) =>
    child('ingest-writer.ts', { TRIAL_IDS: ids.join(','), ROWS_PER_TRIAL: '25000', BATCH: '2000' }),
  );
  await Promise.all(writers.map((w) => w.ready));
  let t = performance.now();
  for (const w of writers) w.send();
  await Promise.all(writers.map((w) => w.exited));
  add(
    'metric ingestion, 2 writer processes, batches of 2,000',
    `${fmt(200_000 / ((performance.now() - t) / 1000), 0)} rows/s`,
  );

  // --- DELETE of a sweep of 10^7 steps while two processes write steps of another sweep
  const doomed = await copySweep(built.s10k, 'delete me');
  await fillSteps(doomed, 1, 1000);
  await sql.query('ANALYZE step_metrics');
  log('built the 10^7-step sweep to delete');
  const stallers = [ingestTrials[6]!, ingestTrials[7]!].map((id) =>
    child('scale-writer.ts', { TRIAL_IDS: id, BATCH: '500' }),
  );
  await Promise.all(stallers.map((w) => w.ready));
  for (const w of stallers) w.send();
  await new Promise((resolve) => setTimeout(resolve, 3000));
  t = performance.now();
  const deleted = await app.inject({ method: 'DELETE', url: `/v1/sweeps/${doomed}` });
  const deleteMs = performance.now() - t;
  if (deleted.statusCode !== 204) throw new Error(deleted.body.slice(0, 300));
  await new Promise((resolve) => setTimeout(resolve, 2000));
  for (const w of stallers) w.send();
  await Promise.all(stallers.map((w) => w.exited));
  const writes = stallers.flatMap(
    (w) => (JSON.parse(w.output().trim().split('\n').pop()!) as { ms: number[] }).ms,
  );
  add('DELETE /v1/sweeps/:id, 10,000 trials x 1,000 steps', `${fmt(deleteMs / 1000, 2)} s`);
  add(
    "other sweeps' writes meanwhile (batches of 500 steps)",
    `p50 ${fmt(quantile(writes, 0.5))} ms, longest ${fmt(Math.max(...writes))} ms (${writes.length} writes)`,
  );

  // --- claim to settle: 200 one-step trials, one worker with one training thread
  const worker = await startTrialWorker(
    loadWorkerConfig({ ...env, WORKER_CONCURRENCY: '1', WORKER_ID: 'scale', LOG_LEVEL: 'silent' }),
    pino({ level: 'silent' }),
  );
  const small = await app.inject({
    method: 'POST',
    url: '/v1/sweeps',
    payload: {
      workload: 'rosenbrock',
      training: { epochs: 1 },
      optimizers: [{ type: 'SGD', lr: Array.from({ length: 200 }, (_, i) => (i + 1) / 1e6) }],
    },
  });
  await waitForSweep(app, small.json().id, ['completed'], 600_000);
  await worker.close();
  const per = (
    await sql.query(
      `SELECT extract(epoch FROM finished_at - started_at) * 1000 AS ms FROM trials WHERE sweep_id = $1`,
      [small.json().id],
    )
  ).rows.map((r) => Number(r.ms));
  add(
    'claim to settle, 200 one-step trials',
    `median ${fmt(quantile(per, 0.5))} ms, p95 ${fmt(quantile(per, 0.95))} ms`,
  );
  for (const id of [ingest, small.json().id]) {
    const res = await app.inject({ method: 'DELETE', url: `/v1/sweeps/${id}` });
    if (res.statusCode !== 204) throw new Error(`could not delete ${id}: ${res.body.slice(0, 300)}`);
  }
} finally {
  await sql.end();
  await app.close();
  await dropKeyPrefix(redisUrl, prefix);
}

console.log(
  `\n${fmt(steps, 0)} steps (hypersweep_scale_${N}), schema ${schema}, ${new Date().toISOString()}\n`,
);
console.log(table(['what', 'measured', 'load (1, 5, 15 min)'], rows));

/** A writer process of this directory, started and connected; `send()` writes it a line. */
function child(script: string, extra: Record<string, string>) {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(here, script)], {
    env: { ...process.env, DATABASE_URL: url, ...extra },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  const ready = new Promise<void>((resolve) =>
    proc.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('ready')) resolve();
    }),
  );
  const exited = new Promise<void>((resolve, reject) =>
    proc.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${script} exited ${code}`)))),
  );
  return { ready, exited, send: () => proc.stdin!.write('go\n'), output: () => out };
}
