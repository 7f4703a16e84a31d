import { createHash } from 'node:crypto';
import { compareValues } from '@hypersweep/core';
import { canonicalJson } from '../canonical-json.js';
import type { ObjectiveMode } from '../objective.js';
import { type TrialStatus, trialStatuses } from '../statuses.js';
import type { TrialConfig } from '../trial-config.js';
import { meanOf, summarize, type ValueSummary } from './summary.js';

/** What the comparison needs of a trial. */
export interface ComparedTrial {
  id: string;
  index: number;
  status: TrialStatus;
  config: TrialConfig;
  /** The objective's best value so far (null before the first measurement). */
  bestValue: number | null;
  finalLoss: number | null;
  /** A pruned trial: the epochs it trained before the pruner stopped it (null if it recorded none or was not pruned). */
  epochsDone?: number | null;
}

/** A pruned trial of a configuration: where it stopped and its value there. */
export interface PrunedTrial {
  trialId: string;
  seed: number;
  /** Epochs it trained before it was stopped (it stopped at epoch `epochs`, counting from 1). */
  epochs: number | null;
  /** Its best objective value over those epochs: what a completed trial's value is over all of them. */
  value: number | null;
}

/** A configuration's pruned trials, apart from the completed ones' statistics. */
export interface PrunedSummary {
  n: number;
  /** In seed order. */
  trials: PrunedTrial[];
}

export type SeedlessConfig = Omit<TrialConfig, 'seed'>;

/** Trials that differ only in their seed: one configuration, replicated. */
export interface ConfigGroup {
  /** Stable id of the configuration: the first 16 hex digits of sha256 of its canonical JSON. */
  key: string;
  config: SeedlessConfig;
  /** In ascending order; trialIds follow the same order. */
  seeds: number[];
  trialIds: string[];
  /** Smallest trial index of the group (the grid position of its first seed). */
  firstIndex: number;
  status: Record<TrialStatus, number>;
  /** Over the completed trials: n, mean, sample std, min, max and the 95% t-interval of the best value. */
  objective: ValueSummary;
  /** Mean final training loss over the completed trials. */
  meanFinalLoss: number | null;
  /** Its pruned trials with the epoch each stopped at and its value there (never in `objective`). */
  pruned: PrunedSummary;
}

export function withoutSeed(config: TrialConfig): SeedlessConfig {
  const { seed: _seed, ...rest } = config;
  return rest;
}

/** The key of a configuration regardless of seed (equal configs, equal keys). */
export function configKey(config: TrialConfig | SeedlessConfig): string {
  return hashKey(canonicalJson('seed' in config ? withoutSeed(config) : config));
}

const hashKey = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);

/**
 * Groups trials that differ only in seed. The statistics use completed trials only: a running trial's best
 * value so far and a pruned trial's cut-short one would bias the mean toward whatever is still early. The
 * pruned trials are listed apart (`pruned`), each with the epoch it stopped at and its best value up to
 * there, so a configuration whose every trial was pruned is still a row that says how far it got.
 */
export function groupBySeed(
  trials: readonly ComparedTrial[],
  /** The canonical JSON of a trial's config without its seed (callers may keep it: configs never change). */
  seedlessText: (trial: ComparedTrial) => string = (trial) => canonicalJson(withoutSeed(trial.config)),
): ConfigGroup[] {
  // grouped by canonical text; the (slower) hash is taken once per group
  const byText = new Map<string, { config: SeedlessConfig; trials: ComparedTrial[] }>();
  for (const trial of trials) {
    const text = seedlessText(trial);
    let group = byText.get(text);
    if (!group) {
      group = { config: withoutSeed(trial.config), trials: [] };
      byText.set(text, group);
    }
    group.trials.push(trial);
  }
  const byKey = [...byText].map(([text, group]) => [hashKey(text), group] as const);
  return byKey.map(([key, { config, trials: members }]) => {
    members.sort((a, b) => a.config.seed - b.config.seed || a.index - b.index);
    const status = Object.fromEntries(trialStatuses.map((s) => [s, 0])) as Record<TrialStatus, number>;
    for (const t of members) status[t.status]++;
    const completed = members.filter((t) => t.status === 'completed');
    const pruned = members.filter((t) => t.status === 'pruned');
    return {
      key,
      config,
      seeds: members.map((t) => t.config.seed),
      trialIds: members.map((t) => t.id),
      firstIndex: Math.min(...members.map((t) => t.index)),
      status,
      objective: summarize(completed.flatMap((t) => (t.bestValue === null ? [] : [t.bestValue]))),
      meanFinalLoss: meanOf(completed.map((t) => t.finalLoss)),
      pruned: {
        n: pruned.length,
        trials: pruned.map((t) => ({
          trialId: t.id,
          seed: t.config.seed,
          epochs: t.epochsDone ?? null,
          value: t.bestValue !== null && Number.isFinite(t.bestValue) ? t.bestValue : null,
        })),
      },
    };
  });
}

/**
 * The pruned trial that stands for a configuration without a completed one: the one that got furthest,
 * then the best value among those (as Optuna's TPE ranks pruned trials: after every complete one, those
 * that got further first).
 */
export function furthestPruned(pruned: PrunedSummary, mode: ObjectiveMode): PrunedTrial | null {
  const better = compareValues(mode);
  let best: PrunedTrial | null = null;
  for (const t of pruned.trials) {
    if (best === null || byProgress(better)(t, best) < 0) best = t;
  }
  return best;
}

const byProgress =
  (better: ReturnType<typeof compareValues>) =>
  (a: PrunedTrial | null, b: PrunedTrial | null): number => {
    if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
    return (b.epochs ?? -1) - (a.epochs ?? -1) || better(a.value, b.value);
  };

/**
 * Best first by the mean objective in the objective's direction; then the groups without a completed
 * trial whose trials were pruned, furthest first (the epochs their furthest trial trained), then by its
 * value; then the rest; ties by grid position, so the order is stable.
 */
export function rankGroups(groups: readonly ConfigGroup[], mode: ObjectiveMode): ConfigGroup[] {
  const better = compareValues(mode);
  const progress = byProgress(better);
  const stand = new Map(groups.map((g) => [g, furthestPruned(g.pruned, mode)]));
  return [...groups].sort(
    (a, b) =>
      better(a.objective.mean, b.objective.mean) ||
      (a.objective.mean === null ? progress(stand.get(a)!, stand.get(b)!) : 0) ||
      a.firstIndex - b.firstIndex,
  );
}
