import {
  cancelTrialOfCancelledSweep,
  claimTrial,
  completeSweepIfDone,
  type FinishedStatus,
  failLostTrial,
  failTrial,
  finishTrial,
  markSweepRunning,
  type Queryable,
  recordProgress,
  requeueTrial,
  retryWhileUnreachable,
  saveCheckpoint,
  type Transactional,
  writeEpochMetrics,
  writeStepMetrics,
} from '@hypersweep/db';
import type { publishEvent, TrialJobData } from '@hypersweep/queue';
import type { AnyPrunerConfig } from '@hypersweep/spec';
import type { Checkpoint, EpochRecord, Objective, TrialConfig, TrialResult } from '@hypersweep/trainer';
import { DelayedError, UnrecoverableError } from 'bullmq';
import type { Logger } from 'pino';
import { type RunningTrials, StopReason } from './running-trials.js';
import { pruneReason } from './search-pruners.js';
import { type TrainerPool, TrialThreadError } from './trainer-pool.js';

export type WorkerEvent = Parameters<typeof publishEvent>[2];

/** The part of a BullMQ job the processor uses (a plain object in tests). */
export interface TrialJob {
  data: TrialJobData;
  opts: { attempts?: number };
  attemptsMade: number;
  moveToDelayed(timestamp: number, token?: string): Promise<void>;
}

export interface TrialProcessorDeps {
  /** A pool: the rung pruners judge inside a transaction of their own. */
  db: Transactional;
  trainers: Pick<TrainerPool, 'run'>;
  running: RunningTrials;
  /** Sends a live event; never throws and never waits for Redis. */
  publish(event: WorkerEvent): void;
  /** Told how many step rows were stored (the /metrics counter). */
  onRowsWritten?(rows: number): void;
  workerId: string;
  backend: string;
  checkpointEvery: number;
  /** Aborted when the worker shuts down: statements stop waiting for an unreachable Postgres. */
  stopping: AbortSignal;
  log: Logger;
  /**
   * Called when a trial ends: creates and enqueues the next trials of a random / tpe sweep, then completes
   * the sweep when nothing is left to run, under the sweep's row lock (search-proposer.ts settleSweep).
   * Resolves true when it completed the sweep. Absent: the sweep is completed when nothing is left.
   */
  settle?(sweepId: string): Promise<boolean>;
  /**
   * A trial taken over from a vanished worker more than this many times fails instead (TRIAL_MAX_LOST);
   * absent: no limit.
   */
  maxLost?: number;
  /** Progress reaches Postgres and the event stream at most this often per trial (default 250 ms). */
  progressIntervalMs?: number;
}

/** Errors that retrying cannot fix: the trial's config itself is wrong. */
const CONFIG_ERRORS = new Set(['TrainerError', 'OptimError', 'ExpressionError']);
const FOREIGN_KEY_VIOLATION = '23503';

/**
 * The BullMQ processor of one trial job: claims the trial in Postgres, trains it on a training thread,
 * streams its metrics to Postgres in bulk and its progress to the event stream, and settles the trial
 * and its sweep. Orchestration only: every statement is a store function from @hypersweep/db. A
 * statement that fails because Postgres is unreachable is retried with backoff (the trial pauses; no
 * BullMQ attempt is spent); every write is idempotent or fenced to this worker.
 */
export function createTrialProcessor(deps: TrialProcessorDeps) {
  const { db, running, publish, workerId, log } = deps;
  const progressInterval = deps.progressIntervalMs ?? 250;

  function store<T>(statement: (db: Transactional) => Promise<T>): Promise<T> {
    return retryWhileUnreachable(() => statement(db), {
      signal: deps.stopping,
      onRetry: (error, attempt, delayMs) => {
        if (attempt === 1 || attempt % 10 === 0)
          log.warn({ err: error, attempt, delayMs }, 'Postgres unreachable; waiting to retry');
      },
    });
  }

  /**
   * A trial of the sweep ended: a sampled sweep gets its next trials, and the sweep completes when nothing
   * is left to run. If that fails (proposing, or enqueueing what it proposed) the sweep stays as it is
   * (it must not look done with budget left): the reconciler settles it.
   */
  async function settleSweep(sweepId: string): Promise<void> {
    let completed: boolean;
    try {
      completed = await store((q) => (deps.settle ? deps.settle(sweepId) : completeSweepIfDone(q, sweepId)));
    } catch (error) {
      log.warn({ err: error, sweepId }, 'settling the sweep failed; the reconciler retries');
      return;
    }
    if (completed) publish({ type: 'sweep', sweepId, status: 'completed' });
  }

  return async function processTrial(job: TrialJob, token?: string): Promise<unknown> {
    const { trialId, sweepId } = job.data;
    const claimed = await store((q) => claimTrial(q, trialId, workerId, deps.maxLost));
    if (!claimed) {
      // Lost too often (a trial that crashes every worker that trains it) fails here, once.
      const lost =
        deps.maxLost === undefined ? null : await store((q) => failLostTrial(q, trialId, deps.maxLost!));
      if (lost !== null) {
        log.warn({ trialId, sweepId }, lost.error);
        publish({
          type: 'trial.finished',
          sweepId,
          trialId,
          status: 'failed',
          stepsDone: lost.stepsDone,
          finalLoss: null,
          bestValue: null,
          error: lost.error,
        });
        await settleSweep(sweepId);
        return { failed: lost.error };
      }
      await store((q) => cancelTrialOfCancelledSweep(q, trialId));
      // A finished trial's job delivered again: its worker may have died between ending it and settling
      // its sweep, so settle it now (a no-op where that was done).
      await settleSweep(sweepId);
      return { skipped: 'trial cancelled, finished or deleted' };
    }
    if (await store((q) => markSweepRunning(q, sweepId)))
      publish({ type: 'sweep', sweepId, status: 'running' });
    publish({ type: 'trial.started', sweepId, trialId, index: claimed.index, workerId });

    const controller = running.start(trialId, sweepId);
    const stop = (reason: StopReason) => controller.abort(reason);
    const objective: Objective = {
      metric: claimed.objectiveMetric as Objective['metric'],
      mode: claimed.objectiveMode,
    };
    const pruner = claimed.pruner as AnyPrunerConfig | null;
    const checkpoint = claimed.checkpoint as Checkpoint | null;
    const better = (a: number, b: number | null) => b === null || (objective.mode === 'min' ? a < b : a > b);
    let best: { value: number; step: number } | null = null;
    let last = { step: checkpoint?.step ?? 0, loss: null as number | null, lr: null as number | null };
    let lastProgress = 0;
    let prunedBecause: string | null = null;

    /** A write to this trial's rows; a foreign-key violation means the sweep was deleted under us. */
    const write = async (statement: (q: Queryable) => Promise<unknown>) => {
      try {
        await store(statement);
      } catch (error) {
        if ((error as { code?: string }).code === FOREIGN_KEY_VIOLATION) stop(StopReason.lost);
        throw error;
      }
    };
    const progress = async (force = false) => {
      const now = Date.now();
      if (!force && now - lastProgress < progressInterval) return;
      lastProgress = now;
      const held = await store((q) =>
        recordProgress(q, trialId, workerId, {
          stepsDone: last.step,
          bestValue: best?.value ?? null,
          bestStep: best?.step ?? null,
        }),
      );
      if (held === null) return stop(StopReason.lost);
      // Fallback for a missed cancel message: the API marks the sweep cancelled in Postgres first.
      if (held.sweepStatus === 'cancelled') stop(StopReason.cancelled);
      publish({
        type: 'trial.progress',
        sweepId,
        trialId,
        stepsDone: last.step,
        loss: last.loss,
        lr: last.lr,
        bestValue: best?.value ?? null,
      });
    };

    let result: TrialResult;
    try {
      result = await deps.trainers.run(
        claimed.config as TrialConfig,
        {
          checkpointEvery: deps.checkpointEvery,
          ...(checkpoint ? { resumeFrom: checkpoint } : {}),
          backend: deps.backend,
          objective,
        },
        {
          signal: controller.signal,
          sink: async (records) => {
            await write((q) => writeStepMetrics(q, trialId, records));
            deps.onRowsWritten?.(records.length);
            const tail = records.at(-1)!;
            last = { step: tail.step, loss: tail.loss, lr: tail.lr };
            await progress();
          },
          onEpoch: async (record: EpochRecord) => {
            await write((q) =>
              writeEpochMetrics(q, trialId, [
                {
                  epoch: record.epoch,
                  trainLoss: record.trainLoss,
                  valLoss: record.valLoss ?? null,
                  valAccuracy: record.valAccuracy ?? null,
                  lr: record.lr,
                },
              ]),
            );
            const value =
              objective.metric === 'val_loss'
                ? record.valLoss
                : objective.metric === 'val_accuracy'
                  ? record.valAccuracy
                  : record.trainLoss;
            if (value !== undefined && Number.isFinite(value) && better(value, best?.value ?? null)) {
              best = { value, step: record.step };
            }
            if (record.step > last.step) last = { step: record.step, loss: record.trainLoss, lr: record.lr };
            await progress();
            if (pruner !== null && !controller.signal.aborted) {
              const reason = await store((q) =>
                pruneReason(q, pruner, {
                  sweepId,
                  trialId,
                  index: claimed.index,
                  epoch: record.epoch,
                  value: value ?? null,
                  best: best?.value ?? null,
                  objective,
                  epochs: (claimed.config as TrialConfig).training.epochs,
                }),
              );
              if (reason !== null) {
                prunedBecause = reason;
                stop(StopReason.pruned);
              }
            }
          },
          onCheckpoint: async (next) => {
            let held = true;
            await write(async (q) => {
              held = await saveCheckpoint(q, trialId, workerId, next);
            });
            if (!held) stop(StopReason.lost);
          },
        },
      );
    } catch (error) {
      running.end(trialId);
      const reason = controller.signal.reason as StopReason | undefined;
      if (reason === StopReason.lost) return { skipped: 'trial taken over or deleted while training' };
      if (reason === StopReason.shutdown) return handBack(job, token);
      return fail(job, error as Error);
    }
    running.end(trialId);
    const reason = controller.signal.reason as StopReason | undefined;
    if (reason === StopReason.lost) return { skipped: 'trial taken over or deleted while training' };
    if (result.status === 'cancelled' && reason === StopReason.shutdown) return handBack(job, token);

    const pruned = result.status === 'cancelled' && reason === StopReason.pruned;
    const status: FinishedStatus = pruned
      ? 'pruned'
      : result.status === 'completed'
        ? 'completed'
        : result.status === 'diverged'
          ? 'failed'
          : 'cancelled';
    const error =
      result.status === 'diverged'
        ? `diverged: the loss became ${result.finalLoss} at step ${result.stepsDone}`
        : pruned
          ? prunedBecause
          : null;
    const finalLoss = Number.isFinite(result.finalLoss) ? result.finalLoss : null;
    const held = await store((q) =>
      finishTrial(q, trialId, workerId, {
        status,
        stepsDone: result.stepsDone,
        bestValue: result.bestValue ?? null,
        bestStep: result.bestStep ?? null,
        finalLoss,
        backend: result.backend,
        error,
      }),
    );
    if (!held) return { skipped: 'trial taken over or deleted while training' };
    publish({
      type: 'trial.finished',
      sweepId,
      trialId,
      status,
      stepsDone: result.stepsDone,
      finalLoss,
      bestValue: result.bestValue ?? null,
      error,
    });
    await settleSweep(sweepId);
    return { status, stepsDone: result.stepsDone, backend: result.backend };
  };

  /**
   * Shutdown: the trial goes back to the queue and resumes from its last checkpoint on whichever worker
   * is free. With Postgres down the trial stays `running` until its lease runs out (or its job comes
   * back first): the claim takes it over either way.
   */
  async function handBack(job: TrialJob, token?: string): Promise<never> {
    await requeueTrial(db, job.data.trialId, workerId).catch((error: unknown) =>
      log.warn({ err: error, trialId: job.data.trialId }, 'could not hand the trial back in Postgres'),
    );
    await job.moveToDelayed(Date.now(), token);
    throw new DelayedError();
  }

  /** A thrown trial: retried with backoff while attempts remain, else failed for good. */
  async function fail(job: TrialJob, error: Error): Promise<never | { skipped: string }> {
    const { trialId, sweepId } = job.data;
    const permanent = error instanceof TrialThreadError && CONFIG_ERRORS.has(error.name);
    const final = permanent || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    log.warn({ trialId, err: error, final }, 'trial failed');
    const stepsDone = await store((q) =>
      failTrial(q, trialId, workerId, { final, error: `${error.name}: ${error.message}` }),
    );
    if (stepsDone === null) return { skipped: 'trial taken over or deleted while training' };
    if (final) {
      publish({
        type: 'trial.finished',
        sweepId,
        trialId,
        status: 'failed',
        stepsDone,
        finalLoss: null,
        bestValue: null,
        error: error.message,
      });
      await settleSweep(sweepId);
    }
    throw permanent ? new UnrecoverableError(error.message) : error;
  }
}
