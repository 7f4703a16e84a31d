/**
 * The statuses of sweeps and trials and the only ways they change. This file is their one home: the
 * database's enums (prisma/schema.prisma's `SweepStatus` and `TrialStatus`, in this order) are checked
 * against these lists; every statement of @hypersweep/db that changes a status takes the statuses it may
 * change from out of the tables below (`sweepStatusesBefore`, `trialStatusesBefore`); the API's schemas,
 * the dashboard (`/statuses.js`) and the CLI read them from here.
 */
export const sweepStatuses = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const;
export type SweepStatus = (typeof sweepStatuses)[number];

export const trialStatuses = ['queued', 'running', 'completed', 'failed', 'cancelled', 'pruned'] as const;
export type TrialStatus = (typeof trialStatuses)[number];

/** A sweep whose trials may still run: the statuses a cancel, a claim or the reconciler acts on. */
export const liveSweepStatuses = ['queued', 'running'] as const satisfies readonly SweepStatus[];
/** The statuses a sweep ends in: nothing runs for it any more. */
export const endedSweepStatuses = [
  'completed',
  'failed',
  'cancelled',
] as const satisfies readonly SweepStatus[];
/** A trial that has not ended: waiting for a worker or training on one. */
export const unfinishedTrialStatuses = ['queued', 'running'] as const satisfies readonly TrialStatus[];
/** How a trial ends. */
export const finishedTrialStatuses = [
  'completed',
  'failed',
  'cancelled',
  'pruned',
] as const satisfies readonly TrialStatus[];
export type FinishedTrialStatus = (typeof finishedTrialStatuses)[number];
/** A sweep that can still grow (extend): a completed one runs again. */
export const extendableSweepStatuses = [
  'queued',
  'running',
  'completed',
] as const satisfies readonly SweepStatus[];

/**
 * Every change of a sweep's status, and why it happens. A status is left out of its own list: writing the
 * status a row already has is not a transition and is always allowed.
 */
export const sweepTransitions: { readonly [from in SweepStatus]: readonly SweepStatus[] } = {
  // running: its first trial starts; completed: its last trial ends (a grid whose trials all failed or
  // were lost ends without one ever running); cancelled: POST /cancel; failed: reserved for a sweep the
  // service gives up on as a whole (no operation does so today: a failed trial never fails its sweep).
  queued: ['running', 'completed', 'cancelled', 'failed'],
  running: ['completed', 'cancelled', 'failed'],
  // Growing a completed sweep (POST /extend) runs it again.
  completed: ['running'],
  failed: [],
  cancelled: [],
};

/** Every change of a trial's status, and why it happens. */
export const trialTransitions: { readonly [from in TrialStatus]: readonly TrialStatus[] } = {
  // running: a worker claims it; cancelled: its sweep is cancelled (or the trial's job comes up in a
  // cancelled sweep).
  queued: ['running', 'cancelled'],
  // queued: handed back on shutdown, retried after a throw, or taken back after its worker's lease ran
  // out; the rest: how a trial ends (failed also when it was lost too often). A claim of a running trial
  // (a takeover from a vanished worker) keeps it running.
  running: ['queued', 'completed', 'failed', 'cancelled', 'pruned'],
  completed: [],
  failed: [],
  cancelled: [],
  pruned: [],
};

export function canSweepMove(from: SweepStatus, to: SweepStatus): boolean {
  return from === to || sweepTransitions[from].includes(to);
}

export function canTrialMove(from: TrialStatus, to: TrialStatus): boolean {
  return from === to || trialTransitions[from].includes(to);
}

/** The statuses a sweep may move to `to` from (itself included). */
export function sweepStatusesBefore(to: SweepStatus): SweepStatus[] {
  return sweepStatuses.filter((from) => canSweepMove(from, to));
}

/** The statuses a trial may move to `to` from (itself included). */
export function trialStatusesBefore(to: TrialStatus): TrialStatus[] {
  return trialStatuses.filter((from) => canTrialMove(from, to));
}

export function isLiveSweep(status: string): boolean {
  return (liveSweepStatuses as readonly string[]).includes(status);
}

export function isEndedSweep(status: string): boolean {
  return (endedSweepStatuses as readonly string[]).includes(status);
}

/** `'queued', 'running'`: a list of statuses for an SQL `IN (...)` (statuses are plain identifiers). */
export function sqlStatusList(statuses: readonly string[]): string {
  return statuses.map((status) => `'${status}'`).join(', ');
}

/** Thrown by `assertSweepMove` / `assertTrialMove` for a change the tables do not allow. */
export class IllegalTransitionError extends Error {
  constructor(
    readonly kind: 'sweep' | 'trial',
    readonly from: string,
    readonly to: string,
  ) {
    super(`a ${kind} cannot go from ${from} to ${to}`);
    this.name = 'IllegalTransitionError';
  }
}

export function assertSweepMove(from: SweepStatus, to: SweepStatus): void {
  if (!canSweepMove(from, to)) throw new IllegalTransitionError('sweep', from, to);
}

export function assertTrialMove(from: TrialStatus, to: TrialStatus): void {
  if (!canTrialMove(from, to)) throw new IllegalTransitionError('trial', from, to);
}
