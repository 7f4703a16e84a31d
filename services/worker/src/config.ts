import { availableParallelism, hostname, tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { databaseUrlFromEnv } from '@hypersweep/db';
import {
  nonNegativeIntegerFromEnv,
  positiveIntegerFromEnv,
  queuePrefixFromEnv,
  redisUrlFromEnv,
} from '@hypersweep/queue';
import { backendNames } from '@hypersweep/trainer';

export interface WorkerConfig {
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  /** Trials trained at once by this process (WORKER_CONCURRENCY, default: one per CPU core). */
  concurrency: number;
  workerId: string;
  /** auto | node-gpu | webgpu | node | wasm | cpu (TFJS_BACKEND). */
  backend: string;
  /** Steps between checkpoints written to Postgres (CHECKPOINT_EVERY). */
  checkpointEvery: number;
  /** BullMQ lock duration: a worker that dies loses its trial to another worker after this long (WORKER_LOCK_MS). */
  lockDurationMs: number;
  /** How often the reconciler re-enqueues lost jobs and hands back abandoned trials (RECONCILE_EVERY_MS). */
  reconcileEveryMs: number;
  /** A running trial whose worker has not heart-beaten for this long is handed back (TRIAL_LEASE_MS). */
  trialLeaseMs: number;
  /**
   * A trial taken over from a worker that vanished (crashed, killed, lost its lock) more than this many
   * times fails instead of being taken over again (TRIAL_MAX_LOST, default 5).
   */
  maxLost: number;
  /**
   * The most trials a training thread trains as one batched program (WORKER_PACK_SIZE): a number, or
   * 'auto' (the default): AUTO_PACK_SIZE where the backend packs by default (node-gpu, webgpu), else 1.
   */
  packSize: number | 'auto';
  /** How long a trial that can pack waits for others like it before training (WORKER_PACK_WAIT_MS). */
  packWaitMs: number;
  /** Where uploaded datasets are cached on this machine, one file per sha256 (DATASET_CACHE_DIR). */
  datasetCacheDir: string;
  /** Bytes the dataset cache keeps before it removes the least recently used files (DATASET_CACHE_MAX_BYTES). */
  datasetCacheMaxBytes: number;
  /**
   * The longest a SIGTERM'd worker takes to hand its trials back (WORKER_SHUTDOWN_MS, default 30 s): past it
   * the process exits anyway (code 1) and its trials are taken over when their lease runs out. A
   * Kubernetes terminationGracePeriodSeconds or compose stop_grace_period must be longer.
   */
  shutdownMs: number;
  logLevel: string;
}

/** Pack size of WORKER_PACK_SIZE=auto on a backend that packs by default (packedByDefault). */
export const AUTO_PACK_SIZE = 4;

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
    maxLost: nonNegativeIntegerFromEnv(env, 'TRIAL_MAX_LOST', 5),
    packSize: packSizeFromEnv(env),
    packWaitMs: nonNegativeIntegerFromEnv(env, 'WORKER_PACK_WAIT_MS', 200),
    datasetCacheDir: datasetCacheDirFromEnv(env),
    datasetCacheMaxBytes: positiveIntegerFromEnv(env, 'DATASET_CACHE_MAX_BYTES', 10 * 1024 ** 3),
    shutdownMs: positiveIntegerFromEnv(env, 'WORKER_SHUTDOWN_MS', 30_000),
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

/** WORKER_PACK_SIZE: auto (also when unset) or a positive integer. */
function packSizeFromEnv(env: NodeJS.ProcessEnv): number | 'auto' {
  const raw = env.WORKER_PACK_SIZE;
  if (raw === undefined || raw === '' || raw === 'auto') return 'auto';
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`WORKER_PACK_SIZE must be auto or a positive integer, got "${raw}"`);
  return value;
}

/** DATASET_CACHE_DIR: an absolute path; default hypersweep-datasets under the OS temporary folder. */
function datasetCacheDirFromEnv(env: NodeJS.ProcessEnv): string {
  const raw = env.DATASET_CACHE_DIR;
  if (raw === undefined || raw === '') return join(tmpdir(), 'hypersweep-datasets');
  if (!isAbsolute(raw)) throw new Error(`DATASET_CACHE_DIR must be an absolute path, got "${raw}"`);
  return raw;
}
