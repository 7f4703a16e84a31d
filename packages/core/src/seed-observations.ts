import { asMinimized } from './objective.js';
import type { FinishedSearchTrial } from './ports.js';

/** A finished config as a search learns from it (search's ObservedTrial): values as minimised. */
export type SearchObservation =
  | { state: 'complete'; value: number | null; params: Record<string, number> }
  | { state: 'pruned'; lastStep: number | null; lastValue: number | null; params: Record<string, number> };

const mean = (values: readonly number[]) => values.reduce((s, v) => s + v, 0) / values.length;

/**
 * What TPE learns from a search's ended trials: one observation per config, by the mean over its seeds,
 * in config order (a config's `seeds` trials are created together: config k is trials k*seeds to
 * k*seeds + seeds - 1). The rule, as the README's Search section states it:
 *
 * - A config is observed once all its seeds have ended (completed, pruned, failed or cancelled), as Ray
 *   Tune's `Repeater` tells its searcher only when every repeat of a group has finished; until then TPE
 *   does not see it at all (Optuna 3.1's TPE ignores running trials too).
 * - If any seed was pruned, the config is observed as pruned: at the earliest epoch a seed of it was
 *   pruned at (`lastStep`), with the mean of the last values of the seeds pruned at that epoch
 *   (`lastValue`); a pruned seed that reported nothing makes the config pruned with nothing reported
 *   (ranked last, as Optuna ranks such a trial). The pruners themselves still judge each trial alone.
 * - Otherwise, if a seed completed, it is observed as complete with the mean of its completed seeds' best
 *   objective values: the `mean` `/configs` ranks by (null when none of them recorded the objective).
 * - A config whose seeds all failed or were cancelled is left out, as Optuna leaves failed trials out.
 *
 * Failed seeds never count in a mean (Ray's `np.nanmean` over a group whose failed repeats are NaN).
 */
export function observationsOf(
  mode: 'min' | 'max',
  seeds: number,
  ended: readonly FinishedSearchTrial[],
): SearchObservation[] {
  const configs = new Map<number, FinishedSearchTrial[]>();
  for (const trial of ended) {
    const config = Math.floor(trial.index / seeds);
    const group = configs.get(config);
    if (group) group.push(trial);
    else configs.set(config, [trial]);
  }
  return observationsOfConfigs(
    mode,
    seeds,
    [...configs.keys()].sort((a, b) => a - b).map((config) => configs.get(config)!),
  );
}

/**
 * The same rule over trials already grouped by config, in config order (a tune-then-evaluate entry's
 * configs, whose trials' indexes interleave with other entries': protocol.ts groups them by config).
 */
export function observationsOfConfigs(
  mode: 'min' | 'max',
  seeds: number,
  configs: ReadonlyArray<readonly FinishedSearchTrial[]>,
): SearchObservation[] {
  const observations: SearchObservation[] = [];
  for (const group of configs) {
    const params = group.find((t) => t.params !== null)?.params;
    if (group.length < seeds || !params) continue;
    const observation = observationOf(mode, group, params);
    if (observation) observations.push(observation);
  }
  return observations;
}

function observationOf(
  mode: 'min' | 'max',
  group: readonly FinishedSearchTrial[],
  params: Record<string, number>,
): SearchObservation | null {
  const pruned = group.filter((t) => t.status === 'pruned');
  if (pruned.length > 0) {
    if (pruned.some((t) => t.lastValue === null || t.lastEpoch === null))
      return { state: 'pruned', lastStep: null, lastValue: null, params };
    const lastStep = Math.min(...pruned.map((t) => t.lastEpoch!));
    const atStep = pruned.filter((t) => t.lastEpoch === lastStep).map((t) => t.lastValue!);
    return { state: 'pruned', lastStep, lastValue: asMinimized(mode, mean(atStep)), params };
  }
  const completed = group.filter((t) => t.status === 'completed');
  if (completed.length === 0) return null;
  const values = completed.flatMap((t) => (t.bestValue === null ? [] : [t.bestValue]));
  return {
    state: 'complete',
    value: values.length === 0 ? null : asMinimized(mode, mean(values)),
    params,
  };
}
