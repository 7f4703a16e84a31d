import { type ReconcileResult, reconcile as reconcilePass, type Settled } from '@hypersweep/core';
import { createReconcileStore, RECONCILER_LOCK_KEY, type Transactional } from '@hypersweep/db';
import { ensureTrialJobs, type TrialJobData } from '@hypersweep/queue';
import type { Queue } from 'bullmq';
import type { Logger } from 'pino';

export { RECONCILER_LOCK_KEY, type ReconcileResult };

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

/** One pass of @hypersweep/core's reconcile over Postgres and the trial queue. */
export function reconcile(deps: ReconcileDeps): Promise<ReconcileResult> {
  return reconcilePass({
    store: createReconcileStore(deps.pool),
    jobs: { ensureJobs: (trials) => ensureTrialJobs(deps.queue, trials) },
    settle: deps.settle,
    leaseMs: deps.leaseMs,
    ...(deps.maxLost !== undefined ? { maxLost: deps.maxLost } : {}),
  });
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
