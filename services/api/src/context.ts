import { createPool, createPrismaClient, type PrismaClient } from '@hypersweep/db';
import { createRedis, createTrialQueue, type TrialJobData } from '@hypersweep/queue';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { ApiConfig } from './config.js';

/** The connections every route shares; closed with the app. */
export interface ApiContext {
  config: ApiConfig;
  prisma: PrismaClient;
  /** node-postgres pool for bulk and aggregate statements. */
  pool: pg.Pool;
  redis: Redis;
  trialQueue: Queue<TrialJobData>;
  close(): Promise<void>;
}

export function createApiContext(config: ApiConfig): ApiContext {
  const prisma = createPrismaClient(config.databaseUrl);
  const pool = createPool(config.databaseUrl);
  const redis = createRedis(config.redisUrl);
  redis.on('error', () => {}); // reported through /ready, not as unhandled events
  const trialQueue = createTrialQueue(redis, config.queuePrefix);
  return {
    config,
    prisma,
    pool,
    redis,
    trialQueue,
    async close() {
      await trialQueue.close();
      redis.disconnect();
      await Promise.allSettled([prisma.$disconnect(), pool.end()]);
    },
  };
}
