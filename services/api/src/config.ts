import { databaseUrlFromEnv } from '@hypersweep/db';
import { queuePrefixFromEnv, redisUrlFromEnv } from '@hypersweep/queue';

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
  logLevel: string;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

export function loadApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  return {
    host: env.HOST || '0.0.0.0',
    port: integer(env, 'PORT', 3000),
    databaseUrl: databaseUrlFromEnv(env),
    redisUrl: redisUrlFromEnv(env),
    queuePrefix: queuePrefixFromEnv(env),
    apiKeys: (env.API_KEYS ?? '')
      .split(',')
      .map((key) => key.trim())
      .filter(Boolean),
    bodyLimit: integer(env, 'BODY_LIMIT', 1024 * 1024),
    maxTrials: integer(env, 'MAX_TRIALS', 10_000),
    logLevel: env.LOG_LEVEL || 'info',
  };
}
