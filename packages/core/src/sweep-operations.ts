import { sweepStatusEvent } from './events.js';
import type { OutboxRelay } from './outbox.js';
import type { Cancellation, GridExtension, NewSweep, NewTrial, SearchGrowth, SweepStore } from './ports.js';
import { isLiveSweep, type SweepStatus } from './statuses.js';

/**
 * The operations on a sweep as a whole (the API's POST, extend, cancel and delete). One policy for
 * "Postgres committed, Redis not reached": each change writes the jobs and events it owes Redis to the
 * outbox in its own transaction; the answer waits up to `deliveryMs` for the relay to send them and says
 * whether it did (`enqueued`). Either way the change is stored and its messages will be sent; nothing is
 * undone.
 */
export interface SweepPorts {
  store: SweepStore;
  relay: Pick<OutboxRelay, 'flush'>;
  /** How long an answer waits for its messages to reach Redis. */
  deliveryMs: number;
}

export interface Delivered {
  /** The change's jobs and events reached Redis before the answer (else they will, from the outbox). */
  enqueued: boolean;
}

export async function submitSweep(
  ports: SweepPorts,
  sweep: NewSweep,
): Promise<{ sweepId: string; trialIds: string[] } & Delivered> {
  const stored = await ports.store.insertSweep(sweep, ({ sweepId, trialIds }) => [
    { kind: 'enqueue', trials: trialIds.map((trialId) => ({ trialId, sweepId })) },
  ]);
  const enqueued = await ports.relay.flush(stored.outbox, ports.deliveryMs);
  return { sweepId: stored.sweepId, trialIds: stored.trialIds, enqueued };
}

/** A grid grows by new cells: they become trials and are enqueued; a completed sweep runs again. */
export async function extendGrid(
  ports: SweepPorts,
  sweepId: string,
  candidates: readonly NewTrial[],
  spec: unknown,
): Promise<GridExtension & Delivered> {
  const outcome = await ports.store.extendGrid(sweepId, candidates, spec, (added, status) =>
    added.length === 0
      ? []
      : [
          { kind: 'enqueue', trials: [...added] },
          { kind: 'event', event: sweepStatusEvent(sweepId, status) },
        ],
  );
  if (outcome.kind !== 'extended') return { ...outcome, enqueued: false };
  return { ...outcome, enqueued: await ports.relay.flush(outcome.outbox, ports.deliveryMs) };
}

/** A random / TPE search grows by samples: its budget only; the workers propose the new trials. */
export async function growSearch(
  ports: SweepPorts,
  sweepId: string,
  samples: number,
  maxTrials: number,
): Promise<SearchGrowth & Delivered> {
  const outcome = await ports.store.growSearch(sweepId, samples, maxTrials, (status) => [
    { kind: 'event', event: sweepStatusEvent(sweepId, status) },
  ]);
  if (outcome.kind !== 'grown') return { ...outcome, enqueued: false };
  return { ...outcome, enqueued: await ports.relay.flush(outcome.outbox, ports.deliveryMs) };
}

/**
 * Cancels a live sweep: waiting trials never start, running ones are told to stop (and turn cancelled
 * when their worker has stopped them). Refused (`refused`) for a completed or failed sweep.
 */
export async function cancelSweep(ports: SweepPorts, sweepId: string): Promise<Cancellation & Delivered> {
  const outcome = await ports.store.cancelSweep(sweepId, (cancelledTrialIds) => [
    { kind: 'cancel', sweepId, cancelledTrialIds },
    { kind: 'event', event: sweepStatusEvent(sweepId, 'cancelled') },
  ]);
  if (outcome.kind !== 'cancelled') return { ...outcome, enqueued: false };
  return { ...outcome, enqueued: await ports.relay.flush(outcome.outbox, ports.deliveryMs) };
}

/** Deletes a sweep with its trials and metrics; a live one is cancelled first so its trials stop. */
export async function deleteSweep(
  ports: SweepPorts,
  sweep: { id: string; status: SweepStatus },
): Promise<void> {
  if (isLiveSweep(sweep.status)) await cancelSweep(ports, sweep.id);
  await ports.store.deleteSweep(sweep.id); // false when deleted meanwhile: fine
}
