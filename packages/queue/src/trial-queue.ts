import { type DefaultJobOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';

export const TRIAL_QUEUE_NAME = 'trials';

/**
 * The BullMQ states of a trial job some worker still has to run or is running: waiting (a list),
 * prioritized (a sorted set), delayed (a sorted set: jobs a SIGTERM'd worker handed back, retries waiting
 * out their backoff) and active. Workers autoscale on their sum: a scaler that watches the wait list alone
 * never starts a worker for a handed-back job, and scales busy workers away once the list is empty.
 */
export const UNFINISHED_JOB_STATES = ['waiting', 'prioritized', 'delayed', 'active'] as const;

/** What a trial job carries: ids only; the trial's config lives in Postgres. */
export interface TrialJobData {
  trialId: string;
  sweepId: string;
}

/** Retries with exponential backoff (3 attempts by default, TRIAL_ATTEMPTS); finished jobs do not pile up in Redis. */
export function trialJobOptions(env: NodeJS.ProcessEnv = process.env): DefaultJobOptions {
  const attempts = Number(env.TRIAL_ATTEMPTS || 3);
  return {
    attempts: Number.isInteger(attempts) && attempts > 0 ? attempts : 3,
    backoff: { type: 'exponential', delay: Number(env.TRIAL_BACKOFF_MS || 1000) },
    removeOnComplete: { count: 1000 },
    removeOnFail: { count: 5000 },
  };
}

export function createTrialQueue(connection: Redis, prefix: string): Queue<TrialJobData> {
  return new Queue<TrialJobData>(TRIAL_QUEUE_NAME, {
    connection,
    prefix,
    defaultJobOptions: trialJobOptions(),
  });
}

/**
 * Enqueues one job per trial with job id = trial id, so enqueueing twice is harmless. Chunks keep each
 * Redis pipeline bounded.
 */
export async function enqueueTrials(
  queue: Queue<TrialJobData>,
  jobs: readonly TrialJobData[],
  chunk = 500,
  inFlight = 20,
): Promise<void> {
  // Chunks are sent without waiting for the previous one (at most `inFlight` at a time, so memory stays
  // bounded): on the queue's one connection they still run in order, each addBulk atomically, while the
  // client builds the next. 10,000 jobs: ~260 ms instead of ~510 one chunk after another.
  const pending = new Set<Promise<unknown>>();
  for (let i = 0; i < jobs.length; i += chunk) {
    const sent = queue.addBulk(
      jobs.slice(i, i + chunk).map((data) => ({ name: 'trial', data, opts: { jobId: data.trialId } })),
    );
    pending.add(sent);
    void sent.then(
      () => pending.delete(sent),
      () => pending.delete(sent),
    );
    if (pending.size >= inFlight) await Promise.race(pending);
  }
  await Promise.all(pending);
}

/**
 * Makes sure each trial has a job that will run: a trial without one (lost with Redis, or never enqueued
 * because the API died or Redis was down) gets one; a finished job left under the trial's id (the trial
 * was handed back after it) is replaced. Waiting, delayed and active jobs are left alone. Returns the
 * trials enqueued. Idempotent: job id = trial id.
 */
export async function ensureTrialJobs(
  queue: Queue<TrialJobData>,
  trials: readonly TrialJobData[],
  chunk = 100,
): Promise<TrialJobData[]> {
  const enqueued: TrialJobData[] = [];
  for (let i = 0; i < trials.length; i += chunk) {
    const slice = trials.slice(i, i + chunk);
    const states = await Promise.all(slice.map((trial) => queue.getJobState(trial.trialId)));
    const finished = slice.filter((_, j) => states[j] === 'completed' || states[j] === 'failed');
    const missing = slice.filter((_, j) => states[j] === 'unknown').concat(finished);
    await Promise.all(finished.map((trial) => queue.remove(trial.trialId)));
    if (missing.length > 0) await enqueueTrials(queue, missing);
    enqueued.push(...missing);
  }
  return enqueued;
}

// BullMQ's Job.remove takes a waiting job out of the wait list by LREM, a scan of the whole list: removing
// the 100,000 waiting jobs of a cancelled sweep that way costs Redis 100,000 scans of a 100,000-long list
// (minutes of its CPU, every other client waiting). This script removes a batch in one pass over each list
// instead, keeping the order of the jobs that stay. It handles what trial jobs use (no parents, children,
// deduplication or repeat): waiting, paused, prioritized and delayed jobs; a job locked by a worker (active)
// is left to its worker, as Job.remove leaves it. Each removal is announced on the queue's event stream as
// BullMQ's own ('removed', with the state it was in).
const REMOVE_QUEUED_JOBS = `
local prefix = KEYS[1]
local rcall = redis.call
local wanted = {}
for i = 1, #ARGV do
  if rcall("EXISTS", prefix .. ARGV[i] .. ":lock") == 0 then wanted[ARGV[i]] = true end
end
local removed = {}
for _, set in ipairs({"prioritized", "delayed"}) do
  for id in pairs(wanted) do
    if rcall("ZREM", prefix .. set, id) == 1 then removed[id] = set end
  end
end
for _, list in ipairs({"wait", "paused"}) do
  local key = prefix .. list
  if rcall("LLEN", key) > 0 then
    local keep = {}
    local dropped = 0
    for _, id in ipairs(rcall("LRANGE", key, 0, -1)) do
      if wanted[id] and not removed[id] then
        removed[id] = list
        dropped = dropped + 1
      else
        keep[#keep + 1] = id
      end
    end
    if dropped > 0 then
      rcall("DEL", key)
      for i = 1, #keep, 5000 do rcall("RPUSH", key, unpack(keep, i, math.min(i + 4999, #keep))) end
    end
  end
end
local maxEvents = rcall("HGET", prefix .. "meta", "opts.maxLenEvents") or 10000
local count = 0
for id, prev in pairs(removed) do
  rcall("DEL", prefix .. id, prefix .. id .. ":logs")
  rcall("XADD", prefix .. "events", "MAXLEN", "~", maxEvents, "*", "event", "removed", "jobId", id, "prev", prev)
  count = count + 1
end
return count`;

/**
 * Removes the jobs of these trials that no worker holds (waiting, paused, prioritized, delayed), `batch` ids
 * per script run (each one pass over the wait list, so Redis is never held for long), stopping between two
 * runs once `signal` aborts. Returns how many it removed; ids without such a job are skipped.
 */
export async function removeQueuedJobs(
  queue: Queue<TrialJobData>,
  /** A connection to the queue's Redis. */
  client: Redis,
  trialIds: readonly string[],
  options: { batch?: number; signal?: AbortSignal } = {},
): Promise<number> {
  const { batch = 10_000, signal } = options;
  const prefix = queue.toKey('');
  let removed = 0;
  for (let i = 0; i < trialIds.length && !signal?.aborted; i += batch) {
    removed += Number(await client.eval(REMOVE_QUEUED_JOBS, 1, prefix, ...trialIds.slice(i, i + batch)));
  }
  return removed;
}
