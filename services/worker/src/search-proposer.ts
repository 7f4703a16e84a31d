import {
  insertTrials,
  readFinishedSearchTrials,
  readSearchSweep,
  type Transactional,
  withSweepLock,
} from '@hypersweep/db';
import { enqueueTrials, type TrialJobData } from '@hypersweep/queue';
import type { ObservedTrial } from '@hypersweep/search';
import { configHash, proposeSearchConfig } from '@hypersweep/spec';
import { workloadInfos } from '@hypersweep/trainer';
import type { Queue } from 'bullmq';

const context = { workloads: workloadInfos() };

/**
 * After a trial of a TPE (or random, with parallelism) sweep ends: under the sweep's row lock, reads the finished trials from
 * Postgres and creates the next configs (each once per seed) while fewer than `parallelism` are in
 * flight and the budget (`trials`) is not spent, then enqueues them. Two workers finishing at once
 * queue on the lock, and the second sees the first one's trials, so the budget is never exceeded.
 * Returns the ids enqueued.
 */
export async function proposeSearchTrials(
  pool: Transactional,
  queue: Queue<TrialJobData>,
  sweepId: string,
): Promise<string[]> {
  const created = await withSweepLock(pool, sweepId, 'row', async (client) => {
    const sweep = await readSearchSweep(client, sweepId);
    const search = sweep?.search;
    if (!sweep || !search || (search.type !== 'tpe' && search.type !== 'random')) return [];
    if (sweep.status !== 'queued' && sweep.status !== 'running') return [];
    const budget = search.trials!;
    const seeds = Math.max(1, Math.round(sweep.trialCount / budget));
    let configs = Math.ceil(sweep.created / seeds);
    let inFlight = Math.ceil(sweep.unfinished / seeds);
    const parallelism = search.parallelism ?? budget;
    if (configs >= budget || inFlight >= parallelism) return [];
    const sign = sweep.objectiveMode === 'min' ? 1 : -1;
    // Random search ignores results; TPE reads every finished trial.
    const finished =
      search.type === 'tpe' ? await readFinishedSearchTrials(client, sweepId, sweep.objectiveMetric) : [];
    const history: ObservedTrial[] = finished
      .filter((t) => t.params !== null)
      .map((t) =>
        t.status === 'completed'
          ? { state: 'complete', value: t.bestValue === null ? null : sign * t.bestValue, params: t.params! }
          : {
              state: 'pruned',
              lastStep: t.lastValue === null ? null : t.lastEpoch,
              lastValue: t.lastValue === null ? null : sign * t.lastValue,
              params: t.params!,
            },
      );
    const ids: string[] = [];
    let index = sweep.created;
    while (configs < budget && inFlight < parallelism) {
      const proposal = proposeSearchConfig(sweep.spec, history, configs, context);
      configs++;
      inFlight++;
      if (!proposal.ok) continue;
      const rows = proposal.trials.map((config) => ({
        config,
        configHash: configHash(config),
        params: proposal.params,
      }));
      ids.push(...(await insertTrials(client, sweepId, index, rows)));
      index += rows.length;
    }
    return ids;
  });
  if (created.length > 0)
    await enqueueTrials(
      queue,
      created.map((trialId) => ({ trialId, sweepId })),
    );
  return created;
}
