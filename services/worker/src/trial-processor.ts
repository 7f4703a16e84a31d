import {
  type Best,
  type FinishedTrialStatus,
  notHeld,
  type Objective,
  type TrialOperations,
  type TrialRef,
  updateBest,
} from '@hypersweep/core';
import {
  type Queryable,
  retryWhileUnreachable,
  type StatementRunner,
  type Transactional,
  writeEpochMetrics,
  writeStepMetrics,
} from '@hypersweep/db';
import type { TrialJobData } from '@hypersweep/queue';
import type { AnyPrunerConfig, DatasetFileRef } from '@hypersweep/spec';
import {
  type Checkpoint,
  datasetFilesOf,
  type EpochRecord,
  epochMetric,
  type TrialConfig,
  type TrialResult,
} from '@hypersweep/trainer';
import { DelayedError, UnrecoverableError } from 'bullmq';
import type { Logger } from 'pino';
import { type RunningTrials, StopReason } from './running-trials.js';
import { pruneReason } from './search-pruners.js';
import { type TrainerPool, TrialThreadError } from './trainer-pool.js';

/** The part of a BullMQ job the processor uses (a plain object in tests). */
export interface TrialJob {
  data: TrialJobData;
  opts: { attempts?: number };
  attemptsMade: number;
  moveToDelayed(timestamp: number, token?: string): Promise<void>;
}

export interface TrialProcessorDeps {
  /** The trial's lifecycle (@hypersweep/core trialOperations over @hypersweep/db's stores). */
  lifecycle: TrialOperations;
  /** A pool for the metric writes and the pruners (which judge in a transaction of their own). */
  db: Transactional;
  trainers: Pick<TrainerPool, 'run'>;
  running: RunningTrials;
  /** Told how many step rows were stored (the /metrics counter). */
  onRowsWritten?(rows: number): void;
  workerId: string;
  backend: string;
  checkpointEvery: number;
  /** Aborted when the worker shuts down: statements stop waiting for an unreachable Postgres. */
  stopping: AbortSignal;
  log: Logger;
  /**
   * Fetches the uploaded datasets a trial reads to this machine (DATASET_CACHE_DIR) and answers their files,
   * sha256 -> path. Absent: model trials fail (a worker without a database to fetch from).
   */
  datasetFiles?(refs: DatasetFileRef[]): Promise<Record<string, string>>;
  /** Progress reaches Postgres and the event stream at most this often per trial (default 250 ms). */
  progressIntervalMs?: number;
}

/** Errors that retrying cannot fix: the trial's config itself is wrong. */
const CONFIG_ERRORS = new Set(['TrainerError', 'OptimError', 'ExpressionError']);
const FOREIGN_KEY_VIOLATION = '23503';

/** A BullMQ job's result: what happened to the trial. */
type JobResult =
  | { status: FinishedTrialStatus; stepsDone: number; backend: string }
  | { skipped: string }
  | { failed: string };

/**
 * Runs each statement until Postgres answers (the trial pauses; no BullMQ attempt is spent), logging the
 * first retry and every tenth; stops waiting once `signal` aborts (shutdown). The worker's one retry rule.
 */
export function retryRunner(signal: AbortSignal, log: Pick<Logger, 'warn'>): StatementRunner {
  return (statement) =>
    retryWhileUnreachable(statement, {
      signal,
      onRetry: (error, attempt, delayMs) => {
        if (attempt === 1 || attempt % 10 === 0)
          log.warn({ err: error, attempt, delayMs }, 'Postgres unreachable; waiting to retry');
      },
    });
}

/**
 * The BullMQ processor of one trial job: an adapter from the job and the trainer's hooks to the trial's
 * lifecycle operations (claim, report, checkpoint, finish, fail, hand back), plus the metric writes.
 * A statement that fails because Postgres is unreachable is retried with backoff (the trial pauses; no
 * BullMQ attempt is spent); every write is idempotent or fenced to this worker.
 */
export function createTrialProcessor(deps: TrialProcessorDeps) {
  const { db, running, workerId, log, lifecycle } = deps;
  const progressInterval = deps.progressIntervalMs ?? 250;

  const retry = retryRunner(deps.stopping, log);
  const store = <T>(statement: (db: Transactional) => Promise<T>): Promise<T> => retry(() => statement(db));

  return async function processTrial(job: TrialJob, token?: string): Promise<JobResult> {
    const ref: TrialRef = { trialId: job.data.trialId, sweepId: job.data.sweepId };
    const claim = await lifecycle.claim(ref, workerId);
    if (claim.kind === 'failed') {
      log.warn(ref, claim.error);
      return { failed: claim.error };
    }
    if (claim.kind === 'skipped') return { skipped: claim.reason };
    const claimed = claim.trial;

    const controller = running.start(ref.trialId, ref.sweepId);
    const stop = (reason: StopReason) => controller.abort(reason);
    const objective: Objective = claimed.objective;
    const pruner = claimed.pruner as AnyPrunerConfig | null;
    const checkpoint = claimed.checkpoint as Checkpoint | null;
    let best: Best = null;
    let last = { step: checkpoint?.step ?? 0, loss: null as number | null, lr: null as number | null };
    let lastProgress = 0;
    let prunedBecause: string | null = null;

    /**
     * Set when a write found the trial's rows gone: the sweep was deleted under us. Deleting a running sweep
     * cancels it first, so the trial is often stopping (reason cancelled) when its last steps hit the missing
     * rows: that is no failure of the trial, and nothing is logged or retried.
     */
    let deletedUnderUs = false;
    /** A write to this trial's rows; a foreign-key violation means the sweep was deleted under us. */
    const write = async (statement: (q: Queryable) => Promise<unknown>) => {
      try {
        await store(statement);
      } catch (error) {
        if ((error as { code?: string }).code === FOREIGN_KEY_VIOLATION) {
          deletedUnderUs = true;
          stop(StopReason.lost);
        }
        throw error;
      }
    };
    const progress = async (force = false) => {
      const now = Date.now();
      if (!force && now - lastProgress < progressInterval) return;
      lastProgress = now;
      const answer = await lifecycle.progress(ref, workerId, { stepsDone: last.step, best, ...last });
      if (answer === 'lost') stop(StopReason.lost);
      else if (answer === 'cancelled') stop(StopReason.cancelled);
    };
    const onEpoch = async (record: EpochRecord) => {
      await write((q) =>
        writeEpochMetrics(q, ref.trialId, [
          {
            epoch: record.epoch,
            trainLoss: record.trainLoss,
            valLoss: record.valLoss ?? null,
            valAccuracy: record.valAccuracy ?? null,
            lr: record.lr,
          },
        ]),
      );
      const value = epochMetric(record, objective.metric);
      best = updateBest(best, objective.mode, value, record.step);
      if (record.step > last.step) last = { step: record.step, loss: record.trainLoss, lr: record.lr };
      await progress();
      if (pruner === null || controller.signal.aborted) return;
      const reason = await store((q) =>
        pruneReason(q, pruner, {
          ...ref,
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
    };

    let result: TrialResult;
    try {
      const files = datasetFilesOf(claimed.config as TrialConfig);
      const datasetFiles =
        files.length === 0 || deps.datasetFiles === undefined ? undefined : await deps.datasetFiles(files);
      result = await deps.trainers.run(
        claimed.config as TrialConfig,
        {
          ...(datasetFiles ? { datasetFiles } : {}),
          checkpointEvery: deps.checkpointEvery,
          ...(checkpoint ? { resumeFrom: checkpoint } : {}),
          backend: deps.backend,
          objective,
        },
        {
          signal: controller.signal,
          sink: async (records) => {
            await write((q) => writeStepMetrics(q, ref.trialId, records));
            deps.onRowsWritten?.(records.length);
            const tail = records.at(-1)!;
            last = { step: tail.step, loss: tail.loss, lr: tail.lr };
            await progress();
          },
          onEpoch,
          onCheckpoint: async (next) => {
            if (!(await lifecycle.checkpoint(ref, workerId, next))) stop(StopReason.lost);
          },
        },
      );
    } catch (error) {
      running.end(ref.trialId);
      const reason = controller.signal.reason as StopReason | undefined;
      if (reason === StopReason.lost || deletedUnderUs) return notHeld;
      if (reason === StopReason.shutdown) return handBack(job, token);
      return fail(job, error as Error);
    }
    running.end(ref.trialId);
    const reason = controller.signal.reason as StopReason | undefined;
    if (reason === StopReason.lost) return notHeld;
    if (result.status === 'cancelled' && reason === StopReason.shutdown) return handBack(job, token);

    const pruned = result.status === 'cancelled' && reason === StopReason.pruned;
    const status: FinishedTrialStatus = pruned
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
    const held = await lifecycle.finish(ref, workerId, {
      status,
      stepsDone: result.stepsDone,
      bestValue: result.bestValue ?? null,
      bestStep: result.bestStep ?? null,
      finalLoss: Number.isFinite(result.finalLoss) ? result.finalLoss : null,
      backend: result.backend,
      error,
    });
    if (!held) return notHeld;
    return { status, stepsDone: result.stepsDone, backend: result.backend };
  };

  /**
   * Shutdown: the trial goes back to the queue and resumes from its last checkpoint on whichever worker
   * is free. With Postgres down the trial stays `running` until its lease runs out (or its job comes
   * back first): the claim takes it over either way.
   */
  async function handBack(job: TrialJob, token?: string): Promise<never> {
    await lifecycle
      .handBack(job.data, workerId)
      .catch((error: unknown) =>
        log.warn({ err: error, trialId: job.data.trialId }, 'could not hand the trial back in Postgres'),
      );
    await job.moveToDelayed(Date.now(), token);
    throw new DelayedError();
  }

  /** A thrown trial: retried with backoff while attempts remain, else failed for good. */
  async function fail(job: TrialJob, error: Error): Promise<never | typeof notHeld> {
    const permanent = error instanceof TrialThreadError && CONFIG_ERRORS.has(error.name);
    const final = permanent || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    log.warn({ trialId: job.data.trialId, err: error, final }, 'trial failed');
    const failed = await lifecycle.fail(job.data, workerId, {
      final,
      error: `${error.name}: ${error.message}`,
      eventError: error.message,
    });
    if (failed === null) return notHeld;
    throw permanent ? new UnrecoverableError(error.message) : error;
  }
}
