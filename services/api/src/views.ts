import type { SweepRow, TrialRow } from '@hypersweep/db';

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** Numbers for JSON: NaN and Infinity (strings in Postgres's JSON) become null. */
export const finite = (value: unknown) =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;

/** A trial as the API shows it. */
export function trialView(trial: TrialRow, now = Date.now()) {
  const started = trial.startedAt?.getTime();
  const ended = trial.finishedAt?.getTime() ?? (trial.status === 'running' ? now : undefined);
  return {
    id: trial.id,
    sweepId: trial.sweepId,
    index: trial.index,
    status: trial.status,
    config: trial.config,
    bestValue: trial.bestValue,
    bestStep: trial.bestStep,
    finalLoss: trial.finalLoss,
    stepsDone: trial.stepsDone,
    attempts: trial.attempts,
    lost: trial.lost,
    durationMs: started !== undefined && ended !== undefined ? Math.max(0, ended - started) : null,
    backend: trial.backend,
    workerId: trial.workerId,
    startedAt: iso(trial.startedAt),
    finishedAt: iso(trial.finishedAt),
    error: trial.error,
    params: trial.params,
    // A rung decision taken at the last epoch can come after training ended: the trial completed.
    prune:
      trial.status !== 'pruned' || trial.pruneRung === null
        ? null
        : { rung: trial.pruneRung, value: trial.pruneValue, cutoff: trial.pruneCutoff },
  };
}

export function sweepSummaryView(sweep: SweepRow) {
  return {
    id: sweep.id,
    name: sweep.name,
    status: sweep.status,
    trialCount: sweep.trialCount,
    objective: { metric: sweep.objectiveMetric, mode: sweep.objectiveMode },
    pruner: sweep.pruner,
    search: sweep.search,
    createdAt: sweep.createdAt.toISOString(),
    startedAt: iso(sweep.startedAt),
    finishedAt: iso(sweep.finishedAt),
    ranMs: ranMs(sweep),
    error: sweep.error,
  };
}

/**
 * How long the sweep has run: from its first trial's start to its end (or now), less the time it sat
 * completed before an extension reopened it. Null before it started.
 */
function ranMs(sweep: SweepRow): number | null {
  if (sweep.startedAt === null) return null;
  const end = sweep.finishedAt?.getTime() ?? Date.now();
  return Math.max(0, end - sweep.startedAt.getTime() - sweep.pausedMs);
}
