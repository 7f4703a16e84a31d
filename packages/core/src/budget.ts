/**
 * A sweep's budget. A grid's is its trials. A random / TPE search's is `samples` configs, each run once per
 * seed: `trialCount` = samples x seeds, with `seeds` stored with the sweep (never derived back from the
 * counts). Trials of one config are created together, so created / seeds configs exist and
 * unfinished / seeds (rounded up) are in flight.
 */
export interface SearchBudget {
  /** Configs the search samples in all (its `trials` setting). */
  samples: number;
  /** Trials per config: the spec's seeds. */
  seeds: number;
  /** Configs in flight at most (its `parallelism`; null: all of them at once). */
  parallelism: number | null;
}

/** Where a search stands: read under its row lock when its next trials are proposed. */
export interface SearchProgress {
  /** Trials created so far (the next trial's index). */
  created: number;
  /** Created trials that have not ended. */
  unfinished: number;
  /** Configs sampled so far, skipped ones included (0 until the proposer first records it). */
  samplesDrawn: number;
}

export function trialCountOf(budget: Pick<SearchBudget, 'samples' | 'seeds'>): number {
  return budget.samples * budget.seeds;
}

/** The next sample's number: configs drawn so far (created ones stand in until one is recorded). */
export function nextSample(budget: SearchBudget, progress: SearchProgress): number {
  return Math.max(progress.samplesDrawn, Math.ceil(progress.created / budget.seeds));
}

export function configsInFlight(budget: SearchBudget, progress: SearchProgress): number {
  return Math.ceil(progress.unfinished / budget.seeds);
}

/** How many configs may be sampled now: what the budget has left, within the parallelism. */
export function samplesOwed(budget: SearchBudget, progress: SearchProgress): number {
  const left = budget.samples - nextSample(budget, progress);
  const room = (budget.parallelism ?? budget.samples) - configsInFlight(budget, progress);
  return Math.max(0, Math.min(left, room));
}

export type BudgetGrowth =
  | { ok: true; budget: SearchBudget; grownBy: number; trialCount: number }
  | { ok: false; trialCount: number };

/** The budget after `samples` more configs, refused past `maxTrials` trials. */
export function growBudget(budget: SearchBudget, samples: number, maxTrials: number): BudgetGrowth {
  const grown = { ...budget, samples: budget.samples + samples };
  const trialCount = trialCountOf(grown);
  if (trialCount > maxTrials) return { ok: false, trialCount };
  return { ok: true, budget: grown, grownBy: samples * budget.seeds, trialCount };
}
