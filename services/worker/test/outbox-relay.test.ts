import { randomBytes } from 'node:crypto';
import { startOutboxRelay } from '@hypersweep/core';
import { appendOutbox, createOutboxStore, createPool } from '@hypersweep/db';
import { createTestDatabase, type TestDatabase } from '@hypersweep/db/testing';
import {
  createOutboxSink,
  createRedis,
  createTrialQueue,
  DEFAULT_REDIS_URL,
  dropKeyPrefix,
  eventChannel,
  redisReady,
  type TrialJobData,
} from '@hypersweep/queue';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REDIS_URL = process.env.REDIS_URL || DEFAULT_REDIS_URL;
/** Nothing listens here: a Redis that is down. */
const DOWN_URL = 'redis://127.0.0.1:1';

describe('outbox relay (real Postgres and Redis)', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let redis: Redis;
  let listener: Redis;
  let queue: Queue<TrialJobData>;
  const prefix = `hsotest_${randomBytes(5).toString('hex')}`;
  beforeAll(async () => {
    db = await createTestDatabase();
    pool = createPool(db.url);
    redis = createRedis(REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    await redisReady(redis, 10_000);
    listener = createRedis(REDIS_URL);
    queue = createTrialQueue(createRedis(REDIS_URL), prefix);
  });
  afterAll(async () => {
    await queue?.close();
    redis?.disconnect();
    listener?.disconnect();
    await dropKeyPrefix(REDIS_URL, prefix);
    await pool?.end();
    await db?.drop();
  });

  it('sends what a change wrote, in order, and says when its messages are out', async () => {
    const received: unknown[] = [];
    let bothArrived!: () => void;
    const arrived = new Promise<void>((resolve) => {
      bothArrived = resolve;
    });
    await listener.subscribe(eventChannel(prefix, 's1'));
    listener.on('message', (_channel: string, text: string) => {
      received.push(JSON.parse(text).status);
      if (received.length === 2) bothArrived();
    });
    const relay = startOutboxRelay({
      store: createOutboxStore(pool),
      sink: createOutboxSink({ queue, redis, prefix }),
    });
    try {
      const ids = await appendOutbox(pool, [
        { kind: 'enqueue', trials: [{ trialId: 't1', sweepId: 's1' }] },
        { kind: 'event', event: { type: 'sweep', sweepId: 's1', status: 'running' } },
        { kind: 'event', event: { type: 'sweep', sweepId: 's1', status: 'completed' } },
      ]);
      expect(await relay.flush(ids, 10_000)).toBe(true);
      expect(await queue.getJobState('t1')).toBe('waiting');
      expect(await createOutboxStore(pool).pending(ids)).toBe(0);
      // Pub/sub delivery to the listener is asynchronous: wait for both events.
      await arrived;
      expect(received).toEqual(['running', 'completed']);
    } finally {
      await relay.close();
    }
  });

  it('keeps messages while Redis is down, and another relay sends them once one can', async () => {
    const down = createRedis(DOWN_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    down.on('error', () => {});
    const downQueue = createTrialQueue(createRedis(DOWN_URL, { lazyConnect: true }), prefix);
    downQueue.on('error', () => {});
    const errors: unknown[] = [];
    const stranded = startOutboxRelay({
      store: createOutboxStore(pool),
      sink: createOutboxSink({ queue: downQueue, redis: down, prefix, timeoutMs: 500 }),
      onError: (error) => errors.push(error),
    });
    const ids = await appendOutbox(pool, [{ kind: 'enqueue', trials: [{ trialId: 't2', sweepId: 's2' }] }]);
    try {
      // The answer a client gets: stored, not yet enqueued; nothing is lost or undone.
      expect(await stranded.flush(ids, 1_500)).toBe(false);
      expect(errors.length).toBeGreaterThan(0);
      expect(await createOutboxStore(pool).pending(ids)).toBe(1);
    } finally {
      await stranded.close();
      down.disconnect();
      await downQueue.close().catch(() => {});
    }
    const relay = startOutboxRelay({
      store: createOutboxStore(pool),
      sink: createOutboxSink({ queue, redis, prefix }),
    });
    try {
      expect(await relay.flush(ids, 10_000)).toBe(true);
      expect(await queue.getJobState('t2')).toBe('waiting');
    } finally {
      await relay.close();
    }
  });
});
