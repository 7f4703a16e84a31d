import { canonicalJson } from '../canonical-json.js';
import { isJsonObject } from '../json-value.js';
import type { TrialConfig } from '../trial-config.js';
import { factorValues, layerFactorName } from './factors.js';

/** Which part of the spec a factor belongs to: its `optimizers` or its `schedulers` entries (a model's layers and loss are always analysed over every trial). */
export type SpecPart = 'optimizer' | 'scheduler';

/** The trials a nested factor is analysed within: those of some entries of one optimizer (scheduler) type. */
export interface FactorScope {
  part: SpecPart;
  /** The optimizer (scheduler) type; `none` for no scheduler. */
  type: string;
  /** Indices of the entries in the spec's `optimizers` (`schedulers`). */
  entries: number[];
  /** Whether those are every entry of the type (else the factor is swept in some of them only). */
  wholeType: boolean;
  /** `Adam`, or `SGD /optimizers/0` when only some entries of the type sweep it. */
  label: string;
}

/** A factor the spec sweeps, with each observation's value; undefined outside the factor's scope. */
export interface SpecFactor {
  name: string;
  /** null: analysed over every observation. */
  within: FactorScope | null;
  values: unknown[];
}

interface Entry {
  type: string;
  /** Option path (as factorValues names it, without the part) -> whether a value is one the spec gives. */
  given: Map<string, ReturnType<typeof admitting>>;
}

const DISTRIBUTIONS = new Set(['uniform', 'loguniform', 'int', 'logint']);

/**
 * Whether a resolved value (given with its canonical text) is one the spec's value can give: the value
 * itself, one of a list's values, a choice, or a number within a distribution's bounds.
 */
function admitting(spec: unknown): (actual: unknown, text: string) => boolean {
  const texts = new Set([canonicalJson(spec)]);
  const [kind, bounds] = isJsonObject(spec) ? (Object.entries(spec)[0] ?? []) : [];
  const choices = Array.isArray(spec) ? spec : kind === 'choice' && Array.isArray(bounds) ? bounds : [];
  for (const v of choices) texts.add(canonicalJson(v));
  const range =
    kind !== undefined && DISTRIBUTIONS.has(kind) && Array.isArray(bounds)
      ? [Number(bounds[0]), Number(bounds[1])]
      : undefined;
  return (actual, text) =>
    texts.has(text) ||
    (range !== undefined && typeof actual === 'number' && actual >= range[0]! && actual <= range[1]!);
}

function readEntries(spec: unknown, part: SpecPart): Entry[] {
  const list = isJsonObject(spec) ? spec[part === 'optimizer' ? 'optimizers' : 'schedulers'] : undefined;
  // No `schedulers`: one entry, a constant learning rate.
  const entries = Array.isArray(list) ? list : part === 'scheduler' ? [null] : [];
  return entries.map((entry) => {
    const given: Entry['given'] = new Map();
    if (!isJsonObject(entry)) return { type: 'none', given };
    for (const [name, value] of Object.entries(entry)) {
      if (name === 'type') continue;
      if (name !== 'param_groups') {
        given.set(name, admitting(value));
        continue;
      }
      for (const group of Array.isArray(value) ? value : []) {
        if (!isJsonObject(group)) continue;
        const { params, ...options } = group;
        const label = Array.isArray(params) ? params.join('+') : String(params);
        for (const [option, v] of Object.entries(options))
          given.set(`param_groups.${label}.${option}`, admitting(v));
      }
    }
    return { type: String(entry['type']), given };
  });
}

/** Whether `a` gives every option `b` gives, and more. */
const givesMore = (a: Entry, b: Entry) =>
  a.given.size > b.given.size && [...b.given.keys()].every((path) => a.given.has(path));

const typeOf = (config: TrialConfig, part: SpecPart) =>
  part === 'optimizer' ? config.optimizer.type : (config.scheduler?.type ?? 'none');

/**
 * The factors a spec sweeps, read from the spec rather than from the configs' differences (which would
 * credit options whose defaults merely differ between optimizers): per part (optimizers, schedulers), the
 * type when the entries have more than one; within each type, every option an entry of that type gives
 * whose values differ among the type's trials. An option some entries of the type sweep themselves (a list
 * or a distribution) is analysed within those entries' trials; one that only differs between entries
 * within all the type's trials. Options only some types have are therefore never compared across types,
 * and a value equal to the default of the entries that leave it out is no factor. Seeds are replicates.
 */
export function specFactors(spec: unknown, configs: readonly TrialConfig[]): SpecFactor[] {
  const perTrial = configs.map(factorValues);
  const factors: SpecFactor[] = [];
  for (const part of ['optimizer', 'scheduler'] as const) {
    const entries = readEntries(spec, part);
    const types = [...new Set(entries.map((e) => e.type))];
    // per option path, every trial's value and its canonical text
    const columns = new Map<string, { values: unknown[]; texts: string[] }>();
    const column = (path: string) => {
      let c = columns.get(path);
      if (!c) {
        const values = perTrial.map((v) => v.get(`${part}.${path}`));
        c = { values, texts: values.map((v) => canonicalJson(v)) };
        columns.set(path, c);
      }
      return c;
    };
    const valueAt = (t: number, path: string) => column(path).values[t];
    const textAt = (t: number, path: string) => column(path).texts[t]!;
    // the entries each trial belongs to (equal configs of two entries were merged: both)
    const member = configs.map((config, t) => {
      const type = typeOf(config, part);
      const ofType = entries.flatMap((e, i) => (e.type === type ? [i] : []));
      const matching = ofType.filter((i) =>
        [...entries[i]!.given].every(([path, admits]) => admits(valueAt(t, path), textAt(t, path))),
      );
      // An entry that leaves an option out admits only its default: where a trial matches entries that
      // give more (momentum 0.9 matches {lr} and {lr, momentum}), it is the more specific entry's.
      const specific = matching.filter(
        (i) => !matching.some((j) => j !== i && givesMore(entries[j]!, entries[i]!)),
      );
      return specific.length > 0 ? specific : ofType;
    });
    if (types.length > 1) {
      factors.push({ name: `${part}.type`, within: null, values: configs.map((c) => typeOf(c, part)) });
    }
    for (const type of types) {
      const ofType = entries.flatMap((e, i) => (e.type === type ? [i] : []));
      const paths = [...new Set(ofType.flatMap((i) => [...entries[i]!.given.keys()]))];
      for (const path of paths) {
        // per entry of the type, the distinct values its trials have
        const distinct = new Map(ofType.map((i) => [i, new Set<string>()]));
        configs.forEach((_, t) => {
          if (valueAt(t, path) === undefined) return;
          for (const i of member[t]!) distinct.get(i)?.add(textAt(t, path));
        });
        const sweeping = ofType.filter((i) => distinct.get(i)!.size > 1);
        const scope = sweeping.length > 0 ? sweeping : ofType;
        if (new Set(scope.flatMap((i) => [...distinct.get(i)!])).size < 2) continue;
        const wholeType = scope.length === ofType.length;
        const within: FactorScope | null =
          scope.length === entries.length
            ? null
            : {
                part,
                type,
                entries: scope,
                wholeType,
                label: wholeType
                  ? type
                  : `${type} ${scope.map((i) => `/${part === 'optimizer' ? 'optimizers' : 'schedulers'}/${i}`).join(', ')}`,
              };
        const inScope = new Set(scope);
        factors.push({
          name: `${part}.${path}`,
          within,
          values: configs.map((_, t) =>
            member[t]!.some((i) => inScope.has(i)) ? valueAt(t, path) : undefined,
          ),
        });
      }
    }
  }
  factors.push(...modelFactors(spec, perTrial));
  return factors;
}

/**
 * A model workload's factors: each layer or loss argument the spec gives whose values differ among the
 * trials (a list or a distribution), over every trial. Sizes the spec leaves to inference are no factor.
 */
function modelFactors(spec: unknown, perTrial: ReadonlyArray<Map<string, unknown>>): SpecFactor[] {
  const workload = isJsonObject(spec) ? spec['workload'] : undefined;
  if (!isJsonObject(workload)) return [];
  const names: string[] = [];
  const layers = Array.isArray(workload['model']) ? workload['model'] : [];
  layers.forEach((layer, index) => {
    if (!isJsonObject(layer)) return;
    for (const option of Object.keys(layer))
      if (option !== 'type' && option !== 'name') names.push(layerFactorName(layer, index, option));
  });
  const loss = workload['loss'];
  if (isJsonObject(loss))
    for (const option of Object.keys(loss)) if (option !== 'type') names.push(`loss.${option}`);
  return names.flatMap((name) => {
    const values = perTrial.map((v) => v.get(name));
    return new Set(values.map((v) => canonicalJson(v))).size > 1 ? [{ name, within: null, values }] : [];
  });
}
