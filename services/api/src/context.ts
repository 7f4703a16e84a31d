import { createPool, createPrismaClient, type PrismaClient } from '@hypersweep/db';
import { createRedis, createTrialQueue, type TrialJobData } from '@hypersweep/queue';
import type { WorkloadInfo } from '@hypersweep/spec';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { ApiConfig } from './config.js';
import { EventHub } from './event-hub.js';
import { workloadInfos } from './workload-info.js';

/** The connections every route shares; closed with the app. */
export interface ApiContext {
  config: ApiConfig;
  prisma: PrismaClient;
  /** node-postgres pool for bulk and aggregate statements. */
  pool: pg.Pool;
  redis: Redis;
  trialQueue: Queue<TrialJobData>;
  /** Live sweep events from Redis, fanned out to SSE clients. */
  events: EventHub;
  workloads: WorkloadInfo[];
  close(): Promise<void>;
}

export function createApiContext(config: ApiConfig): ApiContext {
  const prisma = createPrismaClient(config.databaseUrl);
  const pool = createPool(config.databaseUrl);
  // The API only produces: with Redis down a request should fail at once rather than wait for a reconnect.
  const redis = createRedis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  redis.on('error', () => {}); // reported through /ready, not as unhandled events
  const trialQueue = createTrialQueue(redis, config.queuePrefix);
  trialQueue.on('error', () => {}); // connection trouble shows in /ready and as 503s, not as log spam
  const events = new EventHub(config.redisUrl, config.queuePrefix);
  return {
    config,
    prisma,
    pool,
    redis,
    trialQueue,
    events,
    workloads: workloadInfos(),
    async close() {
      events.close();
      await trialQueue.close();
      redis.disconnect();
      await Promise.allSettled([prisma.$disconnect(), pool.end()]);
    },
  };
}
