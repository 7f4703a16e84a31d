import { samplesOwed } from './budget.js';
import { sweepStatusEvent } from './events.js';
import type { OutboxMessage, OutboxRelay } from './outbox.js';
import type { SettleStore } from './ports.js';
import { observationsOf, type Proposer, proposeOwed } from './propose.js';
import { type ProtocolPorts, settleProtocol } from './protocol.js';

export interface SettlePorts {
  store: SettleStore;
  relay: Pick<OutboxRelay, 'kick'>;
  propose: Proposer;
  /** A protocol sweep's tuned configs on the evaluation seeds (packages/spec). */
  protocol?: ProtocolPorts;
  /** Told of a sampled config skipped because its options are invalid together. */
  onSkipped?(sweepId: string, sample: number, errors: unknown): void;
}

export interface Settled {
  /** Trials of a random / tpe search created now. */
  proposed: string[];
  /** The sweep completed now. */
  completed: boolean;
}

/**
 * After a trial ends (and in every reconciler pass), under the sweep's row lock: a random / TPE search
 * gets the configs it is owed (each once per seed: within its budget and parallelism, see budget.ts),
 * their jobs written to the outbox; then, when nothing was created and nothing is queued or running, the
 * sweep completes (its event in the outbox). A tune-then-evaluate sweep's entries each propose within their
 * own budget, and an entry whose tuning ended gets its evaluation trials (protocol.ts). Growing a sweep takes the same lock, so a budget grown as
 * the last trial ends is either proposed here or grows a sweep completed here (which reopens it): it is
 * never lost. A sampled config whose options are invalid together uses up its sample and is skipped.
 */
export async function settleSweep(ports: SettlePorts, sweepId: string): Promise<Settled> {
  const settled = await ports.store.withSweepLock(sweepId, async (tx) => {
    const proposed: string[] = [];
    const search = await tx.readSearch();
    if (search !== null && (search.status === 'queued' || search.status === 'running')) {
      const history =
        samplesOwed(search.budget, search.progress) > 0 && search.type === 'tpe'
          ? observationsOf(search.objective.mode, search.budget.seeds, await tx.readFinishedTrials())
          : [];
      let index = search.progress.created;
      const drawn = await proposeOwed(ports, sweepId, search, history, async (trials) => {
        const ids = await tx.insertTrials(index, trials);
        index += trials.length;
        proposed.push(...ids);
      });
      if (drawn !== null) await tx.recordSamplesDrawn(drawn);
    }
    // A tune-then-evaluate sweep's entries: their tuning configs, and the phase change (protocol.ts).
    proposed.push(...(await settleProtocol(ports, sweepId, tx)));
    const messages: OutboxMessage[] = [];
    if (proposed.length > 0 && search?.external !== true)
      messages.push({ kind: 'enqueue', trials: proposed.map((trialId) => ({ trialId, sweepId })) });
    const completed = proposed.length === 0 && (await tx.completeIfDone());
    if (completed) messages.push({ kind: 'event', event: sweepStatusEvent(sweepId, 'completed') });
    if (messages.length > 0) await tx.append(messages);
    return { proposed, completed };
  });
  if (settled.proposed.length > 0 || settled.completed) ports.relay.kick();
  return settled;
}
