import { cancelSweep, type ExtendOutcome, undoExtension } from '@hypersweep/db';
import { cancelChannel, enqueueTrials, publishEvent, redisReady } from '@hypersweep/queue';
import type { SweepStatus } from '@hypersweep/spec';
import type { FastifyBaseLogger } from 'fastify';
import type { ApiContext } from '../context.js';
import { HttpError } from '../errors.js';
import { withTimeout } from '../with-timeout.js';

// Every step where a request, having committed to Postgres, tells Redis (the trial queue, the workers'
// cancel channel, the live events): one function each, so that all of them can change in one place.

const CREATE_ENQUEUE_TIMEOUT_MS = 5_000;
const EXTEND_ENQUEUE_TIMEOUT_MS = 10_000;
const REDIS_READY_TIMEOUT_MS = 2_000;

/** What POST /v1/sweeps says about the queue: `enqueued`, and why not. */
export type CreatedSweepHandoff = { enqueued: true } | { enqueued: false; note: string };

/**
 * POST /v1/sweeps, after the sweep is stored: enqueue its trials. Postgres is the source of truth: with the
 * queue down the answer is still a 201, with `enqueued: false`, and the workers' reconciler enqueues them.
 */
export async function enqueueCreatedSweep(
  context: ApiContext,
  sweepId: string,
  trialIds: readonly string[],
  log: FastifyBaseLogger,
): Promise<CreatedSweepHandoff> {
  // Fault tests only: die between the commit and the enqueue, as a crash there would.
  if (process.env.HYPERSWEEP_TEST_KILL_AFTER_COMMIT === '1') process.kill(process.pid, 'SIGKILL');
  const { redis, trialQueue } = context;
  try {
    // BullMQ waits for a reconnect rather than failing; a client should hear at once.
    await redisReady(redis, REDIS_READY_TIMEOUT_MS);
    await withTimeout(
      enqueueTrials(
        trialQueue,
        trialIds.map((trialId) => ({ trialId, sweepId })),
      ),
      CREATE_ENQUEUE_TIMEOUT_MS,
      'enqueueing timed out',
    );
  } catch (error) {
    log.warn({ err: error, sweepId }, 'sweep stored but not enqueued; the reconciler will');
    return {
      enqueued: false,
      note: `stored; the trial queue is unavailable (${(error as Error).message}): the workers enqueue its trials when it is back`,
    };
  }
  return { enqueued: true };
}

/**
 * POST /v1/sweeps/:id/extend of a grid, after the new trials are stored: enqueue them and announce the sweep;
 * when the queue does not take them, the extension is undone and the answer is a 503.
 */
export async function enqueueExtension(
  context: ApiContext,
  id: string,
  outcome: Extract<ExtendOutcome, { kind: 'extended' }>,
  log: FastifyBaseLogger,
): Promise<void> {
  const { pool, redis, trialQueue, config } = context;
  if (outcome.added.length > 0) {
    try {
      await redisReady(redis, REDIS_READY_TIMEOUT_MS);
      await withTimeout(
        enqueueTrials(
          trialQueue,
          outcome.added.map((t) => ({ trialId: t.id, sweepId: id })),
        ),
        EXTEND_ENQUEUE_TIMEOUT_MS,
        'enqueueing timed out',
      );
    } catch (error) {
      await undoExtension(
        pool,
        id,
        outcome.added.map((t) => t.id),
        outcome.previous,
      ).catch(() => {});
      log.error({ err: error }, 'enqueue failed');
      throw new HttpError(
        503,
        `the trial queue is unavailable (${(error as Error).message}); the sweep is unchanged`,
      );
    }
    await publishEvent(redis, config.queuePrefix, { type: 'sweep', sweepId: id, status: outcome.status });
  }
}

/**
 * POST /v1/sweeps/:id/extend of a search, after its budget is stored: tell the dashboards. The workers create
 * the trials whether or not Redis takes the notice now.
 */
export async function announceSearchGrowth(
  context: ApiContext,
  id: string,
  status: SweepStatus,
  log: FastifyBaseLogger,
): Promise<void> {
  const { redis, config } = context;
  try {
    await withTimeout(
      publishEvent(redis, config.queuePrefix, { type: 'sweep', sweepId: id, status }),
      REDIS_READY_TIMEOUT_MS,
      'publishing timed out',
    );
  } catch (error) {
    log.warn({ err: error, sweepId: id }, 'search budget grown in Postgres; Redis did not take the event');
  }
}

/**
 * Cancels the sweep in Postgres (the source of truth), then tells the workers and drops the waiting
 * jobs. Redis being down does not stop a cancel: workers also see it in Postgres at their next progress
 * write, and the jobs of cancelled trials are skipped when they come up.
 */
export async function cancelAndTell(
  context: ApiContext,
  id: string,
  log: { warn(obj: unknown, msg: string): void },
): Promise<{ cancelled: number; stopping: number }> {
  const { config, redis, trialQueue } = context;
  const { cancelledTrialIds, runningTrials } = await cancelSweep(context.pool, id);
  try {
    await redis.publish(cancelChannel(config.queuePrefix), id);
    await publishEvent(redis, config.queuePrefix, { type: 'sweep', sweepId: id, status: 'cancelled' });
    // Waiting jobs would be skipped by workers anyway; removing them keeps the queue depth honest.
    // Running jobs are locked and refuse removal: their workers stop them.
    for (let i = 0; i < cancelledTrialIds.length; i += 500) {
      await Promise.allSettled(
        cancelledTrialIds.slice(i, i + 500).map((trialId) => trialQueue.remove(trialId)),
      );
    }
  } catch (error) {
    log.warn({ err: error, sweepId: id }, 'cancelled in Postgres; Redis did not take the notice');
  }
  return { cancelled: cancelledTrialIds.length, stopping: runningTrials };
}
