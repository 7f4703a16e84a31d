import type { Queryable } from '@hypersweep/db';
import type { TrialJobData } from '@hypersweep/queue';
import type { Queue } from 'bullmq';

/** Jobs looked at: enough to notice a neighbour, bounded so a start-up never scans a huge queue. */
const SAMPLE = 200;

/**
 * How many of the queue's waiting jobs (up to SAMPLE of them) belong to trials this database does not have.
 * Two deployments with their own databases on one Redis and one QUEUE_PREFIX take each other's jobs: a
 * worker claims a job, finds no such trial, and drops it, so the other deployment's trial waits for the
 * reconciler. The worker says so at start-up (trial-worker.ts).
 */
export async function foreignJobs(
  queue: Queue<TrialJobData>,
  db: Queryable,
): Promise<{ sampled: number; unknown: number }> {
  const jobs = await queue.getJobs(['waiting', 'delayed', 'prioritized'], 0, SAMPLE - 1);
  const ids = [...new Set(jobs.map((job) => job?.data?.trialId).filter((id) => typeof id === 'string'))];
  if (ids.length === 0) return { sampled: 0, unknown: 0 };
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM trials WHERE id::text = ANY($1::text[])`,
    [ids],
  );
  return { sampled: ids.length, unknown: ids.length - rows[0]!.n };
}

/** The start-up warning for foreignJobs' answer (null when nothing is foreign). */
export function sharingWarning(prefix: string, found: { sampled: number; unknown: number }): string | null {
  if (found.unknown === 0) return null;
  return (
    `${found.unknown} of the ${found.sampled} waiting jobs looked at in the queue "${prefix}" belong to trials this ` +
    'database does not have: another deployment (another DATABASE_URL) may share this Redis and QUEUE_PREFIX, ' +
    "and then each drops the other's jobs. Give each deployment its own QUEUE_PREFIX (or Redis)."
  );
}
