// npm run bench:load -- [--workers 8] [--external 1,2,4,8,16] [--seconds 60] [--steps 10] — many workers and
// external trainers against ONE API process, Postgres and Redis: where does the first bottleneck come?
// Builds the database hypersweep_load (dropped first) and a random QUEUE_PREFIX, starts the API
// (services/api/dist/server.js) and --workers worker processes (services/worker/dist/main.js, cpu backend)
// that train an internal sweep of one-step-an-epoch rosenbrock trials (--steps epochs: claiming, settling
// and metric writes dominate, not training), and, one phase per --external count, that many external
// trainer processes (load-trainer.ts) that claim, report (--epochs reports of the --steps steps) and finish
// trials of an external sweep over HTTP as fast as the API answers. Each phase warms up (--warmup s), then
// measures --seconds: trials settled per second (internal, external), claims and reports per second, p50 /
// p95 of claim, report and finish as the trainers see them, step rows stored per second; and every second
// Postgres connections of the database by state and wait event, Redis ops/s and CPU, the CPU of each
// process group (/proc/<pid>/stat) and the load average. It prints one table row per phase and which
// resource saturates first, then stops everything with SIGTERM, checks that no trial failed, no call got a
// 5xx and every completed trial has each of its steps stored exactly once (else it exits 1), and deletes
// its database and Redis keys. `--database-url` points the API and workers at another server (a PgBouncer
// in transaction mode, say); the bench itself (migrations, counts, pg_stat_activity) keeps the direct one.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  applyMigrations,
  DEFAULT_DATABASE_URL,
  dropDatabase,
  ensureDatabase,
  withDatabase,
} from '@hypersweep/db';
import { createRedis, DEFAULT_REDIS_URL, dropKeyPrefix } from '@hypersweep/queue';
import pg from 'pg';
import { freePort, startPrivateStores } from '../private-stores.js';
import type { CallKind, TrainerResult } from './load-trainer.js';
import { fmt, loadAverage, log, quantile, table } from './measure.js';

const { values: args } = parseArgs({
  options: {
    workers: { type: 'string', default: '8' },
    external: { type: 'string', default: '1,2,4,8,16' },
    seconds: { type: 'string', default: '60' },
    warmup: { type: 'string', default: '10' },
    steps: { type: 'string', default: '10' },
    epochs: { type: 'string', default: '2' },
    // training threads per worker process; each adds a Postgres connection to the worker's pool
    concurrency: { type: 'string', default: '2' },
    // trials of each of the two sweeps: enough that neither runs out before the last phase ends
    trials: { type: 'string', default: '20000' },
    // how many sweeps of each kind share those trials (trainer i claims from external sweep i mod K): a trial's
    // settle runs under its sweep's row lock, so this shows what one sweep's lock costs
    sweeps: { type: 'string', default: '1' },
    'database-url': { type: 'string' },
    // a Postgres cluster and a Redis of the bench's own (tests/private-stores.ts: fsync off), so that other
    // sessions' load does not count in Redis ops/s and connections, and max_connections can be reached safely
    private: { type: 'boolean', default: false },
  },
});
const count = (name: keyof typeof args, min = 1) => {
  const n = Number(args[name]);
  if (!Number.isSafeInteger(n) || n < min) throw new Error(`--${name}: a whole number >= ${min}`);
  return n;
};
const WORKERS = count('workers', 0);
const SECONDS = count('seconds');
const WARMUP = count('warmup', 0);
const STEPS = count('steps');
const EPOCHS = count('epochs');
const CONCURRENCY = count('concurrency');
const TRIALS = count('trials', 100);
const SWEEPS = count('sweeps');
const PER_SWEEP = Math.ceil(TRIALS / SWEEPS / 100) * 100;
const PHASES = String(args.external)
  .split(',')
  .map((s) => Number(s));
if (PHASES.some((n) => !Number.isSafeInteger(n) || n < 0)) throw new Error('--external: counts like 1,2,4,8');
if (EPOCHS > STEPS) throw new Error('--epochs: at most --steps');

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const DATABASE = 'hypersweep_load';
const stores = args.private ? await startPrivateStores() : null;
const server =
  stores?.databaseUrl('postgres') ??
  (process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || DEFAULT_DATABASE_URL);
const url = withDatabase(server, DATABASE);
const serviceUrl = args['database-url'] ? withDatabase(args['database-url'], DATABASE) : url;
const redisUrl = stores?.redisUrl ?? (process.env.REDIS_URL || DEFAULT_REDIS_URL);
const prefix = `hsload_${randomBytes(4).toString('hex')}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const failures: string[] = [];

await dropDatabase(url);
await ensureDatabase(url);
await applyMigrations(url);
const sql = new pg.Client({ connectionString: url, application_name: 'bench:load' });
await sql.connect();
const redis = createRedis(redisUrl);
const maxConnections = Number((await sql.query('SHOW max_connections')).rows[0].max_connections);

// --- the sampler: every second, Postgres, Redis and the CPU of each process group
const TICKS = 100; // USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s on Linux
const GROUPS = ['api', 'workers', 'trainers', 'postgres', 'redis'] as const;
type Group = (typeof GROUPS)[number];
interface Sample {
  at: number;
  connections: Record<string, number>; // our database's, by state
  serverConnections: number; // the whole server's
  waits: Record<string, number>; // active backends of our database by wait event
  lockedOn: Record<string, number>; // backends waiting on a lock, by their statement (its first words)
  redisOps: number; // per second since the last sample
  cpu: Record<Group, number>; // % of one core since the last sample
  machineBusy: number; // % of all cores
  others: number; // % of one core: the machine's busy time outside these groups (other sessions, the bench)
  load: string;
}
/** The processes of this bench's own groups; postgres (our database's backends) and redis are found each time. */
const pidsOf: Record<'api' | 'workers' | 'trainers', number[]> = { api: [], workers: [], trainers: [] };
const cpuTicks = (pid: number): number | undefined => {
  try {
    // fields after the parenthesised command: utime and stime are the 12th and 13th
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined; // exited
  }
};
const machineTicks = () => {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.split(/\s+/).slice(1).map(Number);
  const idle = cpu[3]! + cpu[4]!;
  return { total: cpu.reduce((a, b) => a + b, 0), idle };
};
const redisInfo = async () => {
  const info = await redis.info();
  const field = (name: string) => Number(info.match(new RegExp(`^${name}:(\\S+)`, 'm'))?.[1]);
  return { commands: field('total_commands_processed'), pid: field('process_id') };
};

const samples: Sample[] = [];
let sampling = true;
async function sampler() {
  let previous:
    | {
        at: number;
        pids: Map<number, [Group, number]>;
        machine: ReturnType<typeof machineTicks>;
        commands: number;
      }
    | undefined;
  while (sampling) {
    const at = Date.now();
    const activity = (
      await sql.query(
        `SELECT pid, datname = $1 AS ours, state, wait_event_type, wait_event, application_name, left(query, 200) AS query
         FROM pg_stat_activity WHERE backend_type = 'client backend'`,
        [DATABASE],
      )
    ).rows;
    const { commands, pid: redisPid } = await redisInfo();
    const groups: Array<[Group, number[]]> = [
      ['api', pidsOf.api],
      ['workers', pidsOf.workers],
      ['trainers', pidsOf.trainers],
      ['postgres', activity.filter((a) => a.ours).map((a) => a.pid as number)],
      ['redis', [redisPid]],
    ];
    const pids = new Map<number, [Group, number]>();
    for (const [group, list] of groups)
      for (const pid of list) {
        const ticks = cpuTicks(pid);
        if (ticks !== undefined) pids.set(pid, [group, ticks]);
      }
    const machine = machineTicks();
    if (previous) {
      const seconds = (at - previous.at) / 1000;
      const cpu: Record<Group, number> = { api: 0, workers: 0, trainers: 0, postgres: 0, redis: 0 };
      for (const [pid, [group, ticks]] of pids) {
        const before = previous.pids.get(pid)?.[1];
        if (before !== undefined) cpu[group] += ((ticks - before) / TICKS / seconds) * 100;
      }
      const connections: Record<string, number> = {};
      const waits: Record<string, number> = {};
      const lockedOn: Record<string, number> = {};
      for (const a of activity.filter((a) => a.ours && a.application_name !== 'bench:load')) {
        connections[a.state ?? 'unknown'] = (connections[a.state ?? 'unknown'] ?? 0) + 1;
        if (a.state === 'active') {
          const wait = a.wait_event ? `${a.wait_event_type}:${a.wait_event}` : 'CPU';
          waits[wait] = (waits[wait] ?? 0) + 1;
          if (a.wait_event_type === 'Lock') {
            const statement = String(a.query).replace(/\s+/g, ' ').trim().slice(0, 90);
            lockedOn[statement] = (lockedOn[statement] ?? 0) + 1;
          }
        }
      }
      const total = machine.total - previous.machine.total;
      const machineBusy = total > 0 ? (100 * (total - (machine.idle - previous.machine.idle))) / total : 0;
      const ours = Object.values(cpu).reduce((a, b) => a + b, 0);
      samples.push({
        at,
        connections,
        serverConnections: activity.length,
        waits,
        lockedOn,
        redisOps: (commands - previous.commands) / seconds,
        cpu,
        machineBusy,
        others: Math.max(0, machineBusy * availableParallelism() - ours),
        load: loadAverage(),
      });
    }
    previous = { at, pids, machine, commands };
    await sleep(1000 - (Date.now() - at));
  }
}
const sampling$ = sampler();
// a few seconds of what the machine and Redis do without this bench (other sessions share them)
await sleep(3000);
const servicesStart = Date.now();

// --- the service: one API, WORKERS workers
const port = await freePort();
const apiUrl = `http://127.0.0.1:${port}`;
const serviceEnv = {
  ...process.env,
  DATABASE_URL: serviceUrl,
  REDIS_URL: redisUrl,
  QUEUE_PREFIX: prefix,
  HOST: '127.0.0.1',
  PORT: String(port),
  LOG_LEVEL: 'warn',
  MAX_TRIALS: String(PER_SWEEP),
  TFJS_BACKEND: 'cpu',
  WORKER_CONCURRENCY: String(CONCURRENCY),
};

interface Service {
  name: string;
  child: ChildProcess;
  /** Its log lines at warn and above (the last 50), for the report when something fails. */
  logs: string[];
  /** Its log lines at error level and above, and those of them that say Postgres refused a connection. */
  errors: number;
  refused: string[];
  exited: Promise<number | null>;
}
const ERROR_LINE = /"level":(50|60)/;
const REFUSED = /too many clients|remaining connection slots/i;
const services: Service[] = [];
// Whatever way the bench ends (a start-up that throws included), no service or private store outlives it.
process.on('exit', () => {
  for (const s of services) if (s.child.exitCode === null) s.child.kill('SIGKILL');
  stores?.close();
});
function startService(name: string, script: string, env: Record<string, string> = {}): Service {
  const child = spawn(process.execPath, [join(root, script)], {
    env: { ...serviceEnv, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const service: Service = { name, child, logs: [], errors: 0, refused: [], exited };
  for (const stream of [child.stdout!, child.stderr!]) {
    let rest = '';
    stream.on('data', (chunk: Buffer) => {
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop()!;
      for (const line of lines) {
        service.logs.push(line);
        if (service.logs.length > 50) service.logs.shift();
        if (ERROR_LINE.test(line)) service.errors++;
        if (REFUSED.test(line)) service.refused.push(line.slice(0, 400));
      }
    });
  }
  services.push(service);
  return service;
}

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${apiUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? null : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return (text ? JSON.parse(text) : null) as T;
}

const apiService = startService('api', 'services/api/dist/server.js');
pidsOf.api = [apiService.child.pid!];
for (let i = 0; ; i++) {
  const ready = await fetch(`${apiUrl}/ready`).then(
    (res) => res.ok,
    () => false,
  );
  if (ready) break;
  if (i > 600) throw new Error(`the API did not get ready: ${apiService.logs.join('\n')}`);
  await sleep(100);
}

// SWEEPS sweeps of each kind, PER_SWEEP SGD configurations (lr x momentum) each, no pruner, the objective
// reported every epoch.
const optimizers = [
  {
    type: 'SGD',
    lr: Array.from({ length: 100 }, (_, i) => 1e-5 * (1 + i / 100)),
    momentum: Array.from({ length: PER_SWEEP / 100 }, (_, i) => (0.9 * i) / (PER_SWEEP / 100)),
  },
];
const objective = { metric: 'train_loss', mode: 'min' };
const post = async (spec: Record<string, unknown>) =>
  (await api<{ id: string }>('POST', '/v1/sweeps', { ...spec, optimizers, objective })).id;
const externalIds: string[] = [];
const internalIds: string[] = [];
for (let i = 0; i < SWEEPS; i++) {
  externalIds.push(
    await post({
      name: `load: external ${i}`,
      workload: { external: { model: 'load' } },
      training: { epochs: EPOCHS },
    }),
  );
  internalIds.push(
    await post({ name: `load: internal ${i}`, workload: 'rosenbrock', training: { epochs: STEPS } }),
  );
}
log(`sweeps posted: ${SWEEPS} internal and ${SWEEPS} external of ${PER_SWEEP} trials each`);
const workers = Array.from({ length: WORKERS }, (_, i) =>
  startService(`worker ${i}`, 'services/worker/dist/main.js', { WORKER_ID: `load-w${i}` }),
);
pidsOf.workers = workers.map((w) => w.child.pid!);

// --- counters read at the edges of a phase's window
interface Counters {
  at: number;
  internal: number;
  external: number;
  steps: number;
}
async function counters(): Promise<Counters> {
  const { rows } = await sql.query(
    `SELECT
       count(*) FILTER (WHERE sweep_id = ANY($1) AND status NOT IN ('queued', 'running'))::int AS internal,
       count(*) FILTER (WHERE sweep_id = ANY($2) AND status NOT IN ('queued', 'running'))::int AS external,
       (SELECT count(*) FROM step_metrics)::int AS steps
     FROM trials`,
    [internalIds, externalIds],
  );
  return { at: Date.now(), ...rows[0] };
}

// --- external trainers
interface Trainer {
  child: ChildProcess;
  ready: Promise<void>;
  result: Promise<TrainerResult>;
}
function startTrainer(_: unknown, i: number): Trainer {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'tests/bench/load-trainer.ts')], {
    env: {
      ...process.env,
      API_URL: apiUrl,
      SWEEP_ID: externalIds[i % SWEEPS]!,
      STEPS: String(STEPS),
      EPOCHS: String(EPOCHS),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let resolveReady: () => void;
  const ready = new Promise<void>((resolve) => {
    resolveReady = resolve;
  });
  const result = new Promise<TrainerResult>((resolve, reject) => {
    let got: TrainerResult | undefined;
    child.on('message', (message) => {
      if (message === 'ready') resolveReady();
      else got = message as TrainerResult;
    });
    child.on('exit', (code) =>
      got && code === 0
        ? resolve(got)
        : reject(new Error(`a trainer exited ${code}${got ? '' : ' without its result'}`)),
    );
  });
  return { child, ready, result };
}

// --- the phases
interface Phase {
  trainers: number;
  seconds: number;
  internalPerS: number;
  externalPerS: number;
  claimsPerS: number;
  reportsPerS: number;
  latency: Record<CallKind, number[]>;
  stepsPerS: number;
  waits: number;
  samples: Sample[];
}
const phases: Phase[] = [];
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

try {
  // the workers are warm once they have settled a trial each
  for (let i = 0; (await counters()).internal < WORKERS; i++) {
    if (i > 1200) throw new Error('the workers settled no trials in 2 minutes');
    const dead = services.find((s) => s.child.exitCode !== null);
    if (dead) throw new Error(`${dead.name} exited ${dead.child.exitCode}: ${dead.logs.join('\n')}`);
    await sleep(100);
  }
  for (const n of PHASES) {
    const trainers = Array.from({ length: n }, startTrainer);
    pidsOf.trainers = trainers.map((t) => t.child.pid!);
    await Promise.all(trainers.map((t) => t.ready));
    await sleep(WARMUP * 1000);
    const start = await counters();
    await sleep(SECONDS * 1000);
    const end = await counters();
    for (const t of trainers) if (t.child.connected) t.child.send('stop');
    const results = await Promise.all(trainers.map((t) => t.result));
    pidsOf.trainers = [];
    const seconds = (end.at - start.at) / 1000;
    const calls = results.flatMap((r) => r.calls).filter(([, at]) => at >= start.at && at < end.at);
    const latency = { claim: [], report: [], finish: [] } as Record<CallKind, number[]>;
    for (const [kind, , ms] of calls) latency[kind].push(ms);
    for (const r of results) failures.push(...r.errors);
    const phase: Phase = {
      trainers: n,
      seconds,
      internalPerS: (end.internal - start.internal) / seconds,
      externalPerS: (end.external - start.external) / seconds,
      claimsPerS: latency.claim.length / seconds,
      reportsPerS: latency.report.length / seconds,
      latency,
      stepsPerS: (end.steps - start.steps) / seconds,
      waits: results.reduce((sum, r) => sum + r.waits, 0),
      samples: samples.filter((s) => s.at > start.at && s.at <= end.at),
    };
    phases.push(phase);
    log(
      `${n} trainers: ${fmt(phase.internalPerS)} internal + ${fmt(phase.externalPerS)} external trials/s, ${fmt(phase.stepsPerS, 0)} steps/s, load ${loadAverage()}`,
    );
    if (failures.length > 0) break;
    const left = await sql.query(
      `SELECT count(*) FILTER (WHERE sweep_id = ANY($1))::int AS internal, count(*) FILTER (WHERE sweep_id = ANY($2))::int AS external
       FROM trials WHERE status = 'queued'`,
      [internalIds, externalIds],
    );
    if (left.rows[0].internal === 0 || left.rows[0].external === 0)
      throw new Error(`a sweep ran out of queued trials: raise --trials (${JSON.stringify(left.rows[0])})`);
  }
} catch (error) {
  failures.push((error as Error).message);
} finally {
  sampling = false;
  await sampling$;
  // stop: cancel what is left, SIGTERM the workers (they hand their trials back), then the API
  for (const id of [...internalIds, ...externalIds])
    await api('POST', `/v1/sweeps/${id}/cancel`).catch((error) => {
      // a sweep that ran out of trials has completed: that failure is told already
      if (!String(error).includes(': 409 ')) failures.push(String(error));
    });
  for (const w of workers) w.child.kill('SIGTERM');
  await Promise.all(workers.map((w) => w.exited));
  apiService.child.kill('SIGTERM');
  await apiService.exited;
  for (const s of services) if (s.child.exitCode !== 0) failures.push(`${s.name} exited ${s.child.exitCode}`);
}

// --- every completed trial has each of its steps stored exactly once; none failed
const check = (
  await sql.query(
    `SELECT t.sweep_id = ANY($1) AS internal, t.status, count(*)::int AS trials,
       sum(m.rows)::bigint AS rows, sum(m.distinct_steps)::bigint AS distinct_steps,
       count(*) FILTER (WHERE COALESCE(m.distinct_steps, 0) <> $3 OR COALESCE(m.max_step, 0) <> $3)::int AS wrong
     FROM trials t LEFT JOIN LATERAL (
       SELECT count(*) AS rows, count(DISTINCT step) AS distinct_steps, max(step) AS max_step
       FROM step_metrics WHERE trial_id = t.id) m ON true
     WHERE (t.sweep_id = ANY($1) OR t.sweep_id = ANY($2)) AND t.status NOT IN ('queued', 'running', 'cancelled')
     GROUP BY 1, 2`,
    [internalIds, externalIds, STEPS],
  )
).rows;
for (const row of check) {
  const which = row.internal ? 'internal' : 'external';
  if (row.status !== 'completed') failures.push(`${row.trials} ${which} trials ${row.status}`);
  else if (row.wrong > 0 || Number(row.rows) !== row.trials * STEPS)
    failures.push(
      `${which}: ${row.wrong} of ${row.trials} completed trials without exactly steps 1..${STEPS}; ${row.rows} rows stored, ${row.trials * STEPS} expected`,
    );
}
const settled = check
  .filter((r) => r.status === 'completed')
  .map((r) => `${r.trials} ${r.internal ? 'internal' : 'external'}`);
await sql.end();
redis.disconnect();
await dropDatabase(url);
await dropKeyPrefix(redisUrl, prefix);

// --- the report
const ms = (xs: number[]) => (xs.length ? `${fmt(quantile(xs, 0.5))} / ${fmt(quantile(xs, 0.95))}` : '-');
const max = (xs: number[]) => (xs.length ? Math.max(...xs) : 0);
const cpuOf = (p: Phase, group: Group) => mean(p.samples.map((s) => s.cpu[group]));
const connectionsOf = (s: Sample) => Object.values(s.connections).reduce((a, b) => a + b, 0);
/** The `top` keys of a per-sample tally, by their mean count over the phase's samples. */
const topOf = (p: Phase, tally: (s: Sample) => Record<string, number>, top: number, separator = ', ') => {
  const sums: Record<string, number> = {};
  for (const s of p.samples)
    for (const [key, n] of Object.entries(tally(s))) sums[key] = (sums[key] ?? 0) + n;
  return Object.entries(sums)
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, n]) => `${key} ${fmt(n / p.samples.length)}`)
    .join(separator);
};
const topWaits = (p: Phase) => topOf(p, (s) => s.waits, 3);
console.log(
  `\n${WORKERS} workers x ${CONCURRENCY} training threads (cpu backend), one API, ${SWEEPS} internal and ${SWEEPS} external sweep(s) of ${PER_SWEEP} trials, ${STEPS} steps a trial (external: ${EPOCHS} reports), ${SECONDS} s a phase after ${WARMUP} s warm-up; ${availableParallelism()} cores, max_connections ${maxConnections}${args['database-url'] ? `, services through ${args['database-url'].replace(/:[^:@/]*@/, ':***@')}` : ''}; ${new Date().toISOString()}\n`,
);
console.log(
  table(
    [
      'trainers',
      'internal trials/s',
      'external trials/s',
      'claims/s',
      'reports/s',
      'claim p50 / p95 ms',
      'report p50 / p95 ms',
      'finish p50 / p95 ms',
      'step rows/s',
      'pg conns (ours, max; server max)',
      'active backends: top waits (mean)',
      'redis ops/s',
      'CPU % of a core: api / workers / trainers / postgres / redis / others',
      'machine busy %',
      'load (1, 5, 15 min) at the end',
    ],
    phases.map((p) => [
      String(p.trainers),
      fmt(p.internalPerS),
      fmt(p.externalPerS),
      fmt(p.claimsPerS),
      fmt(p.reportsPerS),
      ms(p.latency.claim),
      ms(p.latency.report),
      ms(p.latency.finish),
      fmt(p.stepsPerS, 0),
      `${max(p.samples.map(connectionsOf))}; ${max(p.samples.map((s) => s.serverConnections))}`,
      topWaits(p) || '-',
      fmt(mean(p.samples.map((s) => s.redisOps)), 0),
      [...GROUPS.map((g) => cpuOf(p, g)), mean(p.samples.map((s) => s.others))]
        .map((c) => fmt(c, 0))
        .join(' / '),
      fmt(mean(p.samples.map((s) => s.machineBusy)), 0),
      p.samples.at(-1)?.load ?? loadAverage(),
    ]),
  ),
);
const before = samples.filter((s) => s.at <= servicesStart);
console.log(
  `\nBefore the services started (other sessions on the machine): ${fmt(mean(before.map((s) => s.machineBusy)), 0)}% of the machine busy, Redis ${fmt(mean(before.map((s) => s.redisOps)), 0)} ops/s, ${max(before.map((s) => s.serverConnections))} connections on the Postgres server. Redis ops/s and "others" count the whole server and machine.`,
);
const refused = services.flatMap((s) => s.refused.map((line) => `${s.name}: ${line}`));
console.log(
  `\nService logs: ${services.reduce((n, s) => n + s.errors, 0)} lines at error level; ${refused.length} say Postgres refused a connection${refused.length ? `, the first:\n  ${refused[0]}` : ''}`,
);
console.log(`\n${bottleneck()}`);
console.log(`completed and checked: ${settled.join(', ')} trials`);
if (failures.length > 0) {
  console.error(`\nFAILED:\n${[...new Set(failures)].slice(0, 20).join('\n')}`);
  for (const s of services.filter((s) => s.logs.some((l) => ERROR_LINE.test(l))))
    console.error(
      `\n${s.name}'s last errors:\n${s.logs
        .filter((l) => ERROR_LINE.test(l))
        .slice(-5)
        .join('\n')}`,
    );
  process.exit(1);
}

/** Which resource saturates first, read from the phases: where throughput stops growing, and what is full there. */
function bottleneck(): string {
  if (phases.length === 0) return 'no phase completed';
  const total = (p: Phase) => p.internalPerS + p.externalPerS;
  // the knee: the first phase whose added trainers bring less than 10% more settled trials
  const kneeAt = phases.findIndex((p, i) => i > 0 && total(p) < 1.1 * total(phases[i - 1]!));
  const knee = phases[kneeAt === -1 ? phases.length - 1 : kneeAt]!;
  const cores = availableParallelism();
  const busy = mean(knee.samples.map((s) => s.machineBusy));
  const groups = GROUPS.map((g) => [g, cpuOf(knee, g)] as const).sort((a, b) => b[1] - a[1]);
  const ours = max(knee.samples.map(connectionsOf));
  const server = max(knee.samples.map((s) => s.serverConnections));
  const lines = [
    kneeAt === -1
      ? `Settled trials/s grew at every step up to ${knee.trainers} trainers (${fmt(total(knee))}/s): no knee within these phases.`
      : `The knee: from ${phases[kneeAt - 1]!.trainers} to ${knee.trainers} trainers settled trials/s went ${fmt(total(phases[kneeAt - 1]!))} -> ${fmt(total(knee))}.`,
  ];
  const evidence: string[] = [];
  if (refused.length > 0 || server >= 0.95 * maxConnections)
    evidence.push(
      `Postgres connections: ${server} of max_connections ${maxConnections} in use on the server (${ours} of them this bench's services), ${refused.length} connections refused`,
    );
  if (busy >= 90)
    evidence.push(
      `CPU: the ${cores} cores are ${fmt(busy, 0)}% busy; the largest share of this bench's is ${groups[0]![0]} (${fmt(groups[0]![1], 0)}% of one core), then ${groups[1]![0]} (${fmt(groups[1]![1], 0)}%), other processes ${fmt(mean(knee.samples.map((s) => s.others)), 0)}%; Postgres backends waited on ${topWaits(knee)}`,
    );
  const lockWaiters = mean(knee.samples.map((s) => Object.values(s.lockedOn).reduce((a, b) => a + b, 0)));
  if (lockWaiters >= 1)
    evidence.push(
      `a lock in Postgres: ${fmt(lockWaiters)} backends on average wait on a lock (statements below), of ${fmt(mean(knee.samples.map((s) => s.connections.active ?? 0)))} active`,
    );
  const apiCpu = cpuOf(knee, 'api');
  if (apiCpu >= 85)
    evidence.push(
      `the API's event loop: ${fmt(apiCpu, 0)}% of one core, claim p95 ${fmt(quantile(knee.latency.claim, 0.95))} ms (${fmt(quantile(phases[0]!.latency.claim, 0.95))} ms at ${phases[0]!.trainers} trainers)`,
    );
  const redisCpu = cpuOf(knee, 'redis');
  if (redisCpu >= 85) evidence.push(`Redis: ${fmt(redisCpu, 0)}% of its one core`);
  const locked = topOf(knee, (s) => s.lockedOn, 3, '\n  ');
  if (locked) lines.push(`Statements waiting on a lock there (mean backends):\n  ${locked}`);
  lines.push(
    evidence.length
      ? `Saturated there: ${evidence.join('; ')}.`
      : `Nothing saturated there by these measures (machine ${fmt(busy, 0)}% busy, API ${fmt(apiCpu, 0)}%, Redis ${fmt(redisCpu, 0)}%, ${ours} connections of ${maxConnections}): the limit is elsewhere (latency of one call chain).`,
  );
  return lines.join('\n');
}
