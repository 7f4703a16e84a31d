import {
  type ExternalTrialOperations,
  externalTrialOperations,
  type OutboxRelay,
  type SweepPorts,
  startOutboxRelay,
} from '@hypersweep/core';
import {
  type AccessStore,
  createAccessStore,
  createDatasetStore,
  createExternalTrialStore,
  createOutboxStore,
  createPool,
  createSweepStore,
  type DatasetStore,
  findSweep,
  findTrial,
  type SweepRow,
  settleOrLeave,
  sweepSettler,
  type TrialRow,
} from '@hypersweep/db';
import {
  createOutboxSink,
  createRedis,
  createTrialQueue,
  publishEvent,
  type TrialJobData,
} from '@hypersweep/queue';
import type { WorkloadInfo } from '@hypersweep/spec';
import type { Queue } from 'bullmq';
import type { FastifyBaseLogger } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { ApiConfig } from './config.js';
import { notFound } from './errors.js';
import { EventHub } from './event-hub.js';
import { workloadInfos } from './workload-info.js';

const DELIVERY_MS = 3_000;
/** Dataset uploads that stream into Postgres at once; more wait for a connection (their bodies held back by TCP). */
const UPLOAD_CONNECTIONS = 4;

/** The connections every route shares; closed with the app. */
export interface ApiContext {
  config: ApiConfig;
  /** node-postgres pool: every statement goes through the stores of @hypersweep/db. */
  pool: pg.Pool;
  redis: Redis;
  trialQueue: Queue<TrialJobData>;
  /** Live sweep events from Redis, fanned out to SSE clients. */
  events: EventHub;
  /** Sends the outbox (the jobs and events every change of state wrote) to Redis. */
  relay: OutboxRelay;
  /** What @hypersweep/core's sweep operations run against. */
  sweeps: SweepPorts;
  workloads: WorkloadInfo[];
  /** Uploaded datasets (routes/datasets). */
  datasets: DatasetStore;
  /** Trials of external sweeps: claim, report, finish, hand back (routes/external). */
  external: ExternalTrialOperations;
  /** API keys, projects and the audit log (plugins/auth.ts, routes/keys). */
  access: AccessStore;
  close(): Promise<void>;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The shared connections (see ApiContext), decorated by the `hypersweep-context` plugin. */
    hypersweep: ApiContext;
  }
}

export function createApiContext(config: ApiConfig, log?: FastifyBaseLogger): ApiContext {
  // A Postgres restart ends every pooled connection: logged, and the pool opens new ones when it is back.
  const pool = createPool(config.databaseUrl, {
    onError: (error) => log?.warn({ err: error }, 'Postgres connection lost; the pool reconnects'),
  });
  // Uploads hold a connection for as long as their body streams: a few of their own, waited for in turn.
  const uploadPool = createPool(config.databaseUrl, {
    max: UPLOAD_CONNECTIONS,
    connectionTimeoutMillis: 0,
    onError: (error) => log?.warn({ err: error }, 'Postgres connection lost (uploads); the pool reconnects'),
  });
  // The API only produces: with Redis down a request should fail at once rather than wait for a reconnect.
  const redis = createRedis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  redis.on('error', () => {}); // reported through /ready, not as unhandled events
  const trialQueue = createTrialQueue(redis, config.queuePrefix);
  trialQueue.on('error', () => {}); // connection trouble shows in /ready, not as log spam
  const events = new EventHub(config.redisUrl, config.queuePrefix);
  const relay = startOutboxRelay({
    store: createOutboxStore(pool),
    sink: createOutboxSink({ queue: trialQueue, redis, prefix: config.queuePrefix }),
    onError: (error) => log?.debug({ err: error }, 'outbox relay: Redis or Postgres unavailable; retrying'),
  });
  const workloads = workloadInfos();
  const noLog = { warn: () => {} };
  const external = externalTrialOperations({
    store: createExternalTrialStore(pool, config.externalLeaseMs),
    relay,
    settle: settleOrLeave(sweepSettler({ pool, workloads, relay, log: log ?? noLog }), log ?? noLog),
    // Live events must never hold a report up: with Redis down they are dropped.
    publishLive: (event) => {
      publishEvent(redis, config.queuePrefix, event).catch(() => {});
    },
    maxLost: config.maxLost,
    maxAttempts: config.trialAttempts,
  });
  const leaseWatch = watchExternalLeases(external, config.externalLeaseMs, log);
  return {
    config,
    pool,
    redis,
    trialQueue,
    events,
    relay,
    // An answer waits this long for its jobs and events to reach Redis, then says whether they did.
    sweeps: { store: createSweepStore(pool), relay, deliveryMs: DELIVERY_MS },
    workloads,
    datasets: createDatasetStore(pool, { uploadPool }),
    external,
    access: createAccessStore(pool),
    async close() {
      await leaseWatch.close();
      events.close();
      await relay.close();
      await trialQueue.close().catch(() => {});
      redis.disconnect();
      await uploadPool.end();
      await pool.end();
    },
  };
}

/**
 * Every lease (at most every 10 s), ends the running external trials of cancelled sweeps whose trainer is
 * gone (core external-trials.ts cancelAbandoned). Any number of API processes may run it: each trial ends
 * once. One pass at a time; a failed pass (Postgres away) is retried at the next tick.
 */
function watchExternalLeases(
  external: ExternalTrialOperations,
  leaseMs: number,
  log: FastifyBaseLogger | undefined,
): { close(): Promise<void> } {
  let pass: Promise<unknown> = Promise.resolve();
  let running = false;
  const timer = setInterval(
    () => {
      if (running) return;
      running = true;
      pass = external
        .cancelAbandoned()
        .catch((error) => log?.debug({ err: error }, 'external lease watch: Postgres unavailable; retrying'))
        .finally(() => {
          running = false;
        });
    },
    Math.min(leaseMs, 10_000),
  );
  timer.unref();
  return {
    async close() {
      clearInterval(timer);
      await pass;
    },
  };
}

/** Decorates the app with the context (`app.hypersweep`), for every route plugin registered after it. */
export const contextPlugin = fp<{ context: ApiContext }>(
  async (app, { context }) => {
    app.decorate('hypersweep', context);
  },
  { name: 'hypersweep-context', fastify: '5.x' },
);

/** The sweep named by a path's `:id`, or a 404 pointing at /params/id. */
export async function sweepOr404(context: ApiContext, id: string): Promise<SweepRow> {
  const sweep = await findSweep(context.pool, id);
  if (!sweep) throw notFound('sweep', id);
  return sweep;
}

/** The trial named by a path's `:id`, or a 404 pointing at /params/id. */
export async function trialOr404(context: ApiContext, id: string): Promise<TrialRow> {
  const trial = await findTrial(context.pool, id);
  if (!trial) throw notFound('trial', id);
  return trial;
}
