/** What the API puts on the BullMQ trial queue: the job id is the trial id, the rest is in Postgres. */
export interface TrialJobData {
  trialId: string;
  sweepId: string;
}
