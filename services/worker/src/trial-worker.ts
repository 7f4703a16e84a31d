import { createPool, writeEpochMetrics, writeStepMetrics } from '@hypersweep/db';
import {
  cancelChannel,
  createRedis,
  createTrialQueue,
  publishEvent,
  rowsWrittenKey,
  TRIAL_QUEUE_NAME,
  type TrialJobData,
} from '@hypersweep/queue';
import type { AnyPrunerConfig } from '@hypersweep/spec';
import type { Checkpoint, EpochRecord, Objective, TrialConfig, TrialResult } from '@hypersweep/trainer';
import { DelayedError, type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { WorkerConfig } from './config.js';
import { proposeSearchTrials } from './search-proposer.js';
import { pruneReason } from './search-pruners.js';
import { TrainerPool, TrialThreadError } from './trainer-pool.js';

export interface RunningWorker {
  close(): Promise<void>;
}

/** Progress (steps done, best value) reaches Postgres and the event stream at most this often per trial. */
const PROGRESS_INTERVAL_MS = 250;
/** Errors that retrying cannot fix: the trial's config itself is wrong. */
const CONFIG_ERRORS = new Set(['TrainerError', 'OptimError', 'ExpressionError']);
const SHUTDOWN = 'worker shutting down';
const PRUNED = 'pruned';
const CANCELLED = 'sweep cancelled';
const FOREIGN_KEY_VIOLATION = '23503';

class TrialGoneError extends Error {}

interface Claimed {
  config: TrialConfig;
  pruner: AnyPrunerConfig | null;
  checkpoint: Checkpoint | null;
  index: number;
  objective_metric: string;
  objective_mode: 'min' | 'max';
}

/**
 * The BullMQ consumer: claims a trial in Postgres, trains it on a training thread, streams its metrics
 * to Postgres in bulk and its progress to Redis, and settles the trial and its sweep. One job = one trial.
 */
export async function startTrialWorker(config: WorkerConfig, log: Logger): Promise<RunningWorker> {
  const connection = createRedis(config.redisUrl);
  const publisher = createRedis(config.redisUrl);
  const subscriber = createRedis(config.redisUrl);
  const pool = createPool(config.databaseUrl, { max: config.concurrency + 2 });
  const trainers = new TrainerPool(config.concurrency);
  const running = new Map<string, { sweepId: string; controller: AbortController }>();
  // TPE sweeps create their next trials when one ends (search-proposer.ts).
  const searchQueue = createTrialQueue(publisher, config.queuePrefix);
  const proposeNext = (sweepId: string) =>
    proposeSearchTrials(pool, searchQueue, sweepId).catch((error: unknown) =>
      log.error({ err: error, sweepId }, 'proposing the next search trials failed'),
    );

  await subscriber.subscribe(cancelChannel(config.queuePrefix));
  subscriber.on('message', (_channel: string, sweepId: string) => {
    for (const trial of running.values()) if (trial.sweepId === sweepId) trial.controller.abort(CANCELLED);
  });

  const publish = (event: Parameters<typeof publishEvent>[2]) =>
    publishEvent(publisher, config.queuePrefix, event).catch((error: unknown) =>
      log.warn({ err: error }, 'publish failed'),
    );

  async function settleSweep(sweepId: string): Promise<void> {
    // The last trial to end completes its sweep; a failed trial never fails its sweep.
    const { rowCount } = await pool.query(
      `UPDATE sweeps SET status = 'completed', finished_at = now()
       WHERE id = $1 AND status IN ('queued', 'running')
         AND NOT EXISTS (SELECT 1 FROM trials WHERE sweep_id = $1 AND status IN ('queued', 'running'))`,
      [sweepId],
    );
    if (rowCount) await publish({ type: 'sweep', sweepId, status: 'completed' });
  }

  async function processTrial(job: Job<TrialJobData>, token?: string): Promise<unknown> {
    const { trialId, sweepId } = job.data;
    const claim = await pool.query<Claimed>(
      `UPDATE trials t SET status = 'running', attempts = t.attempts + 1, worker_id = $2,
              started_at = COALESCE(t.started_at, now()), error = NULL
       FROM sweeps s
       WHERE t.id = $1 AND s.id = t.sweep_id AND t.status IN ('queued', 'running') AND s.status IN ('queued', 'running')
       RETURNING t.config, t.checkpoint, t.index, s.objective_metric, s.objective_mode, s.pruner`,
      [trialId, config.workerId],
    );
    const claimed = claim.rows[0];
    if (!claimed) {
      // A trial left running or queued by a worker that died after its sweep was cancelled ends here.
      await pool.query(
        `UPDATE trials t SET status = 'cancelled', finished_at = now() FROM sweeps s
         WHERE t.id = $1 AND s.id = t.sweep_id AND s.status = 'cancelled' AND t.status IN ('queued', 'running')`,
        [trialId],
      );
      return { skipped: 'trial cancelled, finished or deleted' };
    }
    const started = await pool.query(
      `UPDATE sweeps SET status = 'running', started_at = COALESCE(started_at, now()) WHERE id = $1 AND status = 'queued'`,
      [sweepId],
    );
    if (started.rowCount) await publish({ type: 'sweep', sweepId, status: 'running' });
    await publish({
      type: 'trial.started',
      sweepId,
      trialId,
      index: claimed.index,
      workerId: config.workerId,
    });

    const controller = new AbortController();
    running.set(trialId, { sweepId, controller });
    const objective: Objective = {
      metric: claimed.objective_metric as Objective['metric'],
      mode: claimed.objective_mode,
    };
    const better = (a: number, b: number | null) => b === null || (objective.mode === 'min' ? a < b : a > b);
    let best: { value: number; step: number } | null = null;
    let last = {
      step: claimed.checkpoint?.step ?? 0,
      loss: null as number | null,
      lr: null as number | null,
    };
    let lastProgress = 0;
    let gone = false;
    let prunedBecause: string | null = null;

    const guard = async (write: () => Promise<unknown>) => {
      try {
        await write();
      } catch (error) {
        if ((error as { code?: string }).code === FOREIGN_KEY_VIOLATION) {
          gone = true; // the sweep was deleted under us
          controller.abort(CANCELLED);
          throw new TrialGoneError('trial deleted');
        }
        throw error;
      }
    };
    const progress = async (force = false) => {
      const now = Date.now();
      if (!force && now - lastProgress < PROGRESS_INTERVAL_MS) return;
      lastProgress = now;
      const { rows } = await pool.query<{ sweep_status: string }>(
        `UPDATE trials t SET steps_done = $2, best_value = $3, best_step = $4 FROM sweeps s
         WHERE t.id = $1 AND s.id = t.sweep_id RETURNING s.status AS sweep_status`,
        [trialId, last.step, best?.value ?? null, best?.step ?? null],
      );
      // Fallback for a missed cancel message: the API marks the sweep cancelled in Postgres first.
      if (rows[0]?.sweep_status === 'cancelled' || rows.length === 0) controller.abort(CANCELLED);
      await publish({
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
      result = await trainers.run(
        claimed.config,
        {
          checkpointEvery: config.checkpointEvery,
          ...(claimed.checkpoint ? { resumeFrom: claimed.checkpoint } : {}),
          backend: config.backend,
          objective,
        },
        {
          signal: controller.signal,
          sink: async (records) => {
            await guard(() => writeStepMetrics(pool, trialId, records));
            await publisher.incrby(rowsWrittenKey(config.queuePrefix), records.length).catch(() => {});
            const tail = records.at(-1)!;
            last = { step: tail.step, loss: tail.loss, lr: tail.lr };
            await progress();
          },
          onEpoch: async (record: EpochRecord) => {
            await guard(() =>
              writeEpochMetrics(pool, trialId, [
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
            if (claimed.pruner !== null && !controller.signal.aborted) {
              const reason = await pruneReason(pool, claimed.pruner, {
                sweepId,
                trialId,
                index: claimed.index,
                epoch: record.epoch,
                value: value ?? null,
                best: best?.value ?? null,
                objective,
                epochs: claimed.config.training.epochs,
              });
              if (reason !== null) {
                prunedBecause = reason;
                controller.abort(PRUNED);
              }
            }
          },
          onCheckpoint: async (checkpoint) => {
            await guard(() =>
              pool.query('UPDATE trials SET checkpoint = $2, steps_done = $3 WHERE id = $1', [
                trialId,
                JSON.stringify(checkpoint),
                checkpoint.step,
              ]),
            );
          },
        },
      );
    } catch (error) {
      running.delete(trialId);
      if (gone) return { skipped: 'trial deleted while training' };
      return failTrial(job, error as Error);
    }
    running.delete(trialId);
    if (gone) return { skipped: 'trial deleted while training' };

    if (result.status === 'cancelled' && controller.signal.reason === SHUTDOWN) {
      // Hand the trial back: it resumes from the checkpoint just written, on whichever worker is free.
      await pool.query(
        `UPDATE trials SET status = 'queued', worker_id = NULL WHERE id = $1 AND status = 'running'`,
        [trialId],
      );
      await job.moveToDelayed(Date.now(), token);
      throw new DelayedError();
    }
    const pruned = result.status === 'cancelled' && controller.signal.reason === PRUNED;
    const status = pruned
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
    await pool.query(
      `UPDATE trials SET status = $2, steps_done = $3, best_value = $4, best_step = $5, final_loss = $6,
              backend = $7, error = $8, finished_at = now(), checkpoint = NULL
       WHERE id = $1 AND status = 'running'`,
      [
        trialId,
        status,
        result.stepsDone,
        result.bestValue ?? null,
        result.bestStep ?? null,
        Number.isFinite(result.finalLoss) ? result.finalLoss : null,
        result.backend,
        error,
      ],
    );
    await publish({
      type: 'trial.finished',
      sweepId,
      trialId,
      status,
      stepsDone: result.stepsDone,
      finalLoss: Number.isFinite(result.finalLoss) ? result.finalLoss : null,
      bestValue: result.bestValue ?? null,
      error,
    });
    await proposeNext(sweepId);
    await settleSweep(sweepId);
    return { status, stepsDone: result.stepsDone, backend: result.backend };
  }

  /** A thrown trial: retried with backoff while attempts remain, else failed for good. */
  async function failTrial(job: Job<TrialJobData>, error: Error): Promise<never> {
    const { trialId, sweepId } = job.data;
    const permanent = error instanceof TrialThreadError && CONFIG_ERRORS.has(error.name);
    const attempts = job.opts.attempts ?? 1;
    const final = permanent || job.attemptsMade + 1 >= attempts;
    log.warn({ trialId, err: error, final }, 'trial failed');
    const updated = await pool.query<{ steps_done: number }>(
      // $2 is typed once, as the enum: used untyped in both places, Postgres deduces text for one and
      // "TrialStatus" for the other and refuses the statement (the trial then stayed 'running' for ever).
      // The steps written before the throw are kept, so steps_done counts them (progress updates lag).
      `UPDATE trials SET status = $2::"TrialStatus", error = $3,
              finished_at = CASE WHEN $2::"TrialStatus" = 'failed' THEN now() END,
              steps_done = COALESCE((SELECT max(step) FROM step_metrics WHERE trial_id = $1), 0)
       WHERE id = $1 AND status = 'running'
       RETURNING steps_done`,
      [trialId, final ? 'failed' : 'queued', `${error.name}: ${error.message}`],
    );
    if (final) {
      await publish({
        type: 'trial.finished',
        sweepId,
        trialId,
        status: 'failed',
        stepsDone: updated.rows[0]?.steps_done ?? 0,
        finalLoss: null,
        bestValue: null,
        error: error.message,
      });
      await proposeNext(sweepId);
      await settleSweep(sweepId);
    }
    throw permanent ? new UnrecoverableError(error.message) : error;
  }

  const worker = new Worker<TrialJobData>(TRIAL_QUEUE_NAME, processTrial, {
    connection,
    prefix: config.queuePrefix,
    concurrency: config.concurrency,
    lockDuration: config.lockDurationMs,
    stalledInterval: Math.min(30_000, config.lockDurationMs),
  });
  worker.on('error', (error) => log.error({ err: error }, 'worker error'));
  await worker.waitUntilReady();
  log.info({ concurrency: config.concurrency, backend: config.backend }, 'worker ready');

  return {
    async close() {
      for (const trial of running.values()) trial.controller.abort(SHUTDOWN);
      await worker.close();
      await trainers.close();
      await searchQueue.close();
      subscriber.disconnect();
      publisher.disconnect();
      connection.disconnect();
      await pool.end();
    },
  };
}
