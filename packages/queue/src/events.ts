import type { Redis } from 'ioredis';

/** What live dashboards receive over Server-Sent Events. */
export type SweepEvent =
  | { type: 'sweep'; sweepId: string; status: string; at: string }
  | {
      type: 'trial.started';
      sweepId: string;
      trialId: string;
      index: number;
      workerId: string;
      backend?: string;
      at: string;
    }
  | {
      type: 'trial.progress';
      sweepId: string;
      trialId: string;
      stepsDone: number;
      loss: number | null;
      lr: number | null;
      bestValue: number | null;
      at: string;
    }
  | {
      type: 'trial.finished';
      sweepId: string;
      trialId: string;
      status: string;
      stepsDone: number;
      finalLoss: number | null;
      bestValue: number | null;
      error?: string | null;
      at: string;
    };

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export const eventChannel = (prefix: string, sweepId: string) => `${prefix}:events:${sweepId}`;
export const eventPattern = (prefix: string) => `${prefix}:events:*`;
/** Workers listen here for cancellations of running trials (message: sweep id). */
export const cancelChannel = (prefix: string) => `${prefix}:cancel`;
/** Counter of step-metric rows written by all workers, for /metrics. */
export const rowsWrittenKey = (prefix: string) => `${prefix}:stats:metric_rows_written`;

export async function publishEvent(
  redis: Redis,
  prefix: string,
  event: DistributiveOmit<SweepEvent, 'at'>,
): Promise<void> {
  await redis.publish(
    eventChannel(prefix, event.sweepId),
    JSON.stringify({ ...event, at: new Date().toISOString() }),
  );
}
