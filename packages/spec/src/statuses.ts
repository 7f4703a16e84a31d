// The statuses and their transitions live in @hypersweep/core (statuses.ts); re-exported for the spec's users.
export {
  endedSweepStatuses,
  type SweepStatus,
  sweepStatuses,
  type TrialStatus,
  trialStatuses,
} from '@hypersweep/core';
