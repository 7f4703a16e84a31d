import { databaseUrlFromEnv } from '@hypersweep/db';
import {
  nonNegativeIntegerFromEnv,
  positiveIntegerFromEnv,
  queuePrefixFromEnv,
  redisUrlFromEnv,
} from '@hypersweep/queue';

/**
 * The limits every project gets (env), each overridable per project by a global admin
 * (PUT /v1/projects/:name/limits, stored in projects.limits).
 */
export interface ProjectLimits {
  /** Requests per second per key (RATE_LIMIT_PER_SECOND), shared by every API process through Redis. */
  requestsPerSecond: number;
  /** Queued plus running trials of the project's sweeps (PROJECT_MAX_ACTIVE_TRIALS). */
  activeTrials: number;
  /** Bytes of the project's uploaded datasets together (PROJECT_MAX_DATASET_BYTES). */
  datasetBytes: number;
  /** Event streams (GET /v1/sweeps/:id/events) one key holds open at once (MAX_EVENT_STREAMS_PER_KEY). */
  eventStreams: number;
}

/** The env variable that sets each limit: what a 429 names. */
export const LIMIT_ENV: Record<keyof ProjectLimits, string> = {
  requestsPerSecond: 'RATE_LIMIT_PER_SECOND',
  activeTrials: 'PROJECT_MAX_ACTIVE_TRIALS',
  datasetBytes: 'PROJECT_MAX_DATASET_BYTES',
  eventStreams: 'MAX_EVENT_STREAMS_PER_KEY',
};

export interface ApiConfig {
  host: string;
  port: number;
  databaseUrl: string;
  redisUrl: string;
  /** Prefix of every Redis key (BullMQ queues, event channels). */
  queuePrefix: string;
  /** Global admin keys; with any key (these, or stored ones) every route but health needs one. */
  apiKeys: string[];
  /** The default limits of every project (see ProjectLimits). */
  limits: ProjectLimits;
  /** Origins allowed to call the API from a browser (CORS_ORIGINS, comma-separated); none: CORS off. */
  corsOrigins: string[];
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
    limits: {
      requestsPerSecond: positiveIntegerFromEnv(env, LIMIT_ENV.requestsPerSecond, 100),
      activeTrials: positiveIntegerFromEnv(env, LIMIT_ENV.activeTrials, 100_000),
      datasetBytes: positiveIntegerFromEnv(env, LIMIT_ENV.datasetBytes, 10 * 1024 * 1024 * 1024),
      eventStreams: positiveIntegerFromEnv(env, LIMIT_ENV.eventStreams, 20),
    },
    corsOrigins: (env.CORS_ORIGINS ?? '')
      .split(',')
      .map((origin) => origin.trim())
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
