import type { SweepEventBody } from './events.js';
import {
  type Best,
  countsAsValue,
  isTrainerMetric,
  type ObjectiveMode,
  type SweepMetric,
  trainerMetricPattern,
  updateBest,
} from './objective.js';
import type { OutboxRelay, TrialRef } from './outbox.js';
import type { FinishedTrialStatus, SweepStatus } from './statuses.js';
import { isEndedSweep } from './statuses.js';

/**
 * External trials: the trials of a sweep with `workload.external`, trained by a program outside the
 * service that claims them over REST (POST /v1/sweeps/:id/claim), reports steps and epochs under a lease
 * (POST /v1/trials/:id/report) and ends them (POST /v1/trials/:id/finish). The rules live here; the
 * statements in @hypersweep/db external-store.ts.
 *
 * - A claim takes a queued trial, or a running one whose lease ended (no report or claim for `leaseMs`):
 *   that counts as losing it, as for the service's own trials (TRIAL_MAX_LOST), and one lost too often
 *   fails instead. The trainer resumes after `resumeFrom`, the last step stored.
 * - Every report and finish carries the lease's token; a token that does not hold the trial (another
 *   trainer's, or one whose lease was taken over) stores nothing (`stale`).
 * - Steps already stored are ignored (a retried report stores nothing twice); within one report steps and
 *   epochs must increase. Non-finite values (NaN, ±Infinity, sent as the strings "NaN", "Infinity",
 *   "-Infinity") are stored as they are, as the service stores a diverged trial's loss; they never count
 *   as a best value and are never compared by a pruner (objective.ts countsAsValue).
 * - The sweep's pruner judges each newly reported epoch as it judges the service's trials; a pruned trial
 *   (or one whose sweep was cancelled) ends at once and the answer says stop.
 */

export interface ExternalSweepState {
  status: SweepStatus;
  external: boolean;
  queued: number;
  running: number;
  /** Milliseconds until the first running trial's lease ends (negative: ended), null when none runs. */
  nextExpiryMs: number | null;
}

export interface ExternalClaimed {
  id: string;
  index: number;
  config: unknown;
  params: Record<string, number> | null;
  token: string;
  expiresAt: Date;
  /** The last step stored (0: none): the trainer goes on from the step after it. */
  resumeFrom: number;
}

/** The trial as a report holding its lease reads it. */
export interface ExternalHeld {
  sweepId: string;
  index: number;
  config: unknown;
  sweepStatus: SweepStatus;
  objectiveMetric: SweepMetric;
  objectiveMode: ObjectiveMode;
  pruner: unknown | null;
  bestValue: number | null;
  bestStep: number | null;
  /** The last step stored before this report (0: none). */
  lastStep: number;
  lastLr: number | null;
  /** The last epoch stored before this report (0: none). */
  lastEpoch: number;
}

/**
 * Epoch metrics a trainer may report under these names (the columns the service's own trials store);
 * any other name matching objective.ts's trainerMetricPattern is a metric of the trainer's own.
 */
export const externalEpochMetrics = ['train_loss', 'val_loss', 'val_accuracy', 'lr'] as const;
export type ExternalEpochMetric = (typeof externalEpochMetrics)[number];
/** The most metrics of its own a trainer may report with one epoch. */
export const MAX_TRAINER_METRICS = 32;

/** A value as a report carries it: a JSON number, or one of the strings for a non-finite value. */
export type ReportedNumber = number | 'NaN' | 'Infinity' | '-Infinity';

export interface ReportedStep {
  step: number;
  loss: ReportedNumber;
  lr: number;
  lrs?: number[];
}

export type ReportedEpoch = { epoch: number } & Partial<Record<ExternalEpochMetric, ReportedNumber>> & {
    /** The trainer's own metrics (`val_bleu`). */
    [metric: string]: ReportedNumber | undefined;
  };

export interface ReportBody {
  steps?: ReportedStep[];
  epochs?: ReportedEpoch[];
}

/** What one report writes (rows as @hypersweep/db's metric writer takes them). */
export interface ExternalReport {
  steps: Array<{ step: number; epoch: number; loss: number; lr: number; lrs: number[] }>;
  epochs: Array<{
    epoch: number;
    trainLoss: number;
    valLoss: number | null;
    valAccuracy: number | null;
    lr: number;
    /** The trainer's own metrics by name (null: none reported). */
    metrics: Record<string, number> | null;
  }>;
  stepsDone: number;
  best: Best;
  /** Epochs reported for the first time, with the objective's value and the best so far after each. */
  judged: Array<{ epoch: number; value: number | null; best: number | null }>;
}

export interface ExternalPruneQuestion {
  sweepId: string;
  trialId: string;
  index: number;
  epoch: number;
  value: number | null;
  best: number | null;
  objective: { metric: SweepMetric; mode: ObjectiveMode };
  pruner: unknown;
  config: unknown;
}

export interface ExternalTrialStore {
  sweepState(sweepId: string): Promise<ExternalSweepState | null>;
  /** Fails the trials whose lease ended after `maxLost` losses (events in the outbox); how many. */
  failLost(sweepId: string, maxLost: number): Promise<number>;
  /** Ends cancelled the running trials of ended sweeps whose lease ran out (events in the outbox). */
  cancelAbandoned(): Promise<TrialRef[]>;
  claim(sweepId: string, worker: string, maxLost: number): Promise<ExternalClaimed | null>;
  /** One report in one transaction, fenced to the token (null: not held, nothing written). */
  report(
    trialId: string,
    token: string,
    plan: (held: ExternalHeld) => ExternalReport,
  ): Promise<{ held: ExternalHeld; report: ExternalReport; stored: number } | null>;
  /** The trial as an unfenced call finds it (null: no such trial). */
  readTrial(
    trialId: string,
    token: string,
  ): Promise<{ status: string; sweepId: string; ownToken: boolean; external: boolean } | null>;
  /**
   * Ends the trial (its event in the outbox), fenced to the token: `retry` when a failed trial has
   * attempts left (TRIAL_ATTEMPTS) puts it back to queued instead (no event). What it became, or null.
   */
  finish(
    ref: TrialRef,
    token: string,
    outcome: { status: FinishedTrialStatus; error: string | null },
    maxAttempts?: number,
  ): Promise<'ended' | 'requeued' | null>;
  handBack(trialId: string, token: string): Promise<boolean>;
  markSweepRunning(sweepId: string): Promise<boolean>;
  /** The sweep's pruner's reason to stop the trial after this epoch, or null (its decision stored). */
  judge(question: ExternalPruneQuestion): Promise<string | null>;
}

export interface ExternalPorts {
  store: ExternalTrialStore;
  relay: Pick<OutboxRelay, 'kick'>;
  /** Settles the sweep after one of its trials ended (settle.ts); never throws. */
  settle(sweepId: string): Promise<void>;
  publishLive(event: SweepEventBody): void;
  /** TRIAL_MAX_LOST (none: no limit). */
  maxLost?: number;
  /** TRIAL_ATTEMPTS: a trial finished `failed` before its last attempt is queued again (none: 1). */
  maxAttempts?: number;
}

export type ExternalClaim =
  | { kind: 'claimed'; trial: ExternalClaimed }
  | { kind: 'missing' }
  | { kind: 'not-external' }
  | { kind: 'ended'; status: SweepStatus }
  /** Nothing can start now (every trial running, or a search waiting on its parallelism). */
  | { kind: 'wait'; retryAfterSeconds: number };

/** Why a fenced call was refused. */
export type ExternalRefusal =
  | { kind: 'missing' }
  | { kind: 'not-external' }
  /** The token does not hold the trial: another trainer's, or its lease was taken over. */
  | { kind: 'stale' }
  /** The trial has ended (its status). */
  | { kind: 'ended'; status: string };

export type ReportAnswer =
  | { kind: 'ok'; stop: false; stored: number }
  | { kind: 'ok'; stop: true; reason: 'pruned' | 'cancelled'; stored: number }
  | { kind: 'invalid'; path: string; message: string }
  | ExternalRefusal;

export type FinishAnswer =
  | {
      kind: 'finished';
      status: FinishedTrialStatus;
      repeated: boolean;
      /** A failed trial with attempts left (TRIAL_ATTEMPTS) went back to queued: another claim retries it. */
      retried: boolean;
    }
  | ExternalRefusal;

const UNLIMITED = 2_147_483_647;

function toNumber(value: ReportedNumber): number {
  return typeof value === 'number' ? value : Number(value);
}

/**
 * Checks a report's order: steps and epochs strictly increasing within it, every step the same number of
 * param-group lrs. The first problem, with its JSON pointer, or null.
 */
export function reportProblem(body: ReportBody): { path: string; message: string } | null {
  const steps = body.steps ?? [];
  for (let i = 1; i < steps.length; i++) {
    const [before, step] = [steps[i - 1]!.step, steps[i]!.step];
    if (step <= before) {
      return {
        path: `/steps/${i}/step`,
        message:
          step === before
            ? `step ${step} is repeated within the report (steps[${i - 1}] is step ${before} too)`
            : `step ${step} comes after step ${before}: steps must increase within a report`,
      };
    }
  }
  const groups = steps[0]?.lrs?.length ?? 1;
  for (let i = 0; i < steps.length; i++) {
    const lrs = steps[i]!.lrs;
    if ((lrs?.length ?? 1) !== groups) {
      return {
        path: `/steps/${i}/lrs`,
        message: `step ${steps[i]!.step} has ${lrs?.length ?? 1} param-group lrs; steps[0] has ${groups}`,
      };
    }
  }
  const epochs = body.epochs ?? [];
  for (let i = 0; i < epochs.length; i++) {
    if (i > 0 && epochs[i]!.epoch <= epochs[i - 1]!.epoch) {
      return {
        path: `/epochs/${i}/epoch`,
        message: `epoch ${epochs[i]!.epoch} comes after epoch ${epochs[i - 1]!.epoch}: epochs must increase within a report`,
      };
    }
    if (epochs[i]!.train_loss === undefined) {
      return { path: `/epochs/${i}`, message: `epoch ${epochs[i]!.epoch} has no train_loss` };
    }
    const own = Object.keys(epochs[i]!).filter((name) => isOwnMetric(name));
    for (const name of own) {
      if (!isTrainerMetric(name)) {
        return {
          path: `/epochs/${i}/${name}`,
          message: `"${name}" is not a metric name: a trainer's own metrics are named like val_bleu (${trainerMetricPattern.source})`,
        };
      }
    }
    if (own.length > MAX_TRAINER_METRICS) {
      return {
        path: `/epochs/${i}`,
        message: `epoch ${epochs[i]!.epoch} reports ${own.length} metrics of its own; at most ${MAX_TRAINER_METRICS}`,
      };
    }
  }
  return null;
}

/** The rows a report writes and the epochs its pruner judges, given the trial as it holds it. */
export function planReport(held: ExternalHeld, body: ReportBody): ExternalReport {
  const fresh = (body.steps ?? []).filter((s) => s.step > held.lastStep);
  const epochOfSteps = held.lastEpoch + 1;
  const steps = fresh.map((s) => ({
    step: s.step,
    epoch: epochOfSteps,
    loss: toNumber(s.loss),
    lr: s.lr,
    lrs: s.lrs ?? [s.lr],
  }));
  const stepsDone = Math.max(held.lastStep, steps.at(-1)?.step ?? 0);
  const lastLr = steps.at(-1)?.lr ?? held.lastLr ?? 0;
  const epochs = (body.epochs ?? []).map((e) => ({
    epoch: e.epoch,
    trainLoss: toNumber(e.train_loss ?? Number.NaN),
    valLoss: e.val_loss === undefined ? null : toNumber(e.val_loss),
    valAccuracy: e.val_accuracy === undefined ? null : toNumber(e.val_accuracy),
    lr: e.lr === undefined ? lastLr : toNumber(e.lr),
    metrics: ownMetrics(e),
  }));
  let best: Best =
    held.bestValue === null ? null : { value: held.bestValue, step: held.bestStep ?? held.lastStep };
  const judged: ExternalReport['judged'] = [];
  for (const e of epochs) {
    const value = metricOf(e, held.objectiveMetric);
    best = updateBest(best, held.objectiveMode, value, stepsDone);
    if (e.epoch > held.lastEpoch)
      judged.push({ epoch: e.epoch, value: countsAsValue(value) ? value : null, best: best?.value ?? null });
  }
  return { steps, epochs, stepsDone, best, judged };
}

const isOwnMetric = (name: string) =>
  name !== 'epoch' && !(externalEpochMetrics as readonly string[]).includes(name);

/** An epoch's metrics of the trainer's own, as numbers (null when it reported none). */
function ownMetrics(epoch: ReportedEpoch): Record<string, number> | null {
  const names = Object.keys(epoch).filter(isOwnMetric);
  if (names.length === 0) return null;
  return Object.fromEntries(names.map((name) => [name, toNumber(epoch[name]!)]));
}

function metricOf(epoch: ExternalReport['epochs'][number], metric: SweepMetric): number | null {
  if (metric === 'train_loss') return epoch.trainLoss;
  if (metric === 'val_loss') return epoch.valLoss;
  if (metric === 'val_accuracy') return epoch.valAccuracy;
  return epoch.metrics?.[metric] ?? null;
}

export function externalTrialOperations(ports: ExternalPorts) {
  const { store, relay } = ports;
  const maxLost = ports.maxLost ?? UNLIMITED;

  async function ended(ref: TrialRef): Promise<void> {
    relay.kick();
    await ports.settle(ref.sweepId);
  }

  /** Why a fenced call found nothing to hold. */
  async function refusal(trialId: string, token: string): Promise<ExternalRefusal> {
    const trial = await store.readTrial(trialId, token);
    if (trial === null) return { kind: 'missing' };
    if (!trial.external) return { kind: 'not-external' };
    if (trial.status !== 'running' && trial.ownToken) return { kind: 'ended', status: trial.status };
    return { kind: 'stale' };
  }

  return {
    async claim(sweepId: string, worker: string): Promise<ExternalClaim> {
      for (let pass = 0; pass < 2; pass++) {
        const state = await store.sweepState(sweepId);
        if (state === null) return { kind: 'missing' };
        if (!state.external) return { kind: 'not-external' };
        if (isEndedSweep(state.status)) return { kind: 'ended', status: state.status };
        if ((await store.failLost(sweepId, maxLost)) > 0) {
          relay.kick();
          await ports.settle(sweepId);
        }
        const trial = await store.claim(sweepId, worker, maxLost);
        if (trial !== null) {
          if (await store.markSweepRunning(sweepId)) relay.kick();
          ports.publishLive({
            type: 'trial.started',
            sweepId,
            trialId: trial.id,
            index: trial.index,
            workerId: worker,
            backend: 'external',
          });
          return { kind: 'claimed', trial };
        }
        if (pass === 0 && state.running === 0) {
          // Nothing queued or running: a search may be owed proposals, or the sweep is done.
          await ports.settle(sweepId);
          continue;
        }
        const expiry = state.nextExpiryMs ?? 5000;
        return { kind: 'wait', retryAfterSeconds: Math.min(5, Math.max(1, Math.ceil(expiry / 1000))) };
      }
      const state = await store.sweepState(sweepId);
      if (state !== null && isEndedSweep(state.status)) return { kind: 'ended', status: state.status };
      return { kind: 'wait', retryAfterSeconds: 1 };
    },

    async report(trialId: string, token: string, body: ReportBody): Promise<ReportAnswer> {
      const problem = reportProblem(body);
      if (problem !== null) return { kind: 'invalid', ...problem };
      const written = await store.report(trialId, token, (held) => planReport(held, body));
      if (written === null) return refusal(trialId, token);
      const { held, report, stored } = written;
      const ref = { sweepId: held.sweepId, trialId };
      const tail = report.steps.at(-1);
      ports.publishLive({
        type: 'trial.progress',
        sweepId: held.sweepId,
        trialId,
        stepsDone: report.stepsDone,
        loss: tail === undefined || !Number.isFinite(tail.loss) ? null : tail.loss,
        lr: tail?.lr ?? null,
        bestValue: report.best?.value ?? null,
      });
      if (held.sweepStatus === 'cancelled') {
        if ((await store.finish(ref, token, { status: 'cancelled', error: null })) !== null) await ended(ref);
        return { kind: 'ok', stop: true, reason: 'cancelled', stored };
      }
      if (held.pruner !== null) {
        for (const epoch of report.judged) {
          const reason = await store.judge({
            ...ref,
            index: held.index,
            ...epoch,
            objective: { metric: held.objectiveMetric, mode: held.objectiveMode },
            pruner: held.pruner,
            config: held.config,
          });
          if (reason !== null) {
            if ((await store.finish(ref, token, { status: 'pruned', error: reason })) !== null)
              await ended(ref);
            return { kind: 'ok', stop: true, reason: 'pruned', stored };
          }
        }
      }
      return { kind: 'ok', stop: false, stored };
    },

    /** completed or failed; the same finish again is answered as the first (`repeated`). */
    async finish(
      trialId: string,
      token: string,
      outcome: { status: 'completed' | 'failed'; error: string | null },
    ): Promise<FinishAnswer> {
      const trial = await store.readTrial(trialId, token);
      if (trial === null) return { kind: 'missing' };
      if (!trial.external) return { kind: 'not-external' };
      const ref = { sweepId: trial.sweepId, trialId };
      const done =
        trial.status === 'running' ? await store.finish(ref, token, outcome, ports.maxAttempts) : null;
      if (done !== null) {
        if (done === 'ended') await ended(ref);
        return { kind: 'finished', status: outcome.status, repeated: false, retried: done === 'requeued' };
      }
      const after = await refusal(trialId, token);
      // The same finish again (a retried request): a failed trial queued for its next attempt included.
      const same =
        after.kind === 'ended' &&
        (after.status === outcome.status || (after.status === 'queued' && outcome.status === 'failed'));
      if (same) return { kind: 'finished', status: outcome.status, repeated: true, retried: false };
      return after;
    },

    /**
     * The lease watch (the API runs it every lease): a running trial of a cancelled sweep whose trainer is
     * gone has no claim or report coming to end it, and a service with no worker process has no reconciler
     * to either. It ends cancelled, with the steps it stored.
     */
    async cancelAbandoned(): Promise<TrialRef[]> {
      const ended = await store.cancelAbandoned();
      if (ended.length > 0) relay.kick();
      return ended;
    },

    /** The trainer gives the trial up unfinished: queued again, the next claim resumes it. */
    async handBack(trialId: string, token: string): Promise<{ kind: 'handed-back' } | ExternalRefusal> {
      if (await store.handBack(trialId, token)) return { kind: 'handed-back' };
      return refusal(trialId, token);
    },
  };
}

export type ExternalTrialOperations = ReturnType<typeof externalTrialOperations>;
