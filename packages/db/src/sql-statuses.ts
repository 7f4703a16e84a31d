import { liveSweepStatuses, sqlStatusList, unfinishedTrialStatuses } from '@hypersweep/core';

/** Statuses for SQL `IN (...)`, from their one home in @hypersweep/core. */
export const LIVE_SWEEP = sqlStatusList(liveSweepStatuses);
export const UNFINISHED_TRIAL = sqlStatusList(unfinishedTrialStatuses);
