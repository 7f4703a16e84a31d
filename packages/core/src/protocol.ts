import { nextSample } from './budget.js';
import { asMinimized } from './objective.js';
import type { EndedTuningTrial, LockedProtocolEntry, NewTrial, SettleTransaction } from './ports.js';
import { type Proposer, proposeOwed } from './propose.js';
import { observationsOfConfigs } from './seed-observations.js';

/**
 * The tune-then-evaluate protocol's lifecycle rules (packages/spec protocol-spec.ts says what the user
 * asks for). Each tuned optimizer entry is a search of its own: `samples` configs, each on every tuning
 * seed, proposed by the same machinery as a random / tpe sweep (proposeOwed) within the entry's own budget
 * and parallelism, and learning (tpe) from its own trials only. A config counts against the budget once
 * sampled: a failed or pruned config was tried, and is not replaced. When an entry's budget is spent and
 * none of its tuning trials is queued or running, its `top` configs by the mean objective over the tuning
 * seeds (only configs whose every tuning trial completed) are created on the evaluation seeds: once, as
 * this runs under the sweep's row lock and checks that none exists yet.
 */
export interface ProtocolPorts {
  /** A tuning config's identity across its seeds. */
  configKey(config: unknown): string;
  /** A tuned config on each evaluation seed. */
  evaluationTrials(config: unknown, seeds: readonly number[]): NewTrial[];
}

/** A tuned config: its tuning trials, and the mean of their objective (as minimised). */
export interface TunedConfig {
  config: unknown;
  /** Index of its first tuning trial. */
  index: number;
  /** Mean over the tuning seeds of the best objective value, signed so that smaller is better. */
  score: number;
}

/**
 * The `top` configs of an entry by the mean objective over its tuning seeds (smaller first, as minimised;
 * ties: the earlier config). A config is ranked only when all `seeds` of its tuning trials completed with
 * a value: pruned ones were judged worse mid-run, failed ones did not train.
 */
export function topConfigs(
  ended: readonly EndedTuningTrial[],
  seeds: number,
  mode: 'min' | 'max',
  top: number,
  key: (config: unknown) => string,
): TunedConfig[] {
  const ranked: Array<TunedConfig & { key: string }> = [];
  for (const { key: k, trials } of tuningConfigs(ended, seeds, key)) {
    if (trials.length !== seeds) continue;
    if (
      !trials.every((t) => t.status === 'completed' && t.bestValue !== null && Number.isFinite(t.bestValue))
    )
      continue;
    const sum = trials.reduce((acc, t) => acc + asMinimized(mode, t.bestValue!), 0);
    ranked.push({ key: k, config: trials[0]!.config, index: trials[0]!.index, score: sum / seeds });
  }
  ranked.sort((a, b) => a.score - b.score || a.index - b.index);
  // A config sampled twice is evaluated once (its better draw ranks it).
  const seen = new Set<string>();
  return ranked
    .filter((r) => !seen.has(r.key) && seen.add(r.key))
    .slice(0, top)
    .map(({ key: _key, ...tuned }) => tuned);
}

/**
 * The configs tried: a sampled config's trials are created together, one per tuning seed, so a config's
 * trials are its key's trials in index order cut into runs of `seeds` (random search may draw the same
 * config twice: each draw is a config tried, counted against the budget).
 */
export function tuningConfigs<T extends { index: number; config: unknown }>(
  trials: readonly T[],
  seeds: number,
  key: (config: unknown) => string,
): Array<{ key: string; trials: T[] }> {
  const byKey = new Map<string, T[]>();
  for (const trial of [...trials].sort((a, b) => a.index - b.index)) {
    const k = key(trial.config);
    const list = byKey.get(k);
    if (list) list.push(trial);
    else byKey.set(k, [trial]);
  }
  const configs: Array<{ key: string; trials: T[] }> = [];
  for (const [k, list] of byKey)
    for (let i = 0; i < list.length; i += seeds) configs.push({ key: k, trials: list.slice(i, i + seeds) });
  return configs.sort((a, b) => a.trials[0]!.index - b.trials[0]!.index);
}

/** Whether an entry's tuning is over: its budget drawn and nothing of it queued or running. */
export function tuningDone(entry: LockedProtocolEntry, seeds: number): boolean {
  if (entry.oneShot) return false;
  const budget = { samples: entry.samples, seeds, parallelism: entry.parallelism };
  const progress = {
    created: entry.tuningCreated,
    unfinished: entry.tuningUnfinished,
    samplesDrawn: entry.drawn,
  };
  return nextSample(budget, progress) >= entry.samples && entry.tuningUnfinished === 0;
}

/**
 * A protocol sweep's share of settling (under the sweep's row lock, inside settleSweep): each entry's
 * owed tuning configs, then the evaluation trials of each entry whose tuning ended. Returns the trials
 * created, in order. Nothing for a sweep without a protocol or one that is not live.
 */
export async function settleProtocol(
  ports: {
    propose: Proposer;
    onSkipped?: ((sweepId: string, sample: number, errors: unknown) => void) | undefined;
    protocol?: ProtocolPorts | undefined;
  },
  sweepId: string,
  tx: SettleTransaction,
): Promise<string[]> {
  const protocol = await tx.readProtocol();
  if (protocol === null || ports.protocol === undefined) return [];
  if (protocol.status !== 'queued' && protocol.status !== 'running') return [];
  const created: string[] = [];
  let index = protocol.created;
  const insert = async (trials: NewTrial[]) => {
    const ids = await tx.insertTrials(index, trials);
    index += trials.length;
    created.push(...ids);
  };
  for (const entry of protocol.entries) {
    if (entry.oneShot) continue;
    if (entry.search !== null) {
      const budget = { samples: entry.samples, seeds: protocol.seeds, parallelism: entry.parallelism };
      const progress = {
        created: entry.tuningCreated,
        unfinished: entry.tuningUnfinished,
        samplesDrawn: entry.drawn,
      };
      const ended = entry.searchType === 'tpe' ? await tx.readEndedTuningTrials(entry.entry) : [];
      // TPE learns each config once, by its mean over the tuning seeds (seed-observations.ts).
      const history = observationsOfConfigs(
        protocol.objective.mode,
        protocol.seeds,
        tuningConfigs(ended, protocol.seeds, ports.protocol.configKey).map((c) => c.trials),
      );
      const before = created.length;
      const drawn = await proposeOwed(
        ports,
        sweepId,
        { spec: entry.search, budget, progress, datasets: protocol.datasets },
        history,
        (trials) => insert(trials.map((t) => ({ ...t, phase: 'tuning', entry: entry.entry }))),
      );
      if (drawn !== null) await tx.recordEntryDrawn(entry.entry, drawn);
      if (created.length > before) continue; // still tuning
      if (drawn !== null) entry.drawn = drawn;
    }
    if (entry.evaluationCreated > 0 || !tuningDone(entry, protocol.seeds)) continue;
    const ended = await tx.readEndedTuningTrials(entry.entry);
    const tuned = topConfigs(
      ended,
      protocol.seeds,
      protocol.objective.mode,
      protocol.evaluation.top,
      ports.protocol.configKey,
    );
    const trials = tuned.flatMap((t) =>
      ports.protocol!.evaluationTrials(t.config, protocol.evaluation.seeds).map((trial) => ({
        ...trial,
        phase: 'evaluation' as const,
        entry: entry.entry,
      })),
    );
    if (trials.length > 0) await insert(trials);
  }
  return created;
}
