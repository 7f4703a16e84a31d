import { databaseUrlFromEnv } from '@hypersweep/db';
import {
  nonNegativeIntegerFromEnv,
  positiveIntegerFromEnv,
  queuePrefixFromEnv,
  redisUrlFromEnv,
} from '@hypersweep/queue';

export interface ApiConfig {
  host: string;
  port: number;
  databaseUrl: string;
  redisUrl: string;
  /** Prefix of every Redis key (BullMQ queues, event channels). */
  queuePrefix: string;
  /** When non-empty, mutating routes need `Authorization: Bearer <key>`. */
  apiKeys: string[];
  bodyLimit: number;
  maxTrials: number;
  /** The largest dataset upload, in bytes (for NPZ also what its members inflate to in all). */
  datasetMaxBytes: number;
  logLevel: string;
  /** An external trial's lease: a trainer that neither reports nor claims for this long loses it (EXTERNAL_LEASE_MS). */
  externalLeaseMs: number;
  /** A trial lost more than this many times fails instead of being claimed again (TRIAL_MAX_LOST, as the worker's). */
  maxLost: number;
  /** A trial finished `failed` before its last attempt is queued again (TRIAL_ATTEMPTS, as the queue's). */
  trialAttempts: number;
}

export function loadApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  return {
    host: env.HOST || '0.0.0.0',
    port: positiveIntegerFromEnv(env, 'PORT', 3000),
    databaseUrl: databaseUrlFromEnv(env),
    redisUrl: redisUrlFromEnv(env),
    queuePrefix: queuePrefixFromEnv(env),
    apiKeys: (env.API_KEYS ?? '')
      .split(',')
      .map((key) => key.trim())
      .filter(Boolean),
    bodyLimit: positiveIntegerFromEnv(env, 'BODY_LIMIT', 1024 * 1024),
    maxTrials: positiveIntegerFromEnv(env, 'MAX_TRIALS', 10_000),
    datasetMaxBytes: positiveIntegerFromEnv(env, 'DATASET_MAX_BYTES', 1024 * 1024 * 1024),
    logLevel: env.LOG_LEVEL || 'info',
    externalLeaseMs: positiveIntegerFromEnv(env, 'EXTERNAL_LEASE_MS', 60_000),
    maxLost: nonNegativeIntegerFromEnv(env, 'TRIAL_MAX_LOST', 5),
    trialAttempts: positiveIntegerFromEnv(env, 'TRIAL_ATTEMPTS', 3),
  };
}
