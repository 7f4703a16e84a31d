export const trialStatuses = ['queued', 'running', 'completed', 'failed', 'cancelled', 'pruned'] as const;
export type TrialStatus = (typeof trialStatuses)[number];

export const sweepStatuses = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const;
export type SweepStatus = (typeof sweepStatuses)[number];
