import type { SweepEvent, SweepEventBody } from '@hypersweep/core';
import type { Redis } from 'ioredis';

/** What live dashboards receive over Server-Sent Events (its one definition is in @hypersweep/core). */
export type { SweepEvent };

export const eventChannel = (prefix: string, sweepId: string) => `${prefix}:events:${sweepId}`;
export const eventPattern = (prefix: string) => `${prefix}:events:*`;
/** Workers listen here for cancellations of running trials (message: sweep id). */
export const cancelChannel = (prefix: string) => `${prefix}:cancel`;
/** Counter of step-metric rows written by all workers, for /metrics. */
export const rowsWrittenKey = (prefix: string) => `${prefix}:stats:metric_rows_written`;

export async function publishEvent(redis: Redis, prefix: string, event: SweepEventBody): Promise<void> {
  await redis.publish(
    eventChannel(prefix, event.sweepId),
    JSON.stringify({ ...event, at: new Date().toISOString() }),
  );
}
