import type { Settled } from '@hypersweep/core';
import {
  queuedTrialsOfLiveSweeps,
  reclaimExpiredTrials,
  sweepsToSettle,
  type Transactional,
  type TrialRef,
  withTryAdvisoryLock,
} from '@hypersweep/db';
import { ensureTrialJobs, type TrialJobData } from '@hypersweep/queue';
import type { Queue } from 'bullmq';
import type { Logger } from 'pino';

/** Postgres advisory lock key: one reconciler pass at a time across all workers. */
export const RECONCILER_LOCK_KEY = 72707370;
const PAGE = 500;

export interface ReconcileResult {
  /** false when another worker's pass held the lock */
  ran: boolean;
  /** Running trials handed back because their worker stopped heart-beating. */
  reclaimed: TrialRef[];
  /** Running trials whose worker stopped heart-beating, failed because they were lost too often. */
  failed: TrialRef[];
  /** Trials that had no job that will run, and got one. */
  enqueued: TrialJobData[];
  /** Trials of random / tpe sweeps created (and enqueued) because the step that creates them was lost. */
  proposed: string[];
  /** Sweeps completed here: nothing left to run or to create (their last trial's settle step was lost). */
  completed: string[];
}

export interface ReconcileDeps {
  pool: Transactional;
  queue: Queue<TrialJobData>;
  leaseMs: number;
  /** Takeovers after which a trial fails (TRIAL_MAX_LOST); default unlimited. */
  maxLost?: number;
  /**
   * Settles a sweep (search-proposer.ts sweepSettler): proposes what a search is owed and completes a
   * sweep with nothing left, its jobs and events through the outbox.
   */
  settle(sweepId: string): Promise<Settled>;
}

/**
 * Postgres says which trials must run; Redis only carries the work. One pass hands back running trials
 * whose heartbeat is older than `leaseMs`, then makes sure every queued trial of a live sweep has a job
 * (job id = trial id: a trial that has one is left alone). Passes are idempotent; an advisory lock keeps
 * two workers from doing the same pass at once. A random / tpe sweep creates its next trials when one
 * ends; a worker that died in between leaves it with fewer trials in flight than its parallelism (or
 * none): the pass proposes for it, and completes it when its budget is spent and nothing runs. A sweep
 * of any kind whose last trial ended without settling it (the worker died in between) is completed here.
 */
export async function reconcile(deps: ReconcileDeps): Promise<ReconcileResult> {
  const pass = await withTryAdvisoryLock(deps.pool, RECONCILER_LOCK_KEY, async (db) => {
    const { requeued: reclaimed, failed } = await reclaimExpiredTrials(db, deps.leaseMs, deps.maxLost);
    const enqueued: TrialJobData[] = [];
    let afterId: string | undefined;
    for (;;) {
      const page = await queuedTrialsOfLiveSweeps(db, { limit: PAGE, ...(afterId ? { afterId } : {}) });
      if (page.length === 0) break;
      enqueued.push(...(await ensureTrialJobs(deps.queue, page)));
      afterId = page.at(-1)!.trialId;
    }
    const proposed: string[] = [];
    const completed: string[] = [];
    for (const sweepId of await sweepsToSettle(db, PAGE)) {
      const settled = await deps.settle(sweepId);
      proposed.push(...settled.proposed);
      if (settled.completed) completed.push(sweepId);
    }
    return { reclaimed, failed, enqueued, proposed, completed };
  });
  return pass.locked
    ? { ran: true, ...pass.value }
    : { ran: false, reclaimed: [], failed: [], enqueued: [], proposed: [], completed: [] };
}

export interface Reconciler {
  /** Runs a pass now (or right after the one in progress). */
  trigger(why: string): void;
  close(): Promise<void>;
}

/**
 * Runs `reconcile` at start-up, every `everyMs`, and whenever `trigger` is called (the worker calls it
 * after each Redis reconnect). Passes never overlap; a trigger during a pass runs one more after it. A
 * pass that fails (a store is down) is logged and the next one tries again.
 */
export function startReconciler(deps: ReconcileDeps & { everyMs: number; log: Logger }): Reconciler {
  let current: Promise<void> | null = null;
  let again: string | null = null;
  let closed = false;
  const pass = async (why: string) => {
    try {
      const result = await reconcile(deps);
      if (
        result.reclaimed.length > 0 ||
        result.failed.length > 0 ||
        result.enqueued.length > 0 ||
        result.proposed.length > 0 ||
        result.completed.length > 0
      ) {
        deps.log.info(
          {
            why,
            reclaimed: result.reclaimed.length,
            failedLostTooOften: result.failed.length,
            enqueued: result.enqueued.length,
            proposed: result.proposed.length,
            completed: result.completed.length,
          },
          'reconciler: trials handed back / enqueued / proposed, sweeps completed',
        );
      }
    } catch (error) {
      deps.log.warn({ err: error, why }, 'reconciler pass failed; the next one retries');
    }
  };
  const trigger = (why: string) => {
    if (closed) return;
    if (current) {
      again = why;
      return;
    }
    current = pass(why).finally(() => {
      current = null;
      const next = again;
      again = null;
      if (next) trigger(next);
    });
  };
  const timer = setInterval(() => trigger('interval'), deps.everyMs);
  timer.unref();
  trigger('start-up');
  return {
    trigger,
    async close() {
      closed = true;
      clearInterval(timer);
      await current;
    },
  };
}
