import { type JsonSchema, optimizerCatalog, schedulerCatalog } from '@hypersweep/optim';
import {
  categoricalDistribution,
  type Distribution,
  isDistributionObject,
  type ObservedTrial,
  RandomSampler,
  readDistribution,
  type TpeOptions,
  TpeSampler,
  TrialSuggestions,
  tpeDefaults,
  trialSeed,
} from '@hypersweep/search';
import { ErrorReport, type SpecError } from './error-report.js';
import { childPointer } from './json-pointer.js';
import { describeValue, isJsonObject, type JsonObject } from './json-value.js';
import { layerEntries, lossEntries } from './model/catalog.js';
import { isModelWorkload, LOSS_PATH, MODEL_PATH, rankOneSweep } from './model/read-model.js';
import { type AnyPrunerConfig, isSearchPrunerType, readSearchPruner } from './search-pruners.js';
import { readSweptOption } from './sweep-values.js';
import type { TrialConfig } from './trial-config.js';
import {
  type NormalizedSweepSpec,
  type ValidationContext,
  validateSweepSpec,
} from './validate-sweep-spec.js';

/** `"search"` with its defaults: grid (today's expansion), random or tpe (Optuna's TPESampler). */
export interface SearchSettings {
  type: 'grid' | 'random' | 'tpe';
  /** Sampled configs (each runs once per seed); null for a grid. */
  trials: number | null;
  seed: number;
  /** Configs running at once (random, tpe); null: all. */
  parallelism: number | null;
  /** TPESampler options (Optuna's names), tpe only. */
  options: Omit<TpeOptions, 'seed'> | null;
}

/** TPE proposes from results, so it keeps this many configs in flight unless told otherwise. */
export const DEFAULT_TPE_PARALLELISM = 4;
export const MAX_SEARCH_TRIALS = 100_000;
const SEARCH_FIELDS = ['type', 'trials', 'seed', 'parallelism', 'options'];

/** One sampled option: a JSON pointer into the spec (also the parameter's name) and its distribution. */
interface SearchAxis {
  path: string;
  distribution: Distribution;
}

/** A spec entry (optimizer or scheduler) whose swept options are sampled. */
interface EntrySpace {
  entry: JsonObject;
  axes: SearchAxis[];
}

/** Everything needed to sample one config: rebuilt from the stored spec by any worker. */
export interface SearchSpace {
  /** The spec without `search` and `pruner`; sampled values are written into a copy of it. */
  base: JsonObject;
  /** A model workload's sampled layer and loss options (pointers into `base`). */
  workload: SearchAxis[];
  optimizers: EntrySpace[];
  schedulers: Array<EntrySpace | null>;
}

export interface SearchSweep {
  spec: Omit<NormalizedSweepSpec, 'pruner'> & { pruner: AnyPrunerConfig | null; search: SearchSettings };
  /** The trials to create now (a grid's all; the first `parallelism` configs of random and TPE). */
  trials: TrialConfig[];
  /** Per trial, its sampled parameters (internal representations); null for a grid. */
  params: Array<Record<string, number> | null>;
  /** trialCount: every trial the sweep will run (configs x seeds). */
  budget: number;
}

export type SearchSweepValidation = ({ ok: true } & SearchSweep) | { ok: false; errors: SpecError[] };

/**
 * Validates a sweep spec that may hold distributions and `"search"`, on top of validateSweepSpec:
 * under grid (the default) a distribution is an error; under random and tpe every distribution and
 * every list that the grid would sweep is a parameter to sample (a list is a categorical choice),
 * checked against the option's catalog schema; then sampled configs are validated as ordinary specs.
 */
export function validateSearchSweepSpec(input: unknown, context: ValidationContext): SearchSweepValidation {
  if (!isJsonObject(input)) return fromGrid(validateSweepSpec(input, context), null);
  const report = new ErrorReport();
  const search = readSearch(input['search'], report);
  const { pruner, rest } = splitPruner(input, report);
  if (search === undefined || report.count > 0) return { ok: false, errors: report.errors() };
  if (search.type === 'grid') {
    for (const path of distributionPaths(rest)) {
      report.add(
        path,
        'a distribution needs a sampling search: add "search": {"type": "random", "trials": N} or {"type": "tpe", "trials": N}; a grid sweeps lists only',
      );
    }
    if (report.count > 0) return { ok: false, errors: report.errors() };
    return fromGrid(validateSweepSpec(rest, context), { search, pruner });
  }
  const space = readSearchSpace(rest, report);
  if (report.count > 0) return { ok: false, errors: report.errors() };
  if (space === undefined) {
    // The optimizers or schedulers are malformed: the grid validation says how.
    const plain = validateSweepSpec(rest, context);
    return plain.ok
      ? { ok: false, errors: [{ path: '/optimizers', message: 'no optimizer to sample' }] }
      : plain;
  }
  // The structure (catalog types, option names, param groups, schedulers) is checked once, on the
  // spec with each parameter at its first value.
  const structure = validateSweepSpec(firstValues(space), context);
  if (!structure.ok) return { ok: false, errors: structure.errors };
  const seedsPerConfig = structure.spec.seeds.length;
  // The first `parallelism` configs (random: all by default); later ones come as trials end.
  const configs = Math.min(search.parallelism ?? search.trials!, search.trials!);
  const trials: TrialConfig[] = [];
  const params: Array<Record<string, number>> = [];
  for (let number = 0; number < configs; number++) {
    const suggestions = configSuggestions(search, [], number);
    const sampled = sampleSearchTrials(space, suggestions, context);
    if (!sampled.ok) return sampled;
    trials.push(...sampled.trials);
    for (const _ of sampled.trials) params.push(suggestions.params);
  }
  const spec = { ...structure.spec, pruner: pruner ?? structure.spec.pruner, search };
  return { ok: true, spec, trials, params, budget: search.trials! * seedsPerConfig };
}

/**
 * The sampler of config `number`: its own stream, fixed by the sweep's seed and that number, so the
 * same seed gives the same configs in the same order whichever worker creates them and when.
 */
function configSuggestions(
  search: SearchSettings,
  history: readonly ObservedTrial[],
  number: number,
): TrialSuggestions {
  if (search.type === 'random')
    return TrialSuggestions.random(new RandomSampler(trialSeed(search.seed, number)));
  const sampler = new TpeSampler(
    { ...search.options, seed: trialSeed(search.seed, number) },
    'minimize', // histories are passed with the objective already signed (see proposeSearchConfig)
  );
  return TrialSuggestions.tpe(sampler, history);
}

/**
 * The next config of a stored random or TPE sweep: its spec (as submitted), the finished trials as
 * observations (values signed so that smaller is better; random ignores them), and the config's number.
 */
export function proposeSearchConfig(
  submitted: unknown,
  history: readonly ObservedTrial[],
  number: number,
  context: ValidationContext,
): { ok: true; trials: TrialConfig[]; params: Record<string, number> } | { ok: false; errors: SpecError[] } {
  if (!isJsonObject(submitted))
    return { ok: false, errors: [{ path: '', message: 'the stored spec is not an object' }] };
  const report = new ErrorReport();
  const search = readSearch(submitted['search'], report);
  const { rest } = splitPruner(submitted, report);
  const space =
    search?.type === 'tpe' || search?.type === 'random' ? readSearchSpace(rest, report) : undefined;
  if (search === undefined || space === undefined || report.count > 0) {
    return {
      ok: false,
      errors:
        report.count > 0 ? report.errors() : [{ path: '/search', message: 'not a random or tpe search' }],
    };
  }
  const suggestions = configSuggestions(search, history, number);
  const sampled = sampleSearchTrials(space, suggestions, context);
  return sampled.ok ? { ok: true, trials: sampled.trials, params: suggestions.params } : sampled;
}

/** One sampled config: the entry choices, then each of the chosen entries' parameters, in spec order. */
function sampleSearchTrials(
  space: SearchSpace,
  suggestions: TrialSuggestions,
  context: ValidationContext,
): { ok: true; trials: TrialConfig[] } | { ok: false; errors: SpecError[] } {
  const base = withWorkloadValues(space, (axis) => suggestions.suggest(axis.path, axis.distribution));
  const optimizer = pickEntry(space.optimizers, '/optimizers', suggestions)!;
  const scheduler = pickEntry(space.schedulers, '/schedulers', suggestions);
  const spec: JsonObject = { ...base, optimizers: [sampleEntry(optimizer, suggestions)] };
  if (space.schedulers.length > 0)
    spec['schedulers'] = [scheduler === null ? null : sampleEntry(scheduler, suggestions)];
  const result = validateSweepSpec(spec, context);
  return result.ok ? { ok: true, trials: result.trials } : { ok: false, errors: result.errors };
}

function pickEntry<T>(entries: readonly T[], name: string, suggestions: TrialSuggestions): T {
  if (entries.length <= 1) return entries[0]!;
  const index = suggestions.suggest(name, categoricalDistribution(entries.map((_, i) => i))) as number;
  return entries[index]!;
}

function sampleEntry(space: EntrySpace, suggestions: TrialSuggestions): JsonObject {
  const entry = structuredClone(space.entry);
  for (const axis of space.axes) setAt(entry, axis.path, suggestions.suggest(axis.path, axis.distribution));
  return entry;
}

/** The base spec with a value (sampled, or the first) at each of the model workload's axes. */
function withWorkloadValues(space: SearchSpace, value: (axis: SearchAxis) => unknown): JsonObject {
  if (space.workload.length === 0) return space.base;
  const base = { ...space.base, workload: structuredClone(space.base['workload']) };
  for (const axis of space.workload) setAt(base, axis.path, value(axis), 1);
  return base;
}

const firstValue = (axis: SearchAxis) => {
  const d = axis.distribution;
  return d.kind === 'categorical' ? d.choices[0] : d.low;
};

/**
 * Writes a sampled value at `/optimizers/0/lr` or `/optimizers/0/param_groups/1/lr` inside its entry
 * (`skip` 3), or at `/workload/model/0/out_channels` inside the spec (`skip` 1).
 */
function setAt(entry: JsonObject, path: string, value: unknown, skip = 3): void {
  const keys = path.split('/').slice(skip);
  let target: Record<string, unknown> | unknown[] = entry;
  for (const key of keys.slice(0, -1))
    target = (target as Record<string, unknown>)[key] as Record<string, unknown>;
  (target as Record<string, unknown>)[keys.at(-1)!] = value;
}

function firstValues(space: SearchSpace): JsonObject {
  const first = (s: EntrySpace) => {
    const entry = structuredClone(s.entry);
    for (const axis of s.axes) setAt(entry, axis.path, firstValue(axis));
    return entry;
  };
  const spec: JsonObject = {
    ...withWorkloadValues(space, firstValue),
    optimizers: space.optimizers.map(first),
  };
  if (space.schedulers.length > 0)
    spec['schedulers'] = space.schedulers.map((s) => (s === null ? null : first(s)));
  return spec;
}

function readSearch(value: unknown, report: ErrorReport): SearchSettings | undefined {
  if (value === undefined) return { type: 'grid', trials: null, seed: 0, parallelism: null, options: null };
  if (!isJsonObject(value)) {
    report.add(
      '/search',
      `search must be an object like {"type": "tpe", "trials": 40}, got ${describeValue(value)}`,
    );
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (!SEARCH_FIELDS.includes(key))
      report.add(`/search/${key}`, `unknown field ${key}; search has ${SEARCH_FIELDS.join(', ')}`);
  }
  const type = value['type'] ?? 'grid';
  if (type !== 'grid' && type !== 'random' && type !== 'tpe') {
    report.add('/search/type', `search type must be "grid", "random" or "tpe", got ${describeValue(type)}`);
    return undefined;
  }
  const integer = (key: string, min: number, max: number, fallback: number | null) => {
    const v = value[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      report.add(
        `/search/${key}`,
        `${key} must be an integer from ${min} to ${max}, got ${describeValue(v)}`,
      );
      return fallback;
    }
    return v;
  };
  const seed = integer('seed', 0, 0xffffffff, 0)!;
  const parallelism = integer(
    'parallelism',
    1,
    MAX_SEARCH_TRIALS,
    type === 'tpe' ? DEFAULT_TPE_PARALLELISM : null,
  );
  if (type === 'grid') {
    if (value['trials'] !== undefined)
      report.add('/search/trials', 'a grid runs every combination; trials is for random and tpe');
    if (value['options'] !== undefined) report.add('/search/options', 'options are for tpe');
    if (value['parallelism'] !== undefined) {
      report.add(
        '/search/parallelism',
        'a grid enqueues every trial at once; parallelism is for random and tpe',
      );
    }
    return { type, trials: null, seed, parallelism: null, options: null };
  }
  if (value['trials'] === undefined)
    report.add('/search', `missing "trials": how many configs ${type} search samples`);
  const trials = integer('trials', 1, MAX_SEARCH_TRIALS, 1)!;
  let options: SearchSettings['options'] = null;
  if (type === 'tpe') options = readTpeOptions(value['options'], report);
  else if (value['options'] !== undefined) report.add('/search/options', 'options are for tpe');
  return { type, trials, seed, parallelism, options };
}

function readTpeOptions(value: unknown, report: ErrorReport): Omit<TpeOptions, 'seed'> {
  const options = { ...tpeDefaults };
  if (value === undefined) return options;
  if (!isJsonObject(value)) {
    report.add(
      '/search/options',
      `options must be an object of TPESampler options, got ${describeValue(value)}`,
    );
    return options;
  }
  for (const [key, v] of Object.entries(value)) {
    const path = `/search/options/${key}`;
    if (!Object.hasOwn(tpeDefaults, key)) {
      report.add(path, `unknown TPESampler option ${key}; supported: ${Object.keys(tpeDefaults).join(', ')}`);
      continue;
    }
    const current = (tpeDefaults as Record<string, unknown>)[key];
    if (typeof current === 'boolean') {
      if (typeof v !== 'boolean') report.add(path, `${key} must be true or false, got ${describeValue(v)}`);
      else (options as Record<string, unknown>)[key] = v;
      continue;
    }
    const integer = key !== 'prior_weight';
    const min = key === 'n_ei_candidates' ? 1 : 0;
    if (
      typeof v !== 'number' ||
      !Number.isFinite(v) ||
      (integer && !Number.isInteger(v)) ||
      v < min ||
      (!integer && v <= 0)
    ) {
      report.add(
        path,
        `${key} must be ${integer ? `an integer >= ${min}` : 'a number > 0'}, got ${describeValue(v)}`,
      );
      continue;
    }
    (options as Record<string, unknown>)[key] = v;
  }
  return options;
}

/** Takes the pruner out of the spec when it is one of the search pruners (validated here). */
function splitPruner(
  input: JsonObject,
  report: ErrorReport,
): { pruner: AnyPrunerConfig | null; rest: JsonObject } {
  const { search: _search, ...rest } = input;
  const pruner = input['pruner'];
  if (!isJsonObject(pruner) || !isSearchPrunerType(pruner['type'])) return { pruner: null, rest };
  const read = readSearchPruner(pruner, pruner['type']);
  for (const error of read.errors) report.add(error.path, error.message);
  const { pruner: _pruner, ...withoutPruner } = rest;
  return { pruner: read.pruner, rest: withoutPruner };
}

/** The grid validation's result, with the search settings and a search pruner put back. */
function fromGrid(
  result: ReturnType<typeof validateSweepSpec>,
  extra: { search: SearchSettings; pruner: AnyPrunerConfig | null } | null,
): SearchSweepValidation {
  if (!result.ok) return result;
  const search = extra?.search ?? {
    type: 'grid' as const,
    trials: null,
    seed: 0,
    parallelism: null,
    options: null,
  };
  return {
    ok: true,
    spec: { ...result.spec, pruner: extra?.pruner ?? result.spec.pruner, search },
    trials: result.trials,
    params: result.trials.map(() => null),
    budget: result.trials.length,
  };
}

type SlotKind = 'optimizer' | 'scheduler' | 'layer' | 'loss';

/** Where option values are: optimizer options, param-group options, scheduler options, a model's layer and loss options. */
function* optionSlots(
  spec: JsonObject,
): Generator<{ path: string; type: unknown; kind: SlotKind; value: unknown }> {
  const workload = spec['workload'];
  if (isModelWorkload(workload)) {
    const layers = Array.isArray(workload['model']) ? workload['model'] : [];
    const entries = [
      ...layers.map((layer, i) => ({
        path: childPointer(MODEL_PATH, i),
        entry: layer,
        kind: 'layer' as const,
      })),
      { path: LOSS_PATH, entry: workload['loss'], kind: 'loss' as const },
    ];
    for (const { path, entry, kind } of entries) {
      if (!isJsonObject(entry)) continue;
      for (const [key, value] of Object.entries(entry)) {
        if (key === 'type' || key === 'name') continue;
        yield {
          path: childPointer(path, key),
          type: entry['type'],
          kind,
          value: rankOneSweep(entry['type'], key, value),
        };
      }
    }
  }
  for (const kind of ['optimizers', 'schedulers'] as const) {
    const list = spec[kind];
    if (!Array.isArray(list)) continue;
    for (const [i, entry] of list.entries()) {
      if (!isJsonObject(entry)) continue;
      const entryPath = `/${kind}/${i}`;
      const single = kind === 'optimizers' ? 'optimizer' : 'scheduler';
      for (const [key, value] of Object.entries(entry)) {
        if (key === 'type' || key === 'interval' || key === 'monitor') continue;
        if (kind === 'optimizers' && key === 'param_groups' && Array.isArray(value)) {
          for (const [g, group] of value.entries()) {
            if (!isJsonObject(group)) continue;
            for (const [option, v] of Object.entries(group)) {
              if (option === 'params') continue;
              yield {
                path: `${entryPath}/param_groups/${g}/${option}`,
                type: entry['type'],
                kind: single,
                value: v,
              };
            }
          }
          continue;
        }
        yield { path: childPointer(entryPath, key), type: entry['type'], kind: single, value };
      }
    }
  }
}

function distributionPaths(spec: JsonObject): string[] {
  return [...optionSlots(spec)].filter((slot) => isDistributionObject(slot.value)).map((slot) => slot.path);
}

/** The options each kind of slot is checked against. */
const SLOT_CATALOGS: Record<SlotKind, Record<string, { options: Record<string, JsonSchema> }>> = {
  optimizer: optimizerCatalog,
  scheduler: schedulerCatalog,
  layer: layerEntries,
  loss: lossEntries,
};

/**
 * The parameters of a random / tpe search: each distribution, and each list the grid would sweep
 * (a categorical choice), with every endpoint and choice checked against the option's schema.
 */
function readSearchSpace(spec: JsonObject, report: ErrorReport): SearchSpace | undefined {
  const axesByEntry = new Map<string, SearchAxis[]>();
  const workload: SearchAxis[] = [];
  for (const slot of optionSlots(spec)) {
    const entryPath = slot.path.split('/').slice(0, 3).join('/');
    const catalog = SLOT_CATALOGS[slot.kind];
    const option = slot.path.split('/').at(-1)!;
    const schema =
      typeof slot.type === 'string' && Object.hasOwn(catalog, slot.type)
        ? catalog[slot.type]?.options[option]
        : undefined;
    let distribution: Distribution | undefined;
    if (isDistributionObject(slot.value)) {
      const read = readDistribution(slot.value);
      if (!read.ok) {
        for (const problem of read.problems) report.add(slot.path, `${option}: ${problem.message}`);
        continue;
      }
      distribution = read.distribution;
      if (schema !== undefined) {
        const d = distribution;
        const values = d.kind === 'categorical' ? d.choices : [d.low, d.high];
        const label = d.kind === 'categorical' ? option : `${option} (${Object.keys(slot.value)[0]} bounds)`;
        checkValues(values, schema, slot.path, label, report);
      }
    } else if (Array.isArray(slot.value) && schema !== undefined) {
      // A list the grid would sweep is a categorical choice; a list that is one value stays one.
      const scratch = new ErrorReport();
      const swept = readSweptOption(slot.value, schema, slot.path, option, scratch);
      for (const error of scratch.errors()) report.add(error.path, error.message);
      if (swept !== undefined && swept.paths[0] !== slot.path)
        distribution = categoricalDistribution(swept.values);
    }
    if (distribution === undefined) continue;
    if (slot.kind === 'layer' || slot.kind === 'loss') {
      workload.push({ path: slot.path, distribution });
      continue;
    }
    axesByEntry.set(entryPath, [...(axesByEntry.get(entryPath) ?? []), { path: slot.path, distribution }]);
  }
  if (report.count > 0) return undefined;
  const entries = (kind: 'optimizers' | 'schedulers') => {
    const list = spec[kind];
    if (!Array.isArray(list)) return [];
    return list.map((entry, i) =>
      isJsonObject(entry)
        ? { entry, axes: axesByEntry.get(`/${kind}/${i}`) ?? [] }
        : (null as EntrySpace | null),
    );
  };
  const { optimizers: _o, schedulers: _s, ...base } = spec;
  const optimizers = entries('optimizers');
  if (optimizers.length === 0 || optimizers.some((e) => e === null)) return undefined;
  return { base, workload, optimizers: optimizers as EntrySpace[], schedulers: entries('schedulers') };
}

function checkValues(
  values: readonly unknown[],
  schema: Parameters<typeof readSweptOption>[1],
  path: string,
  label: string,
  report: ErrorReport,
) {
  const scratch = new ErrorReport();
  // Each value as a grid of one, so list-valued options (betas) read a list as one value.
  for (const value of values)
    readSweptOption(Array.isArray(value) ? [value] : value, schema, path, label, scratch);
  for (const error of scratch.errors()) report.add(path, error.message);
}
