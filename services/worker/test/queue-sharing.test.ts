import { randomBytes, randomUUID } from 'node:crypto';
import { createPool, insertSweep } from '@hypersweep/db';
import { createTestDatabase, type TestDatabase } from '@hypersweep/db/testing';
import {
  createRedis,
  createTrialQueue,
  DEFAULT_REDIS_URL,
  dropKeyPrefix,
  enqueueTrials,
  type TrialJobData,
} from '@hypersweep/queue';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foreignJobs, sharingWarning } from '../src/queue-sharing.js';

const REDIS_URL = process.env.REDIS_URL || DEFAULT_REDIS_URL;

describe('a queue shared with another deployment (real Postgres and Redis)', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let redis: Redis;
  let queue: Queue<TrialJobData>;
  const prefix = `hsqtest_${randomBytes(5).toString('hex')}`;
  beforeAll(async () => {
    db = await createTestDatabase();
    pool = createPool(db.url);
    redis = createRedis(REDIS_URL);
    queue = createTrialQueue(redis, prefix);
  });
  afterAll(async () => {
    await queue?.close();
    redis?.disconnect();
    await dropKeyPrefix(REDIS_URL, prefix);
    await pool?.end();
    await db?.drop();
  });

  it('is noticed from the jobs of trials this database does not have, and only from those', async () => {
    expect(await foreignJobs(queue, pool)).toEqual({ sampled: 0, unknown: 0 });
    const config = {
      workload: { name: 'rosenbrock' },
      training: { epochs: 1, batchSize: 1 },
      optimizer: { type: 'SGD', options: { lr: 0.1 } },
      scheduler: null,
      seed: 0,
    };
    const { sweepId, trialIds } = await insertSweep(pool, {
      name: 'ours',
      spec: {},
      objective: { metric: 'train_loss', mode: 'min' },
      pruner: null,
      search: null,
      trialCount: 2,
      seeds: 1,
      trials: [0, 1].map((seed) => ({ config: { ...config, seed }, configHash: `h${seed}` })),
    });
    await enqueueTrials(
      queue,
      trialIds.map((trialId) => ({ trialId, sweepId })),
    );
    const ours = await foreignJobs(queue, pool);
    expect(ours).toEqual({ sampled: 2, unknown: 0 });
    expect(sharingWarning(prefix, ours)).toBeNull();
    // a neighbour's job: a trial of another database
    await enqueueTrials(queue, [{ trialId: randomUUID(), sweepId: randomUUID() }]);
    const shared = await foreignJobs(queue, pool);
    expect(shared).toEqual({ sampled: 3, unknown: 1 });
    expect(sharingWarning(prefix, shared)).toMatch(
      new RegExp(
        `^1 of the 3 waiting jobs looked at in the queue "${prefix}" belong to trials .* own QUEUE_PREFIX`,
      ),
    );
  });
});
