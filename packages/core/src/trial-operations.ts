import type { SweepEventBody } from './events.js';
import type { Best } from './objective.js';
import type { OutboxRelay, TrialRef } from './outbox.js';
import type { ClaimedTrial, TrialOutcome, TrialStore } from './ports.js';

/**
 * The operations on one trial, as a worker (or anything else that trains trials) performs them: claim,
 * report progress, checkpoint, finish, fail, hand back. Every write is fenced to the worker holding the
 * trial; a worker that no longer holds it is told so in one way (`held: false` / null), and must stop
 * without writing anything more. State changes carry their events in the outbox; progress is live only.
 */
export interface TrialPorts {
  store: TrialStore;
  relay: Pick<OutboxRelay, 'kick'>;
  /** Settles the sweep after one of its trials ended (settle.ts); never throws. */
  settle(sweepId: string): Promise<void>;
  /** Sends a live event that is no change of state (progress, a trial starting); never throws or waits. */
  publishLive(event: SweepEventBody): void;
  /** A trial taken over from vanished workers more than this many times fails instead (none: no limit). */
  maxLost?: number;
}

export type Claim =
  | { kind: 'claimed'; trial: ClaimedTrial }
  /** Lost too often: failed now, for good. */
  | { kind: 'failed'; error: string }
  /** Finished, cancelled, deleted, held by a live worker, or its sweep has ended. */
  | { kind: 'skipped'; reason: string };

/** The one answer a worker gives for a trial it no longer holds. */
export const notHeld = { skipped: 'trial taken over or deleted while training' } as const;

export type ProgressAnswer = 'held' | 'lost' | 'cancelled';

export function trialOperations(ports: TrialPorts) {
  const { store, relay } = ports;

  return {
    async claim(ref: TrialRef, workerId: string): Promise<Claim> {
      const trial = await store.claim(ref.trialId, workerId, ports.maxLost);
      if (trial === null) {
        const lost = ports.maxLost === undefined ? null : await store.failLost(ref, ports.maxLost);
        if (lost !== null) {
          relay.kick();
          await ports.settle(ref.sweepId);
          return { kind: 'failed', error: lost.error };
        }
        if (await store.cancelIfSweepCancelled(ref.trialId)) relay.kick();
        // A finished trial's job delivered again: its worker may have died between ending it and settling
        // its sweep, so settle it now (a no-op where that was done).
        await ports.settle(ref.sweepId);
        return { kind: 'skipped', reason: 'trial cancelled, finished or deleted' };
      }
      if (await store.markSweepRunning(ref.sweepId)) relay.kick();
      ports.publishLive({
        type: 'trial.started',
        sweepId: ref.sweepId,
        trialId: ref.trialId,
        index: trial.index,
        workerId,
      });
      return { kind: 'claimed', trial };
    },

    /** Steps done and the best value so far, and a heartbeat; says whether to go on. */
    async progress(
      ref: TrialRef,
      workerId: string,
      progress: { stepsDone: number; best: Best; loss: number | null; lr: number | null },
    ): Promise<ProgressAnswer> {
      const held = await store.recordProgress(ref.trialId, workerId, progress);
      if (held === null) return 'lost';
      ports.publishLive({
        type: 'trial.progress',
        sweepId: ref.sweepId,
        trialId: ref.trialId,
        stepsDone: progress.stepsDone,
        loss: progress.loss,
        lr: progress.lr,
        bestValue: progress.best?.value ?? null,
      });
      // Fallback for a missed cancel message: the API marks the sweep cancelled in Postgres first.
      return held.sweepStatus === 'cancelled' ? 'cancelled' : 'held';
    },

    async checkpoint(ref: TrialRef, workerId: string, checkpoint: { step: number }): Promise<boolean> {
      return (await store.saveCheckpoint(ref.trialId, workerId, checkpoint)) !== null;
    },

    /** The trial's outcome; false when the worker no longer held it. */
    async finish(ref: TrialRef, workerId: string, outcome: TrialOutcome): Promise<boolean> {
      const written = await store.finish(ref, workerId, outcome);
      if (written === null) return false;
      relay.kick();
      await ports.settle(ref.sweepId);
      return true;
    },

    /** A trial that threw; null when the worker no longer held it. */
    async fail(
      ref: TrialRef,
      workerId: string,
      failure: { final: boolean; error: string; eventError: string },
    ): Promise<{ stepsDone: number } | null> {
      const written = await store.fail(ref, workerId, failure);
      if (written === null) return null;
      if (failure.final) {
        relay.kick();
        await ports.settle(ref.sweepId);
      }
      return { stepsDone: written.stepsDone };
    },

    /** Shutdown: back to the queue, to resume from the last checkpoint; false when no longer held. */
    async handBack(ref: TrialRef, workerId: string): Promise<boolean> {
      return (await store.handBack(ref.trialId, workerId)) !== null;
    },
  };
}

export type TrialOperations = ReturnType<typeof trialOperations>;
