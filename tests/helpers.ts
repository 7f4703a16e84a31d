import { startTestApi } from '@hypersweep/api/testing';
import type { TestDatabase } from '@hypersweep/db/testing';
import { DEFAULT_REDIS_URL } from '@hypersweep/queue';
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
  close(): Promise<void>;
}

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
  return {
    ...api,
    workers,
    startWorker,
    async close() {
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
