import type { OutboxSink, TrialRef } from '@hypersweep/core';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { redisReady } from './connection.js';
import { cancelChannel, publishEvent } from './events.js';
import { enqueueTrials, removeQueuedJobs, type TrialJobData } from './trial-queue.js';

/** `promise`, or a rejection with `message` once `ms` have passed (calling `onTimeout` first). */
export function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  message: string,
  onTimeout?: () => void,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout?.();
      reject(new Error(message));
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export interface OutboxSinkOptions {
  queue: Queue<TrialJobData>;
  /** A connection that fails at once while Redis is down (enableOfflineQueue: false). */
  redis: Redis;
  prefix: string;
  /** A send that takes longer fails (the relay's transaction must not stay open on a hung Redis). */
  timeoutMs?: number;
}

/**
 * Where the outbox relay sends (@hypersweep/core OutboxSink): jobs to the trial queue (job id = trial id:
 * sending twice is harmless), events and cancel notices over Redis pub/sub.
 */
export function createOutboxSink(options: OutboxSinkOptions): OutboxSink {
  const { queue, redis, prefix } = options;
  const timeoutMs = options.timeoutMs ?? 5_000;
  // BullMQ waits for a reconnect rather than failing: with Redis down a send fails now instead.
  const ready = () => redisReady(redis, Math.min(2_000, timeoutMs));
  // A send that timed out is told to stop (`signal`), so the relay's next try never runs beside it.
  const bounded = async <T>(what: string, send: (signal: AbortSignal) => Promise<T>): Promise<T> => {
    await ready();
    const stop = new AbortController();
    return withTimeout(send(stop.signal), timeoutMs, `${what} timed out after ${timeoutMs} ms`, () =>
      stop.abort(),
    );
  };
  return {
    ready,
    enqueue: (trials: readonly TrialRef[]) => bounded('enqueueing', () => enqueueTrials(queue, trials)),
    publish: (event) => bounded('publishing', () => publishEvent(redis, prefix, event)),
    cancel: (sweepId, cancelledTrialIds) =>
      bounded('cancelling', async (signal) => {
        await redis.publish(cancelChannel(prefix), sweepId);
        // Waiting jobs would be skipped by workers anyway; removing them keeps the queue depth honest
        // (and the autoscaler from starting workers for them). Running jobs are locked and stay: their
        // workers stop them.
        await removeQueuedJobs(queue, redis, cancelledTrialIds, { signal });
      }),
  };
}
