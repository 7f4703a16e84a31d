import { ErrorReport, type SpecError } from './error-report.js';
import { describeValue, isJsonObject, type JsonObject } from './json-value.js';
import { isObjectiveMetric, type ObjectiveMetric, objectiveMetrics } from './objective.js';
import { MAX_SEARCH_TRIALS, type SearchSweep, validateSearchSweepSpec } from './search-spec.js';
import type { TrialConfig } from './trial-config.js';
import { type ValidationContext, validateSweepSpec } from './validate-sweep-spec.js';

/**
 * The tune-then-evaluate protocol (Schmidt, Schneider and Hennig 2021, "Descending through a Crowded
 * Valley"; AlgoPerf's external tuning ruleset): every optimizer entry gets the same budget of `trials`
 * configs on the tuning seeds; then the `top` best configs of each, ranked by the objective's mean over the
 * tuning seeds, run again on the evaluation seeds, which must be disjoint from the tuning seeds. An entry
 * with `"oneShot": true` is not tuned: it runs as written (torch's defaults for what it leaves out, no
 * scheduler) on the evaluation seeds at once.
 *
 * A config counts against its entry's budget once sampled, whatever becomes of it: failed and pruned
 * configs were tried (the paper counts configs tried). Only configs whose every tuning trial completed
 * are ranked for evaluation; an entry none of whose configs completed has no evaluation trials.
 */
export interface ProtocolSettings {
  type: 'tune-then-evaluate';
  tuning: { search: 'grid' | 'random' | 'tpe'; trials: number; seeds: number[]; seed: number };
  evaluation: { seeds: number[]; top: number };
  target: { metric: ObjectiveMetric; value: number };
}

/** One optimizer entry of a protocol sweep, as the workers' proposer reads it back from the sweep. */
export interface ProtocolEntry {
  /** Its index in the spec's optimizers. */
  entry: number;
  type: string;
  oneShot: boolean;
  /**
   * The entry's own random / tpe sweep spec (one optimizer, the tuning seeds, `search`), from which its
   * later configs are proposed (proposeSearchConfig); null for a grid (all created at once) and one-shot.
   */
  search: JsonObject | null;
  /** Tuning trials in all: configs x tuning seeds (0 for one-shot). */
  tuningTrials: number;
  /** Configs the entry proposes at most while others run (its search's parallelism; null: all). */
  parallelism: number | null;
}

/** What a protocol sweep stores (the sweeps.protocol column). */
export interface ProtocolPlan extends ProtocolSettings {
  entries: ProtocolEntry[];
}

/** Where a trial belongs in a protocol sweep. */
export interface TrialOrigin {
  phase: 'tuning' | 'evaluation';
  entry: number;
}

export type ProtocolSweep = SearchSweep & {
  protocol: ProtocolPlan | null;
  /** Per trial (as `trials`), its phase and optimizer entry; empty for a sweep without a protocol. */
  origins: TrialOrigin[];
};

export type SubmittedSweepValidation = ({ ok: true } & ProtocolSweep) | { ok: false; errors: SpecError[] };

const PROTOCOL_FIELDS = ['type', 'tuning', 'evaluation', 'target'];
const TUNING_FIELDS = ['search', 'trials', 'seeds', 'seed'];
const EVALUATION_FIELDS = ['seeds', 'top'];
const TARGET_FIELDS = ['metric', 'value'];

/**
 * Validates any submitted sweep spec: without `protocol`, validateSearchSweepSpec's answer; with one, each
 * optimizer entry as a sweep of its own (its tuning search on the tuning seeds, or one-shot on the
 * evaluation seeds), error pointers pointing back into the submitted body.
 */
export function validateSubmittedSweep(input: unknown, context: ValidationContext): SubmittedSweepValidation {
  if (!isJsonObject(input) || input['protocol'] === undefined) {
    const result = validateSearchSweepSpec(input, context);
    return result.ok ? { ...result, protocol: null, origins: [] } : result;
  }
  const report = new ErrorReport();
  const settings = readProtocol(input['protocol'], report);
  for (const field of ['search', 'seeds'] as const) {
    if (input[field] !== undefined)
      report.add(
        `/${field}`,
        `a protocol sweep takes its ${field} from /protocol/tuning and /protocol/evaluation`,
      );
  }
  const optimizers = input['optimizers'];
  if (!Array.isArray(optimizers) || optimizers.length === 0) {
    report.add('/optimizers', 'a protocol compares optimizer entries: give a non-empty list');
  }
  if (settings === undefined || report.count > 0) return { ok: false, errors: report.errors() };
  const { protocol: _protocol, ...rest } = input;
  const list = optimizers as unknown[];
  const entries: ProtocolEntry[] = [];
  const trials: TrialConfig[] = [];
  const params: Array<Record<string, number> | null> = [];
  const origins: TrialOrigin[] = [];
  let first: SearchSweep | undefined;
  let budget = 0;
  for (const [entry, value] of list.entries()) {
    const entryPath = `/optimizers/${entry}`;
    if (!isJsonObject(value)) {
      report.add(
        entryPath,
        `an optimizer entry is an object like {"type": "Adam"}, got ${describeValue(value)}`,
      );
      continue;
    }
    const { oneShot, ...plain } = value;
    if (oneShot !== undefined && typeof oneShot !== 'boolean')
      report.add(`${entryPath}/oneShot`, `oneShot must be true or false, got ${describeValue(oneShot)}`);
    if (oneShot === true) {
      const { schedulers: _schedulers, ...noSchedule } = rest;
      const sub = { ...noSchedule, optimizers: [plain], seeds: settings.evaluation.seeds };
      const result = validateSweepSpec(sub, context);
      if (!result.ok) {
        relocate(result.errors, entry, report);
        continue;
      }
      if (result.trials.length !== settings.evaluation.seeds.length) {
        report.add(entryPath, 'a one-shot entry runs one config: give each option one value, not a list');
        continue;
      }
      entries.push({
        entry,
        type: String(plain['type']),
        oneShot: true,
        search: null,
        tuningTrials: 0,
        parallelism: null,
      });
      pushTrials(result.trials, null, { phase: 'evaluation', entry });
      budget += result.trials.length;
      continue;
    }
    const search: JsonObject =
      settings.tuning.search === 'grid'
        ? { type: 'grid' }
        : { type: settings.tuning.search, trials: settings.tuning.trials, seed: settings.tuning.seed };
    const sub = { ...rest, optimizers: [plain], seeds: settings.tuning.seeds, search };
    const result = validateSearchSweepSpec(sub, context);
    if (!result.ok) {
      relocate(result.errors, entry, report);
      continue;
    }
    first ??= result;
    const perConfig = settings.tuning.seeds.length;
    const tuningTrials = settings.tuning.trials * perConfig;
    if (settings.tuning.search === 'grid') {
      const configs = result.trials.length / perConfig;
      if (configs < settings.tuning.trials) {
        report.add(
          entryPath,
          `this entry's grid has ${configs} configs, fewer than the tuning budget of ${settings.tuning.trials}: every entry gets the same budget, so give it more values or use random or tpe`,
        );
        continue;
      }
      // The grid's first `trials` configs (seeds vary fastest, so whole configs).
      pushTrials(result.trials.slice(0, tuningTrials), null, { phase: 'tuning', entry });
    } else {
      pushTrials(result.trials, result.params, { phase: 'tuning', entry });
    }
    entries.push({
      entry,
      type: String(plain['type']),
      oneShot: false,
      search: settings.tuning.search === 'grid' ? null : sub,
      tuningTrials,
      parallelism: result.spec.search.parallelism,
    });
    budget += tuningTrials + settings.evaluation.top * settings.evaluation.seeds.length;
  }
  if (report.count > 0) return { ok: false, errors: report.errors() };
  if (first === undefined) {
    report.add('/optimizers', 'a protocol needs at least one entry that is tuned (not oneShot)');
    return { ok: false, errors: report.errors() };
  }
  return {
    ok: true,
    spec: { ...first.spec, optimizers: list as never, seeds: settings.tuning.seeds },
    trials,
    params,
    budget,
    protocol: { ...settings, entries },
    origins,
  };

  function pushTrials(
    configs: readonly TrialConfig[],
    sampled: ReadonlyArray<Record<string, number> | null> | null,
    origin: TrialOrigin,
  ) {
    configs.forEach((config, i) => {
      trials.push(config);
      params.push(sampled?.[i] ?? null);
      origins.push(origin);
    });
  }
}

/** An entry's sub-sweep errors, their pointers moved back into the submitted spec. */
function relocate(errors: readonly SpecError[], entry: number, report: ErrorReport): void {
  for (const error of errors) report.add(relocatePointer(error.path, entry), error.message);
}

export function relocatePointer(path: string, entry: number): string {
  if (path.startsWith('/optimizers/0')) return `/optimizers/${entry}${path.slice('/optimizers/0'.length)}`;
  if (path.startsWith('/search/type')) return `/protocol/tuning/search${path.slice('/search/type'.length)}`;
  if (path.startsWith('/search')) return `/protocol/tuning${path.slice('/search'.length)}`;
  if (path.startsWith('/seeds')) return `/protocol/tuning${path}`;
  return path;
}

function readFields(
  value: unknown,
  path: string,
  fields: readonly string[],
  example: string,
  report: ErrorReport,
) {
  if (!isJsonObject(value)) {
    report.add(
      path,
      `${path.split('/').at(-1)} must be an object like ${example}, got ${describeValue(value)}`,
    );
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (!fields.includes(key))
      report.add(`${path}/${key}`, `unknown field ${key}; it has ${fields.join(', ')}`);
  }
  return value;
}

function readSeedList(value: unknown, path: string, report: ErrorReport): number[] {
  if (!Array.isArray(value) || value.length === 0) {
    report.add(path, `seeds must be a non-empty list of integers, got ${describeValue(value)}`);
    return [];
  }
  const seen = new Set<number>();
  value.forEach((seed, i) => {
    if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
      report.add(`${path}/${i}`, `a seed is an integer from 0 to 4294967295, got ${describeValue(seed)}`);
    else if (seen.has(seed)) report.add(`${path}/${i}`, `seed ${seed} is listed twice`);
    else seen.add(seed);
  });
  return value as number[];
}

function readCount(value: unknown, path: string, max: number, report: ErrorReport, min = 1): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    report.add(path, `must be an integer from ${min} to ${max}, got ${describeValue(value)}`);
    return min;
  }
  return value;
}

function readProtocol(value: unknown, report: ErrorReport): ProtocolSettings | undefined {
  const protocol = readFields(
    value,
    '/protocol',
    PROTOCOL_FIELDS,
    '{"type": "tune-then-evaluate", "tuning": {...}, "evaluation": {...}, "target": {...}}',
    report,
  );
  if (protocol === undefined) return undefined;
  if (protocol['type'] !== 'tune-then-evaluate')
    report.add(
      '/protocol/type',
      `protocol type must be "tune-then-evaluate", got ${describeValue(protocol['type'])}`,
    );
  const tuning = readFields(
    protocol['tuning'],
    '/protocol/tuning',
    TUNING_FIELDS,
    '{"search": "random", "trials": 20, "seeds": [42]}',
    report,
  );
  const evaluation = readFields(
    protocol['evaluation'],
    '/protocol/evaluation',
    EVALUATION_FIELDS,
    '{"seeds": [43, 44, 45], "top": 1}',
    report,
  );
  const target = readFields(
    protocol['target'],
    '/protocol/target',
    TARGET_FIELDS,
    '{"metric": "val_accuracy", "value": 0.97}',
    report,
  );
  if (tuning === undefined || evaluation === undefined || target === undefined) return undefined;
  const search = tuning['search'] ?? 'random';
  if (search !== 'grid' && search !== 'random' && search !== 'tpe')
    report.add(
      '/protocol/tuning/search',
      `search must be "grid", "random" or "tpe", got ${describeValue(search)}`,
    );
  const trials = readCount(tuning['trials'], '/protocol/tuning/trials', MAX_SEARCH_TRIALS, report);
  const seed =
    tuning['seed'] === undefined
      ? 0
      : readCount(tuning['seed'], '/protocol/tuning/seed', 0xffffffff, report, 0);
  const tuningSeeds = readSeedList(tuning['seeds'], '/protocol/tuning/seeds', report);
  const evaluationSeeds = readSeedList(evaluation['seeds'], '/protocol/evaluation/seeds', report);
  evaluationSeeds.forEach((s, i) => {
    const at = tuningSeeds.indexOf(s);
    if (at >= 0)
      report.add(
        `/protocol/evaluation/seeds/${i}`,
        `seed ${s} is also a tuning seed (/protocol/tuning/seeds/${at}): evaluation seeds must be fresh, or the evaluation reports the seed the configs were tuned on`,
      );
  });
  const top = readCount(evaluation['top'] ?? 1, '/protocol/evaluation/top', 1000, report);
  if (top > trials)
    report.add('/protocol/evaluation/top', `top (${top}) cannot exceed the tuning trials (${trials})`);
  const metric = target['metric'];
  if (typeof metric !== 'string' || !isObjectiveMetric(metric))
    report.add(
      '/protocol/target/metric',
      `metric must be one of ${objectiveMetrics.join(', ')}, got ${describeValue(metric)}`,
    );
  const targetValue = target['value'];
  if (typeof targetValue !== 'number' || !Number.isFinite(targetValue))
    report.add('/protocol/target/value', `value must be a finite number, got ${describeValue(targetValue)}`);
  if (report.count > 0) return undefined;
  return {
    type: 'tune-then-evaluate',
    tuning: { search: search as 'grid', trials, seeds: tuningSeeds, seed },
    evaluation: { seeds: evaluationSeeds, top },
    target: { metric: metric as ObjectiveMetric, value: targetValue as number },
  };
}

/** A tuned config on each evaluation seed. */
export function evaluationConfigs(config: TrialConfig, seeds: readonly number[]): TrialConfig[] {
  return seeds.map((seed) => ({ ...config, seed }));
}
