import type { FinishedTrialStatus, SweepStatus } from './statuses.js';

/**
 * What the live event stream carries (Server-Sent Events of GET /v1/sweeps/:id/events, published on Redis
 * by the services). `at` is when it was published.
 */
export type SweepEvent =
  | { type: 'sweep'; sweepId: string; status: SweepStatus; at: string }
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
      status: FinishedTrialStatus;
      stepsDone: number;
      finalLoss: number | null;
      bestValue: number | null;
      error?: string | null;
      at: string;
    };

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** An event before it is published (the publisher stamps `at`). */
export type SweepEventBody = DistributiveOmit<SweepEvent, 'at'>;

/** The one way a trial's end is announced. */
export function trialFinishedEvent(
  ref: { sweepId: string; trialId: string },
  outcome: {
    status: FinishedTrialStatus;
    stepsDone: number;
    finalLoss?: number | null;
    bestValue?: number | null;
    error?: string | null;
  },
): SweepEventBody {
  return {
    type: 'trial.finished',
    sweepId: ref.sweepId,
    trialId: ref.trialId,
    status: outcome.status,
    stepsDone: outcome.stepsDone,
    finalLoss: outcome.finalLoss ?? null,
    bestValue: outcome.bestValue ?? null,
    error: outcome.error ?? null,
  };
}

export function sweepStatusEvent(sweepId: string, status: SweepStatus): SweepEventBody {
  return { type: 'sweep', sweepId, status };
}
