// `npm run soak [-- minutes]` (or SOAK_MINUTES): sweeps run for N minutes against a Postgres cluster and a
// Redis of their own while faults are injected at random (Postgres restarts, Redis SHUTDOWN NOSAVE +
// restart, SIGKILL of a worker); then every sweep must complete with every step stored exactly once.
// Prints faults injected, sweeps completed, steps lost, duplicates and the API's p95 latency.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freePort, startPrivateStores } from '../private-stores.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const minutes = Number(process.argv[2] ?? process.env.SOAK_MINUTES ?? 3);
const EPOCHS = 60;
const STEPS = EPOCHS * 8;
const IN_FLIGHT = 2;
const WORKERS = 2;
const sweep = (i: number) => ({
  name: `soak ${i}`,
  workload: {
    name: 'two-layer-regression',
    options: { samples: 64, inputSize: 16, hidden: 16, outputSize: 2 },
  },
  training: { epochs: EPOCHS, batchSize: 8 },
  optimizers: [{ type: 'SGD', lr: [0.0001, 0.0002], momentum: 0.9 }],
  seeds: [i, i + 1000],
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const random = (lo: number, hi: number) => lo + Math.random() * (hi - lo);

const stores = await startPrivateStores();
const port = await freePort();
const env = {
  ...process.env,
  DATABASE_URL: stores.databaseUrl('soak'),
  REDIS_URL: stores.redisUrl,
  QUEUE_PREFIX: 'soak',
  HOST: '127.0.0.1',
  PORT: String(port),
  LOG_LEVEL: 'error',
  TFJS_BACKEND: 'wasm',
  WORKER_CONCURRENCY: '1',
  WORKER_LOCK_MS: '3000',
  CHECKPOINT_EVERY: '64',
  RECONCILE_EVERY_MS: '2000',
  TRIAL_LEASE_MS: '15000',
  TRIAL_BACKOFF_MS: '200',
};
const migrate = spawnSync(process.execPath, [join(root, 'packages/db/dist/cli/migrate.js')], {
  env,
  encoding: 'utf8',
});
if (migrate.status !== 0) throw new Error(migrate.stderr);

const children = new Set<ChildProcess>();
let stopping = false;
/** A service process restarted whenever it dies (the soak's own supervisor, so it can kill workers). */
function supervise(script: string, name: string): { current: () => ChildProcess | null } {
  let child: ChildProcess | null = null;
  const start = () => {
    child = spawn(process.execPath, [join(root, script)], {
      env: { ...env, WORKER_ID: name },
      stdio: 'ignore',
    });
    children.add(child);
    child.on('exit', () => {
      children.delete(child!);
      child = null;
      if (!stopping) setTimeout(start, 1000);
    });
  };
  start();
  return { current: () => child };
}
supervise('services/api/dist/server.js', 'api');
const workers = Array.from({ length: WORKERS }, (_, i) =>
  supervise('services/worker/dist/main.js', `soak-w${i}`),
);

const latencies: number[] = [];
let unavailable = 0;
/** One API call, timed; null while the API is restarting. */
async function api(
  path: string,
  init?: RequestInit,
): Promise<{ status: number; body: Record<string, unknown> } | null> {
  const t0 = performance.now();
  try {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, init);
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    latencies.push(performance.now() - t0);
    if (res.status === 503) unavailable++;
    return { status: res.status, body };
  } catch {
    return null;
  }
}

for (let i = 0; i < 600 && (await api('/ready'))?.status !== 200; i++) await sleep(100);

const sweeps = new Map<string, string>(); // id -> status
const faults = { postgresRestarts: 0, redisRestarts: 0, workerKills: 0 };
const until = Date.now() + minutes * 60_000;
let submitted = 0;

async function submitter() {
  while (Date.now() < until) {
    const active = [...sweeps.values()].filter((s) => s !== 'completed').length;
    if (active < IN_FLIGHT) {
      const res = await api('/v1/sweeps', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(sweep(submitted)),
      });
      if (res?.status === 201) {
        sweeps.set(String(res.body.id), 'queued');
        submitted++;
      }
    }
    for (const id of sweeps.keys()) {
      const res = await api(`/v1/sweeps/${id}`);
      if (res?.status === 200) sweeps.set(id, String(res.body.status));
    }
    await sleep(500);
  }
}

async function injector() {
  await sleep(random(5000, 10_000));
  while (Date.now() < until - 20_000) {
    const fault = Math.floor(Math.random() * 3);
    if (fault === 0) {
      stores.restartPostgres();
      faults.postgresRestarts++;
    } else if (fault === 1) {
      await stores.restartRedis();
      faults.redisRestarts++;
    } else {
      const victim = workers[Math.floor(Math.random() * workers.length)]!.current();
      if (victim) {
        victim.kill('SIGKILL');
        faults.workerKills++;
      }
    }
    console.log(
      `fault ${['postgres restart', 'redis restart', 'worker SIGKILL'][fault]} at ${new Date().toISOString()}`,
    );
    await sleep(random(8000, 16_000));
  }
}

await Promise.all([submitter(), injector()]);
// faults stop; every sweep must now finish
const db = new pg.Pool({ connectionString: env.DATABASE_URL, max: 2 });
db.on('error', () => {});
const deadline = Date.now() + 5 * 60_000;
for (;;) {
  const { rows } = await db.query(`SELECT count(*)::int AS n FROM sweeps WHERE status <> 'completed'`);
  if (rows[0].n === 0 || Date.now() > deadline) break;
  await sleep(1000);
}
const { rows: sweepRows } = await db.query('SELECT status, count(*)::int AS n FROM sweeps GROUP BY status');
const { rows: trialRows } = await db.query(
  `SELECT t.status, count(m.step)::int AS n, count(DISTINCT m.step)::int AS distinct_steps
   FROM trials t LEFT JOIN step_metrics m ON m.trial_id = t.id GROUP BY t.id`,
);
await db.end();
stopping = true;
for (const child of children) child.kill('SIGKILL');
stores.close();

const sorted = [...latencies].sort((a, b) => a - b);
const p95 = sorted[Math.floor(sorted.length * 0.95)] ?? 0;
const completed = sweepRows.find((r) => r.status === 'completed')?.n ?? 0;
const lost = trialRows.reduce((sum, t) => sum + (STEPS - t.distinct_steps), 0);
const duplicates = trialRows.reduce((sum, t) => sum + (t.n - t.distinct_steps), 0);
const summary = {
  minutes,
  faultsInjected: faults,
  sweepsSubmitted: sweeps.size,
  sweepsCompleted: completed,
  trialsNotCompleted: trialRows.filter((t) => t.status !== 'completed').length,
  stepsStored: trialRows.reduce((sum, t) => sum + t.distinct_steps, 0),
  stepsLost: lost,
  duplicates,
  apiRequests: latencies.length,
  api503s: unavailable,
  p95LatencyMs: Math.round(p95 * 10) / 10,
};
console.log(JSON.stringify(summary, null, 2));
process.exit(
  lost === 0 && duplicates === 0 && completed === sweeps.size && summary.trialsNotCompleted === 0 ? 0 : 1,
);
