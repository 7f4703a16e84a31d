import { nextSample, samplesOwed } from './budget.js';
import type { LockedSearch, NewTrial } from './ports.js';
import { observationsOf, type SearchObservation } from './seed-observations.js';

export { observationsOf, type SearchObservation };
/** Samples config number `sample` of a search given its history (packages/spec's proposeSearchConfig). */
export type Proposer = (
  spec: unknown,
  history: readonly SearchObservation[],
  sample: number,
  datasets: readonly unknown[],
) => { ok: true; trials: NewTrial[] } | { ok: false; errors: unknown };

/** What proposeOwed needs of a search: its spec, budget, progress and datasets. */
export type ProposingSearch = Pick<LockedSearch, 'spec' | 'budget' | 'progress' | 'datasets'>;

/**
 * Proposes the configs a search is owed now (budget.ts), each inserted through `insert`; returns the
 * samples drawn after, or null when none was drawn. A sampled config whose options are invalid together
 * uses up its sample and is skipped.
 */
export async function proposeOwed(
  ports: {
    propose: Proposer;
    onSkipped?: ((sweepId: string, sample: number, errors: unknown) => void) | undefined;
  },
  sweepId: string,
  search: ProposingSearch,
  history: readonly SearchObservation[],
  insert: (trials: NewTrial[]) => Promise<void>,
): Promise<number | null> {
  let owed = samplesOwed(search.budget, search.progress);
  let sample = nextSample(search.budget, search.progress);
  const drawnBefore = sample;
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
    await insert(proposal.trials);
    if (sample >= search.budget.samples) break;
  }
  return sample === drawnBefore ? null : sample;
}
