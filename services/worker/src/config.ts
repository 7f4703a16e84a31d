import { availableParallelism, hostname } from 'node:os';
import { databaseUrlFromEnv } from '@hypersweep/db';
import { positiveIntegerFromEnv, queuePrefixFromEnv, redisUrlFromEnv } from '@hypersweep/queue';
import { backendNames } from '@hypersweep/trainer';

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
  /** How often the reconciler re-enqueues lost jobs and hands back abandoned trials (RECONCILE_EVERY_MS). */
  reconcileEveryMs: number;
  /** A running trial whose worker has not heart-beaten for this long is handed back (TRIAL_LEASE_MS). */
  trialLeaseMs: number;
  logLevel: string;
}

export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  return {
    databaseUrl: databaseUrlFromEnv(env),
    redisUrl: redisUrlFromEnv(env),
    queuePrefix: queuePrefixFromEnv(env),
    concurrency: positiveIntegerFromEnv(env, 'WORKER_CONCURRENCY', availableParallelism()),
    workerId: env.WORKER_ID || `${hostname()}-${process.pid}`,
    backend: backendFromEnv(env),
    checkpointEvery: positiveIntegerFromEnv(env, 'CHECKPOINT_EVERY', 200),
    lockDurationMs: positiveIntegerFromEnv(env, 'WORKER_LOCK_MS', 30_000),
    reconcileEveryMs: positiveIntegerFromEnv(env, 'RECONCILE_EVERY_MS', 10_000),
    trialLeaseMs: positiveIntegerFromEnv(env, 'TRIAL_LEASE_MS', 60_000),
    logLevel: env.LOG_LEVEL || 'info',
  };
}

/** TFJS_BACKEND checked at start-up, so a typo stops the worker instead of failing every trial it takes. */
function backendFromEnv(env: NodeJS.ProcessEnv): string {
  const backend = env.TFJS_BACKEND || 'auto';
  const valid = ['auto', ...backendNames];
  if (!valid.includes(backend))
    throw new Error(`TFJS_BACKEND must be one of ${valid.join(', ')}, got "${backend}"`);
  return backend;
}
