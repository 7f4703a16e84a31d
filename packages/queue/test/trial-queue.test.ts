import { randomBytes, randomUUID } from 'node:crypto';
import { type Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_REDIS_URL } from '../src/config.js';
import { createRedis, dropKeyPrefix } from '../src/connection.js';
import {
  createTrialQueue,
  enqueueTrials,
  ensureTrialJobs,
  removeQueuedJobs,
  TRIAL_QUEUE_NAME,
  type TrialJobData,
  trialJobOptions,
} from '../src/trial-queue.js';

const REDIS_URL = process.env.REDIS_URL || DEFAULT_REDIS_URL;
const trial = (): TrialJobData => ({ trialId: randomUUID(), sweepId: 's' });

describe('trial queue (real Redis, a key prefix of its own)', () => {
  const prefix = `hsqtest_${randomBytes(5).toString('hex')}`;
  let redis: Redis;
  let queue: Queue<TrialJobData>;
  beforeAll(async () => {
    redis = createRedis(REDIS_URL);
    queue = createTrialQueue(redis, prefix);
    await queue.waitUntilReady();
  });
  afterAll(async () => {
    await queue?.close();
    redis?.disconnect();
    await dropKeyPrefix(REDIS_URL, prefix);
  });

  it('enqueues one job per trial, job id = trial id, so enqueueing twice adds nothing', async () => {
    const trials = [trial(), trial(), trial()];
    await enqueueTrials(queue, trials, 2);
    await enqueueTrials(queue, trials, 2);
    const jobs = await queue.getJobs(['waiting']);
    expect(jobs.map((job) => job.id).sort()).toEqual(trials.map((t) => t.trialId).sort());
    expect(jobs[0]!.opts.attempts).toBe(3);
    await queue.obliterate({ force: true });
  });

  it('keeps the trials in order across chunks sent without waiting for each other, at most inFlight at once', async () => {
    const trials = Array.from({ length: 23 }, () => trial());
    await enqueueTrials(queue, trials, 3, 2);
    // getJobs lists the wait list newest first: reversed, it is the order the worker takes them in.
    const jobs = (await queue.getJobs(['waiting'], 0, -1)).reverse();
    expect(jobs.map((job) => job.id)).toEqual(trials.map((t) => t.trialId));
    await queue.obliterate({ force: true });
  });

  it("removes a cancelled sweep's queued jobs in batches, keeping the others in order and a locked job", async () => {
    const a = Array.from({ length: 2500 }, () => ({ trialId: randomUUID(), sweepId: 'a' }));
    const b = Array.from({ length: 70 }, () => ({ trialId: randomUUID(), sweepId: 'b' }));
    const mixed = a
      .flatMap((t, i) => (i % 40 === 0 ? [b[i / 40]!, t] : [t]))
      .concat(b.slice(Math.ceil(a.length / 40)));
    await enqueueTrials(queue, mixed);
    const prioritized = { trialId: randomUUID(), sweepId: 'a' };
    const delayed = { trialId: randomUUID(), sweepId: 'a' };
    await queue.add('trial', prioritized, { jobId: prioritized.trialId, priority: 5 });
    await queue.add('trial', delayed, { jobId: delayed.trialId, delay: 60_000 });
    // a job a worker holds (its lock key set) is left to that worker
    const held = a[7]!.trialId;
    await redis.set(`${queue.toKey(held)}:lock`, 'worker-token');
    const ids = [...a, prioritized, delayed].map((t) => t.trialId);
    const stopped = new AbortController();
    stopped.abort();
    expect(await removeQueuedJobs(queue, redis, ids, { signal: stopped.signal })).toBe(0);
    expect(await removeQueuedJobs(queue, redis, [...ids, randomUUID()], { batch: 1000 })).toBe(
      ids.length - 1,
    );
    const order = (await queue.getJobs(['waiting'], 0, -1)).reverse().map((job) => job.id);
    expect(order).toEqual(mixed.filter((t) => t.sweepId === 'b' || t.trialId === held).map((t) => t.trialId));
    const counts = await queue.getJobCounts('waiting', 'prioritized', 'delayed');
    expect(counts).toEqual({ waiting: b.length + 1, prioritized: 0, delayed: 0 });
    for (const id of [a[0]!.trialId, prioritized.trialId, delayed.trialId]) {
      expect(await queue.getJob(id)).toBeUndefined();
    }
    expect(await queue.getJob(held)).toBeDefined();
    const removedEvents = (await redis.xrange(queue.toKey('events'), '-', '+')).filter(([, fields]) =>
      fields.includes('removed'),
    );
    expect(removedEvents).toHaveLength(ids.length - 1);
    // removing again finds nothing
    expect(await removeQueuedJobs(queue, redis, ids)).toBe(0);
    await queue.obliterate({ force: true });
  });

  it('gives a job to every trial that has none or only a finished one, and leaves waiting jobs alone', async () => {
    const [done, failed, waiting, missing] = [trial(), trial(), trial(), trial()];
    // a real consumer finishes two jobs: one completes, one fails for good
    await enqueueTrials(queue, [done, failed]);
    const consumer = new Worker<TrialJobData>(
      TRIAL_QUEUE_NAME,
      async (job) => {
        if (job.data.trialId === failed.trialId) throw new UnrecoverableError('config error');
        return 'ok';
      },
      { connection: createRedis(REDIS_URL), prefix },
    );
    // Both jobs have ended once the consumer says so (however long a busy machine takes).
    await new Promise<void>((resolve) => {
      const ended = new Set<string>();
      const end = (job: { id?: string } | undefined) => {
        if (job?.id) ended.add(job.id);
        if (ended.has(done.trialId) && ended.has(failed.trialId)) resolve();
      };
      consumer.on('completed', end);
      consumer.on('failed', end);
    });
    const settled = async () =>
      (await queue.getJobState(done.trialId)) === 'completed' &&
      (await queue.getJobState(failed.trialId)) === 'failed';
    await consumer.close();
    expect(await settled()).toBe(true);
    await enqueueTrials(queue, [waiting]);

    const enqueued = await ensureTrialJobs(queue, [done, failed, waiting, missing], 3);
    expect(enqueued.map((t) => t.trialId).sort()).toEqual(
      [done, failed, missing].map((t) => t.trialId).sort(),
    );
    for (const t of [done, failed, waiting, missing])
      expect(await queue.getJobState(t.trialId)).toBe('waiting');
    // idempotent: a second pass finds a job for every trial
    expect(await ensureTrialJobs(queue, [done, failed, waiting, missing])).toEqual([]);
  });

  it('reads attempts and backoff from the environment', () => {
    expect(trialJobOptions({ TRIAL_ATTEMPTS: '5', TRIAL_BACKOFF_MS: '50' })).toMatchObject({
      attempts: 5,
      backoff: { type: 'exponential', delay: 50 },
    });
    expect(trialJobOptions({ TRIAL_ATTEMPTS: 'x' }).attempts).toBe(3);
  });
});
