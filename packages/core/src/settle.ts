import { nextSample, samplesOwed } from './budget.js';
import { sweepStatusEvent } from './events.js';
import type { OutboxMessage, OutboxRelay } from './outbox.js';
import type { NewTrial, SettleStore } from './ports.js';
import { observationsOf, type SearchObservation } from './seed-observations.js';

export { observationsOf, type SearchObservation };

/** Samples config number `sample` of a search given its history (packages/spec's proposeSearchConfig). */
export type Proposer = (
  spec: unknown,
  history: readonly SearchObservation[],
  sample: number,
  datasets: readonly unknown[],
) => { ok: true; trials: NewTrial[] } | { ok: false; errors: unknown };

export interface SettlePorts {
  store: SettleStore;
  relay: Pick<OutboxRelay, 'kick'>;
  propose: Proposer;
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
 * sweep completes (its event in the outbox). Growing a sweep takes the same lock, so a budget grown as
 * the last trial ends is either proposed here or grows a sweep completed here (which reopens it): it is
 * never lost. A sampled config whose options are invalid together uses up its sample and is skipped.
 */
export async function settleSweep(ports: SettlePorts, sweepId: string): Promise<Settled> {
  const settled = await ports.store.withSweepLock(sweepId, async (tx) => {
    const proposed: string[] = [];
    const search = await tx.readSearch();
    if (search !== null && (search.status === 'queued' || search.status === 'running')) {
      let owed = samplesOwed(search.budget, search.progress);
      let sample = nextSample(search.budget, search.progress);
      const drawnBefore = sample;
      const history =
        owed > 0 && search.type === 'tpe'
          ? observationsOf(search.objective.mode, search.budget.seeds, await tx.readFinishedTrials())
          : [];
      let index = search.progress.created;
      while (owed > 0) {
        const proposal = ports.propose(search.spec, history, sample, search.datasets);
        sample += 1;
        if (!proposal.ok) {
          // Not in flight after all: the next sample takes its place now.
          ports.onSkipped?.(sweepId, sample - 1, proposal.errors);
          if (sample >= search.budget.samples) break;
          continue;
        }
        owed -= 1;
        proposed.push(...(await tx.insertTrials(index, proposal.trials)));
        index += proposal.trials.length;
        if (sample >= search.budget.samples) break;
      }
      if (sample !== drawnBefore) await tx.recordSamplesDrawn(sample);
    }
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
