import { compareValues } from '@hypersweep/core';
import { readTrialResults } from '@hypersweep/db';
import {
  type ComparedTrial,
  type ConfigGroup,
  computeEffects,
  furthestPruned,
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

/**
 * How every analysis treats pruned trials, in the responses (/configs, /effects) and the README: a script
 * reads the rule where the numbers are.
 */
export const PRUNED_RULES = {
  configs:
    "Statistics (n, mean, std, interval, min, max) are over completed trials only. Pruned trials are listed apart per configuration (pruned.trials: the epochs each trained before it was stopped and its best objective value up to there, the measure a completed trial's value takes over all its epochs); a configuration whose trials were all pruned is a row with rank null, after the ranked ones, furthest first (as Optuna's TPE ranks pruned trials).",
  effects:
    "Over completed trials only: a pruned trial was stopped because it was worse at that epoch, so its cut-short value is not comparable with a completed trial's, and mixing them would credit a setting with when its trials stopped. Pruned trials are counted per factor and level (pruned), a level only pruned trials reached is listed with n 0 and mean null, and a level's mean over its surviving trials is optimistic when many of its trials were pruned.",
} as const;

/** What a configs page says about its pruned trials: how many, in how many rows without a completed one, and the rule. */
export function prunedOverview(groups: readonly ConfigGroup[]) {
  return {
    trials: groups.reduce((n, g) => n + g.pruned.n, 0),
    configs: groups.filter((g) => g.objective.n === 0 && g.pruned.n > 0).length,
    rule: PRUNED_RULES.configs,
  };
}

/** One configuration as GET /v1/sweeps/:id/configs shows it; `position` in the ranking from 0. */
export const configRow = (group: ConfigGroup, position: number, mode: ObjectiveMode) => ({
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
  pruned: { ...group.pruned, furthest: furthestPruned(group.pruned, mode) },
});

/** GET /v1/sweeps/:id/configs as JSON: a page of the ranked configurations. */
export async function configsPage(context: ApiContext, id: string, page: { limit: number; offset: number }) {
  const sweep = await loadComparedSweep(context, id);
  const { rows, groups } = await rankedGroups(context.pool, id, sweep.objectiveMode);
  const items = groups
    .slice(page.offset, page.offset + page.limit)
    .map((g, i) => configRow(g, page.offset + i, sweep.objectiveMode));
  return { sweep, rows, groups, items, pruned: prunedOverview(groups) };
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
    pruned: rows.flatMap((r) => (r.status === 'pruned' ? [r.config] : [])),
  });
  return {
    objective: sweep.objective,
    ...effects,
    pruned: { trials: effects.pruned, rule: PRUNED_RULES.effects },
  };
}
