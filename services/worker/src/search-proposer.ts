import {
  completeSweepIfDone,
  insertTrials,
  type Queryable,
  readFinishedSearchTrials,
  readSearchSweep,
  recordSamplesDrawn,
  type Transactional,
  withSweepLock,
} from '@hypersweep/db';
import { enqueueTrials, type TrialJobData } from '@hypersweep/queue';
import type { ObservedTrial } from '@hypersweep/search';
import { configHash, proposeSearchConfig } from '@hypersweep/spec';
import { workloadInfos } from '@hypersweep/trainer';
import type { Queue } from 'bullmq';
import type { Logger } from 'pino';

const context = { workloads: workloadInfos() };

/**
 * After a trial ends (and in every reconciler pass): under the sweep's row lock, a TPE (or random, with
 * parallelism) sweep gets its next configs (each once per seed) from the finished trials while fewer than
 * `parallelism` are in flight and the budget (`trials`) is not spent; then, when nothing was created and
 * nothing is queued or running, the sweep completes. The new trials are enqueued after the lock.
 *
 * Both decisions are made under the lock that growing a sweep takes (growSearchBudget, extendSweepTrials),
 * so a budget grown as the last trial ends is either seen here and proposed, or grows a sweep completed
 * here (which reopens it for the reconciler): it is never lost. Two workers finishing at once queue on the
 * lock, and the second sees the first one's trials, so the budget is never exceeded.
 */
export async function settleSweep(
  pool: Transactional,
  queue: Queue<TrialJobData>,
  sweepId: string,
  log?: Pick<Logger, 'warn'>,
): Promise<{ proposed: string[]; completed: boolean }> {
  const { created, completed } = await withSweepLock(pool, sweepId, 'row', async (client) => {
    const created = await proposeLocked(client, sweepId, log);
    return { created, completed: created.length === 0 && (await completeSweepIfDone(client, sweepId)) };
  });
  if (created.length > 0)
    await enqueueTrials(
      queue,
      created.map((trialId) => ({ trialId, sweepId })),
    );
  return { proposed: created, completed };
}

/**
 * The proposing half of settleSweep, in its transaction: creates the trials owed and returns their ids. A
 * sampled config whose options are invalid together (say nesterov with a sampled momentum of 0) is skipped
 * and logged; it uses up its sample of the budget, and its number is recorded as drawn, so the next sample
 * is a new one (a random search stays the one its seed gives).
 */
async function proposeLocked(
  client: Queryable,
  sweepId: string,
  log?: Pick<Logger, 'warn'>,
): Promise<string[]> {
  const sweep = await readSearchSweep(client, sweepId);
  const search = sweep?.search;
  if (!sweep || !search || (search.type !== 'tpe' && search.type !== 'random')) return [];
  if (sweep.status !== 'queued' && sweep.status !== 'running') return [];
  const budget = search.trials!;
  const seeds = Math.max(1, Math.round(sweep.trialCount / budget));
  let configs = Math.max(sweep.samplesDrawn, Math.ceil(sweep.created / seeds));
  const drawnBefore = configs;
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
    if (!proposal.ok) {
      log?.warn({ sweepId, sample: configs - 1, errors: proposal.errors }, 'sampled config skipped: invalid');
      // Not in flight after all: the next sample takes its place now.
      inFlight--;
      continue;
    }
    const rows = proposal.trials.map((config) => ({
      config,
      configHash: configHash(config),
      params: proposal.params,
    }));
    ids.push(...(await insertTrials(client, sweepId, index, rows)));
    index += rows.length;
  }
  if (configs !== drawnBefore) await recordSamplesDrawn(client, sweepId, configs);
  return ids;
}
