import { availableParallelism, hostname } from 'node:os';
import { databaseUrlFromEnv } from '@hypersweep/db';
import { queuePrefixFromEnv, redisUrlFromEnv } from '@hypersweep/queue';

export interface WorkerConfig {
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  /** Trials trained at once by this process (WORKER_CONCURRENCY, default: one per CPU core). */
  concurrency: number;
  workerId: string;
  /** auto | node-gpu | node | wasm | cpu (TFJS_BACKEND). */
  backend: string;
  /** Steps between checkpoints written to Postgres (CHECKPOINT_EVERY). */
  checkpointEvery: number;
  /** BullMQ lock duration: a worker that dies loses its trial to another worker after this long (WORKER_LOCK_MS). */
  lockDurationMs: number;
  logLevel: string;
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  return {
    databaseUrl: databaseUrlFromEnv(env),
    redisUrl: redisUrlFromEnv(env),
    queuePrefix: queuePrefixFromEnv(env),
    concurrency: positiveInteger(env, 'WORKER_CONCURRENCY', availableParallelism()),
    workerId: env.WORKER_ID || `${hostname()}-${process.pid}`,
    backend: env.TFJS_BACKEND || 'auto',
    checkpointEvery: positiveInteger(env, 'CHECKPOINT_EVERY', 200),
    lockDurationMs: positiveInteger(env, 'WORKER_LOCK_MS', 30_000),
    logLevel: env.LOG_LEVEL || 'info',
  };
}
