import type { TrialSummary } from '@hypersweep/client';

/** A trial's config as flat columns: `optimizer`, its options by torch name (`lr`, `momentum`), ... */
export type FlatConfig = Record<string, unknown>;

type Obj = Record<string, unknown>;
const isObject = (value: unknown): value is Obj =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function addAll(into: FlatConfig, prefix: string, values: unknown): void {
  if (!isObject(values)) return;
  for (const [key, value] of Object.entries(values)) into[`${prefix}${key}`] = value;
}

/**
 * Flattens a trial config (workload, training, optimizer with options and param groups, scheduler, seed)
 * into columns. Optimizer options keep torch's bare names, as people write them in specs; the rest are
 * prefixed by where they live (`scheduler.gamma`, `group1.lr`, `workload.trainSize`, `training.epochs`).
 */
export function flattenConfig(config: Obj): FlatConfig {
  const flat: FlatConfig = {};
  const workload = isObject(config.workload) ? config.workload : {};
  flat.workload = workload.name;
  addAll(flat, 'workload.', workload.options);
  addAll(flat, 'training.', config.training);
  const optimizer = isObject(config.optimizer) ? config.optimizer : {};
  flat.optimizer = optimizer.type;
  addAll(flat, '', optimizer.options);
  if (Array.isArray(optimizer.param_groups)) {
    for (const [i, group] of optimizer.param_groups.entries()) addAll(flat, `group${i + 1}.`, group);
  }
  const scheduler = isObject(config.scheduler) ? config.scheduler : null;
  flat.scheduler = scheduler ? scheduler.type : 'none';
  if (scheduler) {
    addAll(flat, 'scheduler.', scheduler.options);
    flat['scheduler.interval'] = scheduler.interval;
  }
  flat.seed = config.seed;
  return flat;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The columns a sweep varies: those with two or more distinct values among the trials that have them
 * (Adam's `betas` is not "swept" just because SGD trials lack it), in first-seen order.
 */
export function sweptColumns(rows: FlatConfig[]): string[] {
  const first = new Map<string, unknown>();
  const swept = new Set<string>();
  for (const row of rows) {
    for (const [key, value] of Object.entries(row)) {
      if (value === undefined) continue;
      if (!first.has(key)) first.set(key, value);
      else if (!swept.has(key) && !same(first.get(key), value)) swept.add(key);
    }
  }
  return [...first.keys()].filter((key) => swept.has(key));
}

export interface ConfigGroup {
  /** The swept values the group's trials share (everything but the seed). */
  config: FlatConfig;
  trials: TrialSummary[];
  /** Over the trials that have a value: mean, sample standard deviation (null for one), best. */
  mean: number | null;
  std: number | null;
  best: number | null;
}

/**
 * Trials that differ only by seed, grouped, best mean first. Computed here from the leaderboard;
 * the API's own GET /v1/sweeps/:id/configs (being added) can replace it.
 */
export function groupBySeed(
  trials: TrialSummary[],
  mode: 'min' | 'max',
): { columns: string[]; groups: ConfigGroup[] } {
  const flats = trials.map((t) => flattenConfig(t.config));
  const columns = sweptColumns(flats).filter((column) => column !== 'seed');
  const byKey = new Map<string, ConfigGroup>();
  trials.forEach((trial, i) => {
    const config = Object.fromEntries(columns.map((c) => [c, flats[i]![c]]));
    const key = JSON.stringify(columns.map((c) => config[c] ?? null));
    let group = byKey.get(key);
    if (!group) {
      group = { config, trials: [], mean: null, std: null, best: null };
      byKey.set(key, group);
    }
    group.trials.push(trial);
  });
  const sign = mode === 'max' ? -1 : 1;
  const groups = [...byKey.values()];
  for (const group of groups) {
    const values = group.trials.map((t) => t.bestValue).filter((v): v is number => v !== null);
    if (values.length === 0) continue;
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    group.mean = mean;
    group.std =
      values.length > 1
        ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1))
        : null;
    group.best = values.reduce((a, b) => (sign * a <= sign * b ? a : b));
  }
  groups.sort((a, b) => {
    if (a.mean === null || b.mean === null) return a.mean === null ? (b.mean === null ? 0 : 1) : -1;
    return sign * (a.mean - b.mean);
  });
  return { columns, groups };
}
