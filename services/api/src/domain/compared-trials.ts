import { compareValues } from '@hypersweep/core';
import { readTrialResults } from '@hypersweep/db';
import {
  type ComparedTrial,
  type ConfigGroup,
  computeEffects,
  groupBySeed,
  type ObjectiveMode,
  rankGroups,
  sweptFactors,
} from '@hypersweep/spec';
import { type ApiContext, sweepOr404 } from '../context.js';
import { TrialConfigCache } from '../trial-config-cache.js';

// A sweep's trials read for comparing them: the leaderboard's order, the seed groups (configurations),
// the swept factors. The comparison routes, the curves and the CSV exports all start here.

// Trial ids are UUIDs, so one cache serves every app of the process (tests build several).
const configCache = new TrialConfigCache();
export type LoadedTrial = Awaited<ReturnType<TrialConfigCache['withConfigs']>>[number];

/** Every trial of a sweep in grid order, configs included. */
export const loadTrials = async (pool: ApiContext['pool'], sweepId: string) =>
  configCache.withConfigs(pool, await readTrialResults(pool, sweepId));

/** The sweep named by a path's `:id` (or a 404) with its objective as the responses show it. */
export async function loadComparedSweep(context: ApiContext, id: string) {
  const sweep = await sweepOr404(context, id);
  return { ...sweep, objective: { metric: sweep.objectiveMetric, mode: sweep.objectiveMode } };
}

/**
 * Random and TPE searches sample values instead of listing them, so the grid rules (exact ANOVA,
 * extension by new cells) do not apply. A grid (also `search: { type: 'grid' }`) stores no search settings.
 */
export const isSearch = (sweep: { search: unknown }) => sweep.search !== null && sweep.search !== undefined;

/** The leaderboard's order: best value in the objective's direction, no value last, then grid order. */
export function leaderboardOrder<T extends ComparedTrial>(trials: readonly T[], mode: ObjectiveMode): T[] {
  const better = compareValues(mode);
  return [...trials].sort((a, b) => better(a.bestValue, b.bestValue) || a.index - b.index);
}

/** Flat CSV columns: one per swept option (readable path), computed over the whole sweep. */
export function sweptColumns(trials: readonly ComparedTrial[], withSeed: boolean): string[] {
  return sweptFactors(trials.map((t) => t.config))
    .map((f) => f.name)
    .filter((name) => withSeed || name !== 'seed');
}

/** The sweep's trials and its configurations (trials that differ only in seed), best mean first. */
export async function rankedGroups(pool: ApiContext['pool'], id: string, mode: ObjectiveMode) {
  const rows = await loadTrials(pool, id);
  const groups = groupBySeed(rows, (t) => (t as LoadedTrial).seedlessText);
  return { rows, groups: rankGroups(groups, mode) };
}

/** One configuration as GET /v1/sweeps/:id/configs shows it; `position` in the ranking from 0. */
export const configRow = (group: ConfigGroup, position: number) => ({
  rank: group.objective.mean === null ? null : position + 1,
  key: group.key,
  config: group.config as unknown as Record<string, unknown>,
  seeds: group.seeds,
  trialIds: group.trialIds,
  n: group.objective.n,
  mean: group.objective.mean,
  std: group.objective.std,
  min: group.objective.min,
  max: group.objective.max,
  interval: group.objective.interval,
  meanFinalLoss: group.meanFinalLoss,
  status: group.status,
});

/** GET /v1/sweeps/:id/configs as JSON: a page of the ranked configurations. */
export async function configsPage(context: ApiContext, id: string, page: { limit: number; offset: number }) {
  const sweep = await loadComparedSweep(context, id);
  const { rows, groups } = await rankedGroups(context.pool, id, sweep.objectiveMode);
  const items = groups
    .slice(page.offset, page.offset + page.limit)
    .map((g, i) => configRow(g, page.offset + i));
  return { sweep, rows, groups, items };
}

/** GET /v1/sweeps/:id/effects: what each swept setting explains of the completed trials' objective. */
export async function sweepEffects(context: ApiContext, id: string) {
  const sweep = await loadComparedSweep(context, id);
  const rows = await loadTrials(context.pool, id);
  const observations = rows.flatMap((r) =>
    r.status === 'completed' && r.bestValue !== null ? [{ config: r.config, value: r.bestValue }] : [],
  );
  // what was swept is read from the stored spec (extensions included), not from the configs' differences
  const effects = computeEffects(observations, sweep.spec, {
    design: isSearch(sweep) ? 'search' : 'grid',
    trialCount: rows.length,
  });
  return { objective: sweep.objective, ...effects };
}
