import type { TrialRef } from './outbox.js';
import type { Settled } from './settle.js';

/** The statements of one reconciler pass, on one connection that holds the pass lock. */
export interface ReconcileTransaction {
  /**
   * Running trials whose worker stopped heart-beating more than `leaseMs` ago go back to queued (each loss
   * counted); one lost `maxLost` times fails instead; in an ended sweep they end cancelled.
   */
  reclaimExpired(
    leaseMs: number,
    maxLost: number | undefined,
  ): Promise<{ requeued: TrialRef[]; failed: TrialRef[] }>;
  /** Queued trials of live sweeps, in id order after `afterId`. */
  queuedTrialsOfLiveSweeps(page: { limit: number; afterId?: string }): Promise<TrialRef[]>;
  /** Live sweeps whose last settle step may have been lost. */
  sweepsToSettle(limit: number): Promise<string[]>;
}

export interface ReconcileStore {
  /** Runs `pass` holding the one reconciler lock of all processes, or not at all when another holds it. */
  withPassLock<T>(
    pass: (tx: ReconcileTransaction) => Promise<T>,
  ): Promise<{ locked: true; value: T } | { locked: false }>;
}

/** The trial queue as the reconciler checks it (@hypersweep/queue). */
export interface JobQueue {
  /** Gives each trial without a job that will run one (job id = trial id); returns those enqueued. */
  ensureJobs(trials: readonly TrialRef[]): Promise<TrialRef[]>;
}

export interface ReconcilePorts {
  store: ReconcileStore;
  jobs: JobQueue;
  /** settle.ts settleSweep, bound to its ports. */
  settle(sweepId: string): Promise<Settled>;
  leaseMs: number;
  /** Takeovers after which a trial fails (TRIAL_MAX_LOST); none: no limit. */
  maxLost?: number;
}

export interface ReconcileResult {
  /** false when another process's pass held the lock */
  ran: boolean;
  /** Running trials handed back because their worker stopped heart-beating. */
  reclaimed: TrialRef[];
  /** Running trials whose worker stopped heart-beating, failed because they were lost too often. */
  failed: TrialRef[];
  /** Trials that had no job that will run, and got one. */
  enqueued: TrialRef[];
  /** Trials of random / tpe sweeps created because the step that creates them was lost. */
  proposed: string[];
  /** Sweeps completed here: nothing left to run or to create (their last trial's settle step was lost). */
  completed: string[];
}

const PAGE = 500;

/**
 * The safety net under the outbox. Postgres says which trials must run; Redis only carries the work. One
 * pass hands back running trials whose heartbeat is older than `leaseMs`, makes sure every queued trial
 * of a live sweep has a job (a trial that has one is left alone), and settles every live sweep whose last
 * settle step may have been lost (a worker died between ending a trial and proposing the next ones, or
 * completing the sweep). Passes are idempotent; one runs at a time across all processes.
 */
export async function reconcile(ports: ReconcilePorts): Promise<ReconcileResult> {
  const pass = await ports.store.withPassLock(async (tx) => {
    const { requeued: reclaimed, failed } = await tx.reclaimExpired(ports.leaseMs, ports.maxLost);
    const enqueued: TrialRef[] = [];
    let afterId: string | undefined;
    for (;;) {
      const page = await tx.queuedTrialsOfLiveSweeps({ limit: PAGE, ...(afterId ? { afterId } : {}) });
      if (page.length === 0) break;
      enqueued.push(...(await ports.jobs.ensureJobs(page)));
      afterId = page.at(-1)!.trialId;
    }
    const proposed: string[] = [];
    const completed: string[] = [];
    for (const sweepId of await tx.sweepsToSettle(PAGE)) {
      const settled = await ports.settle(sweepId);
      proposed.push(...settled.proposed);
      if (settled.completed) completed.push(sweepId);
    }
    return { reclaimed, failed, enqueued, proposed, completed };
  });
  return pass.locked
    ? { ran: true, ...pass.value }
    : { ran: false, reclaimed: [], failed: [], enqueued: [], proposed: [], completed: [] };
}
