import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestApi } from '@hypersweep/api/testing';
import type { TestDatabase } from '@hypersweep/db/testing';
import { createRedis, createTrialQueue, DEFAULT_REDIS_URL } from '@hypersweep/queue';
import { endedSweepStatuses } from '@hypersweep/spec';
import { loadWorkerConfig, type RunningWorker, startTrialWorker } from '@hypersweep/worker';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';

export const REDIS_URL = process.env.REDIS_URL || DEFAULT_REDIS_URL;

export interface Stack {
  app: FastifyInstance;
  db: TestDatabase;
  prefix: string;
  env: Record<string, string>;
  workers: RunningWorker[];
  startWorker(overrides?: Record<string, string>): Promise<RunningWorker>;
  /**
   * A real worker process (services/worker/dist/main.js, what `npm run start:worker` runs) on the stack's
   * stores; with `logs`, its JSON log lines are parsed into it. `close` kills the ones still running.
   */
  spawnWorker(env: Record<string, string>, logs?: Array<Record<string, unknown>>): ChildProcess;
  close(): Promise<void>;
}

const WORKER_MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'services/worker/dist/main.js');

/** The API (in-process, via inject) and optional in-process workers on a database and key prefix of their own. */
export async function startStack(
  options: { workers?: number; apiEnv?: Record<string, string> } = {},
): Promise<Stack> {
  const api = await startTestApi(options.apiEnv ? { env: options.apiEnv } : {});
  const workers: RunningWorker[] = [];
  const startWorker = async (overrides: Record<string, string> = {}) => {
    const config = loadWorkerConfig({
      ...api.env,
      WORKER_CONCURRENCY: '2',
      LOG_LEVEL: 'silent',
      ...overrides,
    });
    const worker = await startTrialWorker(config, pino({ level: 'silent' }));
    workers.push(worker);
    return worker;
  };
  for (let i = 0; i < (options.workers ?? 0); i++) await startWorker({ WORKER_ID: `w${i}` });
  const children: ChildProcess[] = [];
  const spawnWorker = (env: Record<string, string>, logs?: Array<Record<string, unknown>>) => {
    const child = spawn(process.execPath, [WORKER_MAIN], {
      env: { ...process.env, ...api.env, ...env },
      stdio: ['ignore', logs ? 'pipe' : 'inherit', 'inherit'],
    });
    let rest = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop()!;
      for (const line of lines) if (line.startsWith('{')) logs!.push(JSON.parse(line));
    });
    children.push(child);
    return child;
  };
  return {
    ...api,
    workers,
    startWorker,
    spawnWorker,
    async close() {
      for (const child of children) child.kill('SIGKILL');
      await Promise.allSettled(workers.map((w) => w.close()));
      await api.close();
    },
  };
}

/** Polls until `check` returns a value (not undefined) or the time runs out. */
export async function waitFor<T>(
  check: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Every trial of a sweep in index order (the leaderboard lists them best first), as the test reads rows. */
export async function trialsByIndex<T extends { index: number }>(
  stack: Pick<Stack, 'app'>,
  sweepId: string,
): Promise<T[]> {
  const board = (await stack.app.inject(`/v1/sweeps/${sweepId}/trials?limit=500`)).json() as { items: T[] };
  return [...board.items].sort((a, b) => a.index - b.index);
}

export async function waitForSweep(app: FastifyInstance, id: string, statuses: string[], timeoutMs = 90_000) {
  return waitFor(
    async () => {
      const body = (await app.inject(`/v1/sweeps/${id}`)).json();
      return statuses.includes(body.status) ? body : undefined;
    },
    `sweep ${id} to be ${statuses.join(' or ')}`,
    timeoutMs,
  );
}

const ENDED: ReadonlySet<string> = new Set(endedSweepStatuses);

/**
 * Waits until the sweep has ended and none of its trials is queued or running: a cancelled sweep is
 * `cancelled` at once, but its running trials stop at their next step, on their workers' time.
 */
export function waitForSweepToEnd(
  app: FastifyInstance,
  id: string,
  timeoutMs?: number,
  headers: Record<string, string> = {},
) {
  return waitFor(
    async () => {
      const body = (await app.inject({ url: `/v1/sweeps/${id}`, headers })).json();
      return ENDED.has(body.status) && body.counts.queued === 0 && body.counts.running === 0
        ? body
        : undefined;
    },
    `sweep ${id} to end with no trial queued or running`,
    timeoutMs,
  );
}

/** Waits until no job of the stack's trial queue waits, is delayed or is held by a worker. */
export async function waitForIdleQueue(stack: Pick<Stack, 'prefix'>, timeoutMs?: number): Promise<void> {
  const connection = createRedis(REDIS_URL);
  const queue = createTrialQueue(connection, stack.prefix);
  try {
    await waitFor(
      async () => {
        const counts = await queue.getJobCounts(
          'waiting',
          'active',
          'delayed',
          'prioritized',
          'waiting-children',
        );
        return Object.values(counts).every((n) => n === 0) ? true : undefined;
      },
      'the trial queue to be idle',
      timeoutMs,
    );
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

/**
 * Ends and deletes every sweep of the stack, so the next test starts on an empty database with idle
 * workers instead of behind this one's backlog: live sweeps are cancelled, then it waits until none of
 * their trials is queued or running and no job is left in the queue, then deletes them all. `headers`:
 * the Authorization of a stack that runs with API_KEYS.
 */
export async function clearSweeps(stack: Stack, headers: Record<string, string> = {}): Promise<void> {
  const sweeps: Array<{ id: string; status: string }> = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const page = (await stack.app.inject({ url: `/v1/sweeps?limit=200${query}`, headers })).json();
    sweeps.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  for (const sweep of sweeps.filter((s) => !ENDED.has(s.status))) {
    const cancel = await stack.app.inject({ method: 'POST', url: `/v1/sweeps/${sweep.id}/cancel`, headers });
    // 409: it completed since it was listed
    if (cancel.statusCode !== 202 && cancel.statusCode !== 409) throw new Error(`cancel: ${cancel.body}`);
  }
  for (const sweep of sweeps) await waitForSweepToEnd(stack.app, sweep.id, undefined, headers);
  await waitForIdleQueue(stack);
  for (const sweep of sweeps) {
    const deleted = await stack.app.inject({ method: 'DELETE', url: `/v1/sweeps/${sweep.id}`, headers });
    if (deleted.statusCode !== 204) throw new Error(`delete: ${deleted.body}`);
  }
}
