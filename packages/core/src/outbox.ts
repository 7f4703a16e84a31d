import type { SweepEventBody } from './events.js';

/** A trial and the sweep it belongs to: what a job on the trial queue carries (job id = trial id). */
export interface TrialRef {
  trialId: string;
  sweepId: string;
}

/**
 * What a change of state must tell Redis, written in the change's own transaction (the transactional
 * outbox) and sent afterwards by a relay. Postgres is the source of truth: once a change has committed,
 * its jobs and events are sent at least once, whether or not Redis answered at the time, and nothing is
 * ever undone because Redis did not.
 */
export type OutboxMessage =
  /** Jobs for trials that are to run (new trials, a grown grid, a search's next proposals). */
  | { kind: 'enqueue'; trials: TrialRef[] }
  /** A live event the dashboard and the CLI wait for (a sweep's status, a trial's end). */
  | { kind: 'event'; event: SweepEventBody }
  /** A cancelled sweep: running trials are told to stop, the jobs of the trials cancelled now removed. */
  | { kind: 'cancel'; sweepId: string; cancelledTrialIds: string[] };

export interface StoredOutboxMessage {
  id: string;
  message: OutboxMessage;
}

/** The outbox's storage (@hypersweep/db). */
export interface OutboxStore {
  /**
   * In one transaction: takes up to `limit` unsent messages oldest first (skipping those another relay
   * holds), hands them to `send`, and deletes them once it resolves; when it throws, they stay for the
   * next try. Returns how many were sent.
   */
  drain(limit: number, send: (messages: readonly StoredOutboxMessage[]) => Promise<void>): Promise<number>;
  /** How many of the messages `ids` are still unsent. */
  pending(ids: readonly string[]): Promise<number>;
}

/** Where the messages go (@hypersweep/queue). Every send is idempotent or harmless when repeated. */
export interface OutboxSink {
  /**
   * Resolves when the sink can take messages now, rejects when it cannot (Redis down). A relay asks before
   * it locks a batch, so a process that cannot reach Redis never holds messages another one could send.
   */
  ready(): Promise<void>;
  enqueue(trials: readonly TrialRef[]): Promise<void>;
  publish(event: SweepEventBody): Promise<void>;
  cancel(sweepId: string, cancelledTrialIds: readonly string[]): Promise<void>;
}

/** Sends messages in order; the first failure stops the batch (all of it is sent again later). */
export async function sendOutboxMessages(
  sink: OutboxSink,
  messages: readonly StoredOutboxMessage[],
): Promise<void> {
  for (const { message } of messages) {
    switch (message.kind) {
      case 'enqueue':
        await sink.enqueue(message.trials);
        break;
      case 'event':
        await sink.publish(message.event);
        break;
      case 'cancel':
        await sink.cancel(message.sweepId, message.cancelledTrialIds);
        break;
    }
  }
}

/** Sends everything in the outbox now, batch by batch, until it is empty (to this relay). */
export async function drainOutbox(store: OutboxStore, sink: OutboxSink, batch = 50): Promise<number> {
  await sink.ready();
  let total = 0;
  for (;;) {
    const sent = await store.drain(batch, (messages) => sendOutboxMessages(sink, messages));
    total += sent;
    if (sent < batch) return total;
  }
}

export interface OutboxRelayOptions {
  store: OutboxStore;
  sink: OutboxSink;
  /** Messages per transaction (default 50). */
  batch?: number;
  /** Looks for messages others wrote (a process that died after its commit) this often (default 1000 ms). */
  pollMs?: number;
  /** After a failed pass, the next one starts this long after it, doubling up to `pollMs` (default 100 ms). */
  retryMs?: number;
  /** Told of a failed pass (Redis or Postgres down); the relay tries again by itself. */
  onError?(error: unknown): void;
}

export interface OutboxRelay {
  /** Sends what is in the outbox now (call it after a commit that wrote messages). */
  kick(): void;
  /**
   * Resolves true once the messages `ids` have been sent (by this relay or another: every API and
   * worker process runs one), false if that did not happen within `timeoutMs` (Redis down: they are sent
   * when it is back). Never throws.
   */
  flush(ids: readonly string[], timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * Runs the relay: a pass drains the outbox batch by batch until it is empty; passes never overlap (a kick
 * during a pass runs one more after it) and run on every kick, every `pollMs`, and after a failure with
 * backoff. Several relays share one outbox: each batch is locked by the relay that takes it.
 */
export function startOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const batch = options.batch ?? 50;
  const pollMs = options.pollMs ?? 1000;
  const retryMs = options.retryMs ?? 100;
  let current: Promise<boolean> | null = null;
  let next: Promise<boolean> | null = null;
  let closed = false;
  let failures = 0;
  let retryTimer: NodeJS.Timeout | null = null;

  const pass = async (): Promise<boolean> => {
    try {
      if (!closed) await drainOutbox(options.store, options.sink, batch);
      failures = 0;
      return true;
    } catch (error) {
      failures += 1;
      options.onError?.(error);
      if (!closed && retryTimer === null) {
        retryTimer = setTimeout(
          () => {
            retryTimer = null;
            void passNow();
          },
          Math.min(retryMs * 2 ** (failures - 1), pollMs),
        );
        retryTimer.unref();
      }
      return false;
    }
  };

  /** A pass that starts now, or, while one runs, the one that starts right after it. */
  function passNow(): Promise<boolean> {
    if (closed) return Promise.resolve(false);
    if (current === null) {
      current = pass().finally(() => {
        current = null;
      });
      return current;
    }
    next ??= current.then(() => {
      next = null;
      return passNow();
    });
    return next;
  }

  const poll = setInterval(() => void passNow(), pollMs);
  poll.unref();
  void passNow();

  return {
    kick: () => void passNow(),
    async flush(ids, timeoutMs) {
      if (ids.length === 0) return true;
      const deadline = Date.now() + timeoutMs;
      const timeLeft = () => deadline - Date.now();
      while (!closed && timeLeft() > 0) {
        await Promise.race([passNow(), sleep(timeLeft())]);
        try {
          if ((await options.store.pending(ids)) === 0) return true;
        } catch {
          return false;
        }
        // Taken by another relay that is sending them now, or this pass failed: look again shortly.
        await sleep(Math.min(25, Math.max(0, timeLeft())));
      }
      return false;
    },
    async close() {
      closed = true;
      clearInterval(poll);
      if (retryTimer) clearTimeout(retryTimer);
      await current;
    },
  };
}
