import type { SearchBudget, SearchProgress } from './budget.js';
import type { Best, Objective } from './objective.js';
import type { OutboxMessage, TrialRef } from './outbox.js';
import type { FinishedTrialStatus, SweepStatus } from './statuses.js';

/**
 * The storage the lifecycle operations are written against (@hypersweep/db implements it over Postgres).
 * Every method that changes state and names outbox messages writes them in the same transaction; it
 * returns their ids (`outbox`) so the caller can wait for them to be sent.
 */

export interface NewTrial {
  config: unknown;
  configHash: string;
  /** Sampled parameters of a random / tpe trial (internal representations). */
  params?: Record<string, number> | null;
  /** A protocol sweep's trial: its phase and optimizer entry (see protocol.ts). */
  phase?: 'tuning' | 'evaluation' | null;
  entry?: number | null;
}

export interface NewSweep {
  name: string;
  spec: unknown;
  objective: Objective;
  pruner: unknown | null;
  /** Search settings of a random / tpe sweep (null for a grid). */
  search: unknown | null;
  /** Trials per config (the spec's seeds). */
  seeds: number;
  /** A tune-then-evaluate sweep's plan (packages/spec ProtocolPlan), null without a protocol. */
  protocol?: unknown | null;
  /** Every trial the sweep will run (a sampled sweep's budget: samples x seeds). */
  trialCount: number;
  /** The expanded grid (or a sampled sweep's first configs), in order: a trial's index is its position. */
  trials: readonly NewTrial[];
  /** The uploaded datasets its trials read (recorded with it: none can be deleted while it is live). */
  datasetIds?: readonly string[];
  /** Its trials run outside the service (workload.external): claimed over REST, never enqueued. */
  external?: boolean;
  /** An lr range test's settings: the sweep is that test (not listed among sweeps). */
  lrRangeTest?: unknown;
  /** The project it belongs to (access.ts; default: `default`). */
  project?: string;
}

/** What a state change wrote to the outbox. */
export interface Written {
  outbox: string[];
}

export type GridExtension =
  | { kind: 'missing' }
  | { kind: 'refused'; status: SweepStatus }
  | ({
      kind: 'extended';
      added: Array<{ id: string; index: number; config: unknown }>;
      reused: number;
      trialCount: number;
      status: SweepStatus;
    } & Written);

export type SearchGrowth =
  | { kind: 'missing' }
  | { kind: 'not-search' }
  | { kind: 'refused'; status: SweepStatus }
  | { kind: 'too-many'; trialCount: number }
  | ({
      kind: 'grown';
      /** Trials the budget grew by: the samples added times the seeds per sample. */
      grownBy: number;
      trialCount: number;
      /** The search's budget in samples after the growth. */
      samples: number;
      status: SweepStatus;
    } & Written);

export type Cancellation =
  | { kind: 'missing' }
  | { kind: 'refused'; status: SweepStatus }
  | ({ kind: 'cancelled'; cancelledTrials: number; runningTrials: number } & Written);

export interface SweepStore {
  insertSweep(
    sweep: NewSweep,
    messages: (ids: { sweepId: string; trialIds: string[] }) => OutboxMessage[],
  ): Promise<{ sweepId: string; trialIds: string[] } & Written>;
  /**
   * Under the sweep's row lock: refused unless its status is extendable; new cells (by config hash)
   * become trials after the existing ones, `spec` replaces the stored one, a completed sweep runs again,
   * and `messages` (given the trials added and the status after) go to the outbox.
   */
  extendGrid(
    sweepId: string,
    candidates: readonly NewTrial[],
    spec: unknown,
    messages: (added: readonly TrialRef[], status: SweepStatus) => OutboxMessage[],
  ): Promise<GridExtension>;
  /** Under the sweep's row lock: the search's budget grows by `samples` configs (see budget.ts). */
  growSearch(
    sweepId: string,
    samples: number,
    maxTrials: number,
    messages: (status: SweepStatus) => OutboxMessage[],
  ): Promise<SearchGrowth>;
  /**
   * Marks a live sweep and its waiting trials cancelled (running trials stay running until their worker
   * stops them); refused for an ended sweep other than a cancelled one (cancelling twice is harmless).
   */
  cancelSweep(
    sweepId: string,
    messages: (cancelledTrialIds: string[]) => OutboxMessage[],
  ): Promise<Cancellation>;
  deleteSweep(sweepId: string): Promise<boolean>;
}

/** What a worker needs to train a trial it claimed. */
export interface ClaimedTrial {
  index: number;
  config: unknown;
  /** The latest checkpoint to resume from, or null to start at step 1. */
  checkpoint: unknown | null;
  objective: Objective;
  pruner: unknown | null;
}

export interface TrialOutcome {
  status: FinishedTrialStatus;
  stepsDone: number;
  bestValue: number | null;
  bestStep: number | null;
  finalLoss: number | null;
  backend: string;
  error: string | null;
}

/**
 * A write fenced to the worker holding the trial. `null` is the one answer for "this worker no longer holds
 * the trial" (it was deleted, cancelled under it, or handed to another worker after its lease ran out).
 */
export type Held<T> = T | null;

export interface TrialStore {
  /** Takes a queued (or abandoned running, lost fewer than `maxLost` times) trial of a live sweep. */
  claim(trialId: string, workerId: string, maxLost: number | undefined): Promise<ClaimedTrial | null>;
  /** A running trial lost `maxLost` times or more fails, with its trial.finished event in the outbox. */
  failLost(ref: TrialRef, maxLost: number): Promise<({ stepsDone: number; error: string } & Written) | null>;
  /** A trial left queued or running in a cancelled sweep ends cancelled. */
  cancelIfSweepCancelled(trialId: string): Promise<boolean>;
  /** A queued sweep becomes running, its event in the outbox; true when this call changed it. */
  markSweepRunning(sweepId: string): Promise<boolean>;
  recordProgress(
    trialId: string,
    workerId: string,
    progress: { stepsDone: number; best: Best },
  ): Promise<Held<{ sweepStatus: SweepStatus }>>;
  saveCheckpoint(trialId: string, workerId: string, checkpoint: { step: number }): Promise<Held<true>>;
  /** Hands the trial back: queued again, it resumes from its last checkpoint. */
  handBack(trialId: string, workerId: string): Promise<Held<true>>;
  /** The trial's outcome, with its trial.finished event in the outbox. */
  finish(ref: TrialRef, workerId: string, outcome: TrialOutcome): Promise<Held<Written>>;
  /**
   * A trial that threw: failed for good when `final` (its event in the outbox), else queued for its next
   * attempt. Its steps done are the steps stored.
   */
  fail(
    ref: TrialRef,
    workerId: string,
    failure: { final: boolean; error: string; eventError: string },
  ): Promise<Held<{ stepsDone: number } & Written>>;
}

/** A random / tpe search as its proposer reads it, under the sweep's row lock. */
export interface LockedSearch {
  spec: unknown;
  type: 'random' | 'tpe';
  status: SweepStatus;
  objective: Objective;
  budget: SearchBudget;
  progress: SearchProgress;
  /**
   * The uploaded datasets the sweep was created with (descriptions as the store keeps them): a model's
   * spec names its dataset, and every proposal must resolve that name to the same one.
   */
  datasets: readonly unknown[];
  /** Its trials are claimed over REST: the trials proposed are not enqueued. */
  external: boolean;
}

/**
 * The ended trials a TPE search learns from (completed, pruned, failed and cancelled, in trial order;
 * seed-observations.ts groups them by config).
 */
export interface FinishedSearchTrial {
  /** The trial's index: its config is index / seeds, rounded down. */
  index: number;
  status: 'completed' | 'pruned' | 'failed' | 'cancelled';
  params: Record<string, number> | null;
  bestValue: number | null;
  lastEpoch: number | null;
  lastValue: number | null;
}

/** A protocol sweep's entry as settling reads it under the sweep's row lock (see protocol.ts). */
export interface LockedProtocolEntry {
  entry: number;
  oneShot: boolean;
  /** The entry's own random / tpe sweep spec to propose from; null for a grid or one-shot entry. */
  search: unknown | null;
  searchType: 'grid' | 'random' | 'tpe';
  /** Its tuning budget in configs. */
  samples: number;
  parallelism: number | null;
  /** Configs sampled so far, skipped ones included. */
  drawn: number;
  tuningCreated: number;
  tuningUnfinished: number;
  evaluationCreated: number;
}

export interface LockedProtocol {
  status: SweepStatus;
  objective: Objective;
  /** Tuning seeds per config. */
  seeds: number;
  evaluation: { seeds: number[]; top: number };
  entries: LockedProtocolEntry[];
  /** Trials of the sweep so far (the next trial's index). */
  created: number;
  datasets: readonly unknown[];
}

/** A protocol sweep's tuning trial that ended (completed, pruned or failed), in trial order. */
export interface EndedTuningTrial extends Omit<FinishedSearchTrial, 'status'> {
  index: number;
  status: 'completed' | 'pruned' | 'failed';
  config: unknown;
}

/** The statements of settling a sweep, all inside one transaction that holds the sweep's row lock. */
export interface SettleTransaction {
  /** The sweep as a search, or null for a grid (or a sweep gone). */
  readSearch(): Promise<LockedSearch | null>;
  readFinishedTrials(): Promise<FinishedSearchTrial[]>;
  insertTrials(firstIndex: number, trials: readonly NewTrial[]): Promise<string[]>;
  recordSamplesDrawn(drawn: number): Promise<void>;
  /** The sweep's protocol, or null for a sweep without one (or gone). */
  readProtocol(): Promise<LockedProtocol | null>;
  /** A protocol entry's ended tuning trials (read after readProtocol). */
  readEndedTuningTrials(entry: number): Promise<EndedTuningTrial[]>;
  recordEntryDrawn(entry: number, drawn: number): Promise<void>;
  /** Completes the sweep when it is live and nothing of it is queued or running. */
  completeIfDone(): Promise<boolean>;
  append(messages: readonly OutboxMessage[]): Promise<string[]>;
}

export interface SettleStore {
  withSweepLock<T>(sweepId: string, work: (tx: SettleTransaction) => Promise<T>): Promise<T>;
}
