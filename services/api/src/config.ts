import { databaseUrlFromEnv } from '@hypersweep/db';
import { positiveIntegerFromEnv, queuePrefixFromEnv, redisUrlFromEnv } from '@hypersweep/queue';

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
  };
}
