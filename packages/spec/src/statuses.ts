/**
 * The statuses of sweeps and trials. The database owns them (the `SweepStatus` and `TrialStatus`
 * enums of prisma/schema.prisma); these lists repeat them for code that does not load Prisma (the
 * API's schemas, the dashboard through GET /statuses.js), in the enums' order, and
 * test/statuses.test.ts fails when they differ.
 */
export const sweepStatuses = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const;
export type SweepStatus = (typeof sweepStatuses)[number];

export const trialStatuses = ['queued', 'running', 'completed', 'failed', 'cancelled', 'pruned'] as const;
export type TrialStatus = (typeof trialStatuses)[number];

/** The statuses a sweep ends in: nothing runs for it any more. */
export const endedSweepStatuses = [
  'completed',
  'failed',
  'cancelled',
] as const satisfies readonly SweepStatus[];
