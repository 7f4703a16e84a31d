/** What the API puts on the BullMQ trial queue: the job id is the trial id, the rest is in Postgres. */
export interface TrialJobData {
  trialId: string;
  sweepId: string;
}

export const trialStatuses = ['queued', 'running', 'completed', 'failed', 'cancelled', 'pruned'] as const;
export type TrialStatus = (typeof trialStatuses)[number];

export const sweepStatuses = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const;
export type SweepStatus = (typeof sweepStatuses)[number];
