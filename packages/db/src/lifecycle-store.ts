import {
  type ClaimedTrial,
  type Objective,
  type OutboxMessage,
  type ReconcileStore,
  type SettleStore,
  type SettleTransaction,
  type SweepStore,
  sweepStatusEvent,
  type TrialStore,
  trialFinishedEvent,
} from '@hypersweep/core';
import { datasetsOfSweep } from './dataset-store.js';
import { appendOutbox } from './outbox-store.js';
import { inTransaction, type Queryable, type Transactional, withTryAdvisoryLock } from './queryable.js';
import {
  growSearchBudget,
  type ObjectiveColumn,
  readEndedTuningTrials,
  readFinishedSearchTrials,
  readProtocolSweep,
  readSearchSweep,
  recordEntryDrawn,
  recordSamplesDrawn,
  sweepsToSettle,
  withSweepLock,
} from './search-store.js';
import {
  cancelSweep,
  completeSweepIfDone,
  deleteSweep,
  extendSweepTrials,
  insertSweep,
  insertTrials,
  markSweepRunning,
} from './sweep-store.js';
import {
  cancelTrialOfCancelledSweep,
  claimTrial,
  failLostTrial,
  failTrial,
  finishTrial,
  queuedTrialsOfLiveSweeps,
  reclaimExpiredTrials,
  recordProgress,
  requeueTrial,
  saveCheckpoint,
} from './trial-store.js';

/**
 * @hypersweep/core's ports over Postgres: the store functions of this package, with the outbox messages
 * each change owes written in its own transaction.
 */

export function createSweepStore(pool: Transactional): SweepStore {
  return {
    async insertSweep(sweep, messages) {
      return insertSweep(pool, sweep, messages);
    },
    async extendGrid(sweepId, candidates, spec, messages) {
      return extendSweepTrials(pool, sweepId, candidates, spec, messages);
    },
    growSearch: (sweepId, samples, maxTrials, messages) =>
      growSearchBudget(pool, sweepId, samples, maxTrials, messages),
    async cancelSweep(sweepId, messages) {
      const outcome = await cancelSweep(pool, sweepId, messages);
      if (outcome.kind !== 'cancelled') return outcome;
      return {
        kind: 'cancelled',
        cancelledTrials: outcome.cancelledTrialIds.length,
        runningTrials: outcome.runningTrials,
        outbox: outcome.outbox,
      };
    },
    deleteSweep: (sweepId) => deleteSweep(pool, sweepId),
  };
}

/** Runs a statement; `retry` wraps each (a worker retries while Postgres is unreachable). */
export type StatementRunner = <T>(statement: () => Promise<T>) => Promise<T>;

const once: StatementRunner = (statement) => statement();

/** `work` in one transaction, then its messages in the outbox; null (and nothing written) when `work` is. */
async function withMessages<T>(
  pool: Transactional,
  work: (db: Queryable) => Promise<T | null>,
  messages: (value: T) => OutboxMessage[],
): Promise<(T & { outbox: string[] }) | null> {
  return inTransaction(pool, async (db) => {
    const value = await work(db);
    if (value === null) return null;
    return { ...value, outbox: await appendOutbox(db, messages(value)) };
  });
}

export function createTrialStore(pool: Transactional, run: StatementRunner = once): TrialStore {
  return {
    async claim(trialId, workerId, maxLost): Promise<ClaimedTrial | null> {
      const claimed = await run(() => claimTrial(pool, trialId, workerId, maxLost));
      if (claimed === null) return null;
      const objective = { metric: claimed.objectiveMetric, mode: claimed.objectiveMode } as Objective;
      return {
        index: claimed.index,
        config: claimed.config,
        checkpoint: claimed.checkpoint,
        objective,
        pruner: claimed.pruner,
      };
    },
    failLost: (ref, maxLost) =>
      run(() =>
        withMessages(
          pool,
          (db) => failLostTrial(db, ref.trialId, maxLost),
          (lost) => [
            {
              kind: 'event',
              event: trialFinishedEvent(ref, {
                status: 'failed',
                stepsDone: lost.stepsDone,
                error: lost.error,
              }),
            },
          ],
        ),
      ),
    cancelIfSweepCancelled: (trialId) => run(() => cancelTrialOfCancelledSweep(pool, trialId)),
    markSweepRunning: (sweepId) =>
      run(() =>
        markSweepRunning(pool, sweepId, [{ kind: 'event', event: sweepStatusEvent(sweepId, 'running') }]),
      ),
    recordProgress: (trialId, workerId, progress) =>
      run(() =>
        recordProgress(pool, trialId, workerId, {
          stepsDone: progress.stepsDone,
          bestValue: progress.best?.value ?? null,
          bestStep: progress.best?.step ?? null,
        }),
      ),
    saveCheckpoint: async (trialId, workerId, checkpoint) =>
      (await run(() => saveCheckpoint(pool, trialId, workerId, checkpoint))) ? true : null,
    handBack: async (trialId, workerId) =>
      (await run(() => requeueTrial(pool, trialId, workerId))) ? true : null,
    finish: (ref, workerId, outcome) =>
      run(() =>
        withMessages(
          pool,
          async (db) => ((await finishTrial(db, ref.trialId, workerId, outcome)) ? {} : null),
          () => [{ kind: 'event', event: trialFinishedEvent(ref, outcome) }],
        ),
      ),
    fail: (ref, workerId, failure) =>
      run(() =>
        withMessages(
          pool,
          async (db) => {
            const stepsDone = await failTrial(db, ref.trialId, workerId, failure);
            return stepsDone === null ? null : { stepsDone };
          },
          ({ stepsDone }) =>
            failure.final
              ? [
                  {
                    kind: 'event',
                    event: trialFinishedEvent(ref, {
                      status: 'failed',
                      stepsDone,
                      error: failure.eventError,
                    }),
                  },
                ]
              : [],
        ),
      ),
  };
}

export function createSettleStore(pool: Transactional, run: StatementRunner = once): SettleStore {
  return {
    withSweepLock: (sweepId, work) =>
      run(() =>
        withSweepLock(pool, sweepId, 'row', (db) => {
          let metric: ObjectiveColumn | null = null;
          const tx: SettleTransaction = {
            async readSearch() {
              const sweep = await readSearchSweep(db, sweepId);
              metric = sweep?.objectiveMetric ?? null;
              const search = sweep?.search;
              if (!sweep || !search || (search.type !== 'tpe' && search.type !== 'random') || !search.trials)
                return null;
              return {
                spec: sweep.spec,
                type: search.type,
                status: sweep.status as 'queued',
                objective: { metric: sweep.objectiveMetric, mode: sweep.objectiveMode },
                budget: {
                  samples: search.trials,
                  seeds: sweep.seeds,
                  parallelism: search.parallelism ?? null,
                },
                progress: {
                  created: sweep.created ?? 0,
                  unfinished: sweep.unfinished ?? 0,
                  samplesDrawn: sweep.samplesDrawn,
                },
                datasets: await datasetsOfSweep(db, sweepId),
                external: sweep.external,
              };
            },
            // Read after readSearch, which says by which metric.
            readFinishedTrials: async () =>
              metric === null ? [] : readFinishedSearchTrials(db, sweepId, metric),
            async readProtocol() {
              const sweep = await readProtocolSweep(db, sweepId);
              if (sweep === null) return null;
              metric = sweep.objectiveMetric;
              return {
                status: sweep.status,
                objective: { metric: sweep.objectiveMetric, mode: sweep.objectiveMode },
                seeds: sweep.seeds,
                evaluation: sweep.protocol.evaluation,
                entries: sweep.entries,
                created: sweep.created,
                datasets: await datasetsOfSweep(db, sweepId),
              };
            },
            readEndedTuningTrials: async (entry) =>
              metric === null ? [] : readEndedTuningTrials(db, sweepId, entry, metric),
            recordEntryDrawn: (entry, drawn) => recordEntryDrawn(db, sweepId, entry, drawn),
            insertTrials: (firstIndex, trials) => insertTrials(db, sweepId, firstIndex, trials),
            recordSamplesDrawn: (drawn) => recordSamplesDrawn(db, sweepId, drawn),
            completeIfDone: () => completeSweepIfDone(db, sweepId),
            append: (messages) => appendOutbox(db, messages),
          };
          return work(tx);
        }),
      ),
  };
}

/** Postgres advisory lock key: one reconciler pass at a time across all workers. */
export const RECONCILER_LOCK_KEY = 72707370;

export function createReconcileStore(pool: Transactional): ReconcileStore {
  return {
    withPassLock: (pass) =>
      withTryAdvisoryLock(pool, RECONCILER_LOCK_KEY, (db) =>
        pass({
          reclaimExpired: (leaseMs, maxLost) => reclaimExpiredTrials(db, leaseMs, maxLost),
          queuedTrialsOfLiveSweeps: (page) => queuedTrialsOfLiveSweeps(db, page),
          sweepsToSettle: (limit) => sweepsToSettle(db, limit),
        }),
      ),
  };
}
