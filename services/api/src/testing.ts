import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@hypersweep/db/testing';
import { DEFAULT_REDIS_URL, dropKeyPrefix } from '@hypersweep/queue';
import type { FastifyInstance } from 'fastify';
import { type BuildAppOptions, buildApp } from './app.js';
import { loadApiConfig } from './config.js';

export interface TestApi {
  app: FastifyInstance;
  db: TestDatabase;
  /** The Redis key prefix of this API (QUEUE_PREFIX). */
  prefix: string;
  /** What a worker needs to share this API's database and queue. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * The API (call it with `app.inject`) on a migrated database and a Redis key prefix of its own, for one
 * test file; `close()` drops both.
 */
export async function startTestApi(
  options: { env?: Record<string, string>; logger?: BuildAppOptions['logger'] } = {},
): Promise<TestApi> {
  const db = await createTestDatabase();
  const prefix = `hstest_${randomBytes(5).toString('hex')}`;
  const redisUrl = process.env.REDIS_URL || DEFAULT_REDIS_URL;
  const env = {
    DATABASE_URL: db.url,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: prefix,
    TFJS_BACKEND: 'wasm',
    TRIAL_BACKOFF_MS: '200',
  };
  const app = await buildApp({
    config: loadApiConfig({ ...env, ...options.env }),
    // errors only: a request that fails with a 500 says why in the test's output
    logger: options.logger ?? { level: 'error' },
  });
  return {
    app,
    db,
    prefix,
    env,
    async close() {
      await app.close();
      await dropKeyPrefix(redisUrl, prefix);
      await db.drop();
    },
  };
}
