import { compareValues } from '@hypersweep/core';
import {
  rankConfigGroups,
  readResultCounts,
  readSomeTrials,
  readTrialResults,
  type TrialWithConfig,
} from '@hypersweep/db';
import {
  type ComparedTrial,
  type ConfigGroup,
  canonicalJson,
  computeEffects,
  furthestPruned,
  groupBySeed,
  type ObjectiveMode,
  rankGroups,
  sweptFactors,
  type TrialConfig,
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

/** Some of a sweep's trials grouped by configuration (groupBySeed), by their configuration key. */
const groupsByKey = (trials: readonly TrialWithConfig[]) =>
  new Map(
    groupBySeed(trials.map((t) => ({ ...t, config: t.config as TrialConfig }))).map(
      (g) => [g.key, g] as const,
    ),
  );

/** The configurations of the sweep with these keys (those it has), built from their trials alone. */
export const readGroups = async (pool: ApiContext['pool'], id: string, keys: readonly string[]) =>
  groupsByKey(await readSomeTrials(pool, id, 'group', keys));

/**
 * A page of the sweep's configurations, best mean first: ranked and paged in Postgres (rankConfigGroups,
 * rankGroups' order), the page's rows built from its trials alone, so a page of a 100,000-trial sweep reads
 * a page's trials, not the sweep's.
 */
export async function rankedGroupPage(
  pool: ApiContext['pool'],
  id: string,
  mode: ObjectiveMode,
  page: { limit: number; offset: number },
) {
  const ranked = await rankConfigGroups(pool, id, mode, page);
  const groups = await readGroups(pool, id, ranked.keys);
  return { ...ranked, groups: ranked.keys.flatMap((key) => groups.get(key) ?? []) }; // deleted meanwhile
}

/** GET /v1/sweeps/:id/configs as JSON: a page of the ranked configurations. */
export async function configsPage(context: ApiContext, id: string, page: { limit: number; offset: number }) {
  const sweep = await loadComparedSweep(context, id);
  const ranked = await rankedGroupPage(context.pool, id, sweep.objectiveMode, page);
  return {
    objective: sweep.objective,
    total: ranked.total,
    pruned: { trials: ranked.prunedTrials, configs: ranked.prunedConfigs, rule: PRUNED_RULES.configs },
    items: ranked.groups.map((g, i) => configRow(g, page.offset + i, sweep.objectiveMode)),
  };
}

/** GET /v1/sweeps/:id/configs?format=csv: the page with a column per swept option (over the whole sweep). */
export async function configsCsvPage(
  context: ApiContext,
  id: string,
  page: { limit: number; offset: number },
) {
  const sweep = await loadComparedSweep(context, id);
  const { rows, groups } = await rankedGroups(context.pool, id, sweep.objectiveMode);
  const items = groups
    .slice(page.offset, page.offset + page.limit)
    .map((g, i) => configRow(g, page.offset + i, sweep.objectiveMode));
  return { rows, groups, items };
}

/**
 * Effects computed lately, per sweep: kept while the sweep's completed and pruned trials, its trial count
 * and its spec stay the same (readResultCounts; completed and pruned trials never change again), so a
 * finished sweep's effects are computed once per API process, and requests that come while they are being
 * computed wait for that computation instead of starting their own. The least recently used go first.
 */
const effectsCache = new Map<string, { stamp: string; effects: Promise<SweepEffects> }>();
const EFFECTS_KEPT = 32;
type SweepEffects = Awaited<ReturnType<typeof computeSweepEffects>>;

/** GET /v1/sweeps/:id/effects: what each swept setting explains of the completed trials' objective. */
export async function sweepEffects(context: ApiContext, id: string): Promise<SweepEffects> {
  const sweep = await loadComparedSweep(context, id);
  const counts = await readResultCounts(context.pool, id);
  const stamp = `${counts.trials} ${counts.completed} ${counts.pruned} ${canonicalJson(sweep.spec)}`;
  const kept = effectsCache.get(id);
  effectsCache.delete(id);
  if (kept?.stamp === stamp) {
    effectsCache.set(id, kept);
    return kept.effects;
  }
  const effects = computeSweepEffects(context, sweep);
  effectsCache.set(id, { stamp, effects });
  if (effectsCache.size > EFFECTS_KEPT) effectsCache.delete(effectsCache.keys().next().value!);
  // a failed computation is not kept
  effects.catch(() => effectsCache.get(id)?.effects === effects && effectsCache.delete(id));
  return effects;
}

async function computeSweepEffects(
  context: ApiContext,
  sweep: Awaited<ReturnType<typeof loadComparedSweep>>,
) {
  const rows = await loadTrials(context.pool, sweep.id);
  const observations = rows.flatMap((r) =>
    r.status === 'completed' && r.bestValue !== null
      ? [{ config: r.config, value: r.bestValue, key: r.seedlessText }]
      : [],
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
