import type { Delivered } from '@hypersweep/core';

/**
 * What an answer says about Redis after a change of state: every change writes the jobs and events it
 * owes to the outbox in its own transaction (@hypersweep/core, sweep-operations.ts), so the change is
 * stored either way; `enqueued` says whether the relay had sent them before the answer.
 */
export type Handoff = { enqueued: true } | { enqueued: false; note: string };

export function handoff({ enqueued }: Delivered): Handoff {
  return enqueued
    ? { enqueued: true }
    : {
        enqueued: false,
        note: 'stored; the trial queue (Redis) has not taken its jobs and events yet: they are sent from the outbox as soon as it does, nothing is lost',
      };
}
