import type { JsonSchema } from '@hypersweep/optim';
import { canonicalJson } from '../canonical-json.js';
import { unknownNameMessage } from '../closest-name.js';
import { combinationCount, combinations, type OptionAxis, readEntryOptions } from '../entry-options.js';
import type { ErrorReport } from '../error-report.js';
import { childPointer } from '../json-pointer.js';
import { describeValue, isJsonObject, type JsonObject, ownValue } from '../json-value.js';
import type { ObjectiveMetric } from '../objective.js';
import { layerEntries, lossEntries, type ModelCatalogEntry, SPATIAL_RANK, TUPLE_OPTIONS } from './catalog.js';
import { type DatasetLookup, fileRef, type ReadDataset, readDataset } from './dataset.js';
import { checkInputs, checkLoss, type VariantProblem } from './loss-checks.js';
import { carryShape, formatShape, type LayerProblem, shapeSource, withDefaults } from './shapes.js';
import {
  LAYER_TYPES,
  LOSS_TYPES,
  MODEL_WORKLOAD,
  type ModelWorkloadOptions,
  type ResolvedLayer,
  type ResolvedLoss,
} from './types.js';

export const MODEL_PATH = '/workload/model';
export const LOSS_PATH = '/workload/loss';
/** The fields of a model workload. */
export const MODEL_WORKLOAD_FIELDS = ['dataset', 'model', 'loss'];
/** Losses whose outputs are classes, so val_accuracy is measured. */
export const CLASSIFYING_LOSSES: readonly string[] = ['CrossEntropyLoss', 'BCEWithLogitsLoss'];
const MAX_LAYERS = 200;
const LAYER_KEYS = new Set(['type', 'name']);
const LOSS_KEYS = new Set(['type']);

/** A spec layer or loss option that sweeps: `owner` is the layer index, or -1 for the loss. */
export interface ModelAxis {
  owner: number;
  axis: OptionAxis;
}

/** A layer or the loss as the spec gives it: its type, name and the options written with one value. */
interface GivenEntry {
  type: string;
  name?: string;
  fixed: JsonObject;
}

/** A validated model workload, ready to expand into its variants. */
export interface ModelPlan {
  dataset: ReadDataset;
  layers: GivenEntry[];
  loss: GivenEntry;
  axes: ModelAxis[];
  combinations: bigint;
  /** The named layers: the parameter groups `param_groups[].params` may select. */
  paramGroups: string[];
  metrics: ObjectiveMetric[];
  /** The workload as the normalized spec writes it: defaults filled, swept lists kept. */
  normalized: JsonObject;
}

export interface ModelWorkloadConfig {
  name: typeof MODEL_WORKLOAD;
  options: ModelWorkloadOptions;
}

/** Whether a spec's workload is the model form (`{dataset, model, loss}`) rather than a built-in's name. */
export function isModelWorkload(value: unknown): value is JsonObject {
  return isJsonObject(value) && MODEL_WORKLOAD_FIELDS.some((key) => Object.hasOwn(value, key));
}

/** Reads `"workload": {"dataset": ..., "model": [...], "loss": ...}`. Undefined after reporting errors. */
export function readModelWorkload(
  value: JsonObject,
  datasets: DatasetLookup | undefined,
  report: ErrorReport,
): ModelPlan | undefined {
  let valid = true;
  for (const key of Object.keys(value)) {
    if (MODEL_WORKLOAD_FIELDS.includes(key)) continue;
    report.add(
      childPointer('/workload', key),
      unknownNameMessage({
        what: 'field',
        name: key,
        where: ' in a model workload',
        valid: MODEL_WORKLOAD_FIELDS,
        validLabel: 'valid fields',
      }),
    );
    valid = false;
  }
  for (const key of MODEL_WORKLOAD_FIELDS) {
    if (!Object.hasOwn(value, key)) {
      report.add('/workload', `missing "${key}": a model workload has dataset, model and loss`);
      valid = false;
    }
  }
  if (!valid) return undefined;
  const dataset = readDataset(value['dataset'], datasets, report);
  const layers = readLayers(value['model'], report);
  const loss = readLoss(value['loss'], report);
  if (dataset === undefined || layers === undefined || loss === undefined) return undefined;
  const axes = [...layers.flatMap((layer) => layer.axes), ...loss.axes];
  const classifies = CLASSIFYING_LOSSES.includes(loss.entry.type);
  const metrics: ObjectiveMetric[] =
    dataset.val === null
      ? ['train_loss']
      : ['train_loss', 'val_loss', ...(classifies ? ['val_accuracy' as const] : [])];
  return {
    dataset,
    layers: layers.map((layer) => layer.entry),
    loss: loss.entry,
    axes,
    combinations: combinationCount(axes.map((a) => a.axis)),
    paramGroups: layers.flatMap((layer) => (layer.entry.name === undefined ? [] : [layer.entry.name])),
    metrics,
    normalized: {
      dataset: dataset.normalized,
      model: layers.map((layer) => layer.normalized),
      loss: loss.normalized,
    },
  };
}

interface ReadEntry {
  entry: GivenEntry;
  axes: ModelAxis[];
  normalized: JsonObject;
}

function readLayers(value: unknown, report: ErrorReport): ReadEntry[] | undefined {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_LAYERS) {
    report.add(
      MODEL_PATH,
      `model must be a list of 1 to ${MAX_LAYERS} layers like [{"type": "Linear", "out_features": 10}], got ${describeValue(value)}`,
    );
    return undefined;
  }
  const names = new Map<string, number>();
  let valid = true;
  const layers = value.map((layer, index) => {
    const read = readEntry(layer, childPointer(MODEL_PATH, index), index, report);
    if (read === undefined) {
      valid = false;
      return undefined;
    }
    const name = read.entry.name;
    if (name !== undefined) {
      const first = names.get(name);
      if (first !== undefined) {
        report.add(
          childPointer(MODEL_PATH, index, 'name'),
          `layer name ${JSON.stringify(name)} is already layer ${first}'s; names must be unique`,
        );
        valid = false;
      }
      names.set(name, index);
    }
    return read;
  });
  return valid ? (layers as ReadEntry[]) : undefined;
}

function readLoss(value: unknown, report: ErrorReport): ReadEntry | undefined {
  return readEntry(typeof value === 'string' ? { type: value } : value, LOSS_PATH, -1, report);
}

/** A layer (owner >= 0) or the loss (owner -1): type, name, options (each may sweep). */
function readEntry(value: unknown, path: string, owner: number, report: ErrorReport): ReadEntry | undefined {
  const kind = owner < 0 ? 'loss' : 'layer';
  const example = owner < 0 ? '{"type": "CrossEntropyLoss"}' : '{"type": "Linear", "out_features": 10}';
  if (!isJsonObject(value)) {
    report.add(path, `each ${kind} is an object like ${example}, got ${describeValue(value)}`);
    return undefined;
  }
  const types: readonly string[] = owner < 0 ? LOSS_TYPES : LAYER_TYPES;
  const type = ownValue(value, 'type');
  if (type === undefined) {
    report.add(path, `missing "type": the torch.nn ${kind} class, one of ${types.join(', ')}`);
    return undefined;
  }
  const typePath = childPointer(path, 'type');
  if (typeof type !== 'string') {
    report.add(
      typePath,
      Array.isArray(type)
        ? `type cannot be swept: a ${kind} has one type`
        : `"type" must be a string naming the ${kind}, got ${describeValue(type)}`,
    );
    return undefined;
  }
  if (!types.includes(type)) {
    report.add(
      typePath,
      unknownNameMessage({ what: `${kind} type`, name: type, valid: types, validLabel: 'valid types' }),
    );
    return undefined;
  }
  const catalog: ModelCatalogEntry =
    owner < 0 ? lossEntries[type as 'MSELoss'] : layerEntries[type as 'Linear'];
  let valid = true;
  let name: string | undefined;
  if (owner >= 0 && Object.hasOwn(value, 'name')) {
    const given = value['name'];
    if (typeof given !== 'string' || given.trim() === '' || given.length > 100) {
      report.add(
        childPointer(path, 'name'),
        Array.isArray(given)
          ? 'name cannot be swept: it names one parameter group'
          : `name must be a non-empty string of at most 100 characters, got ${describeValue(given)}`,
      );
      valid = false;
    } else name = given;
  }
  for (const option of catalog.required) {
    if (!Object.hasOwn(value, option)) {
      report.add(path, `missing option ${JSON.stringify(option)}: ${type} has no default for it`);
      valid = false;
    }
  }
  const axes = readEntryOptions(
    rankOneSweeps(value),
    path,
    catalog.options,
    owner < 0 ? LOSS_KEYS : LAYER_KEYS,
    type,
    -1,
    report,
  );
  if (axes === undefined || !valid) return undefined;
  const fixed: JsonObject = {};
  const swept: ModelAxis[] = [];
  for (const axis of axes) {
    if (axis.values.length === 1) fixed[axis.option] = axis.values[0];
    else swept.push({ owner, axis });
  }
  for (const axis of axes) {
    if (axis.option !== 'padding_mode') continue;
    axis.values.forEach((mode, index) => {
      if (mode !== 'zeros') {
        report.add(
          axis.paths[index]!,
          `padding_mode ${JSON.stringify(mode)} is not supported; only "zeros" is`,
        );
        valid = false;
      }
    });
  }
  if (!valid) return undefined;
  const entry: GivenEntry = { type, fixed };
  if (name !== undefined) entry.name = name;
  return { entry, axes: swept, normalized: normalizedEntry(value, catalog) };
}

/**
 * A Conv1d tuple option given as a list of numbers that is not a 1-tuple (`kernel_size: [3, 5]`)
 * sweeps those numbers: written as 1-tuples so the sweep rule reads it as a sweep. Other values as given.
 */
export function rankOneSweep(type: unknown, option: string, value: unknown): unknown {
  const sweeps =
    typeof type === 'string' &&
    SPATIAL_RANK[type as 'Conv1d'] === 1 &&
    TUPLE_OPTIONS.has(option) &&
    Array.isArray(value) &&
    value.length !== 1 &&
    value.every((v) => !Array.isArray(v));
  return sweeps ? (value as unknown[]).map((v) => [v]) : value;
}

function rankOneSweeps(entry: JsonObject): JsonObject {
  return Object.fromEntries(
    Object.entries(entry).map(([option, value]) => [option, rankOneSweep(entry['type'], option, value)]),
  );
}

/** The entry with every option the spec leaves out at its default (inferred sizes stay out). */
function normalizedEntry(value: JsonObject, catalog: ModelCatalogEntry): JsonObject {
  const out = structuredClone(value);
  for (const [option, schema] of Object.entries(catalog.options) as Array<[string, JsonSchema]>) {
    if (!Object.hasOwn(out, option) && schema.default !== undefined)
      out[option] = structuredClone(schema.default);
  }
  return out;
}

/**
 * Every variant of the model (the combinations of its swept layer and loss options, the last written
 * varying fastest), each resolved: defaults filled, shapes carried, the inferred sizes set, the loss
 * checked against the output and the target. A failing variant is reported at the swept value that
 * makes it fail ("with out_channels 16 (layer 0), ..."); a problem of every variant once, where it is.
 */
export function expandModelPlan(
  plan: ModelPlan,
  report: ErrorReport,
): Array<{ config: ModelWorkloadConfig; key: string }> {
  const axes = plan.axes.map((a) => a.axis);
  const variants: Array<{ config: ModelWorkloadConfig; key: string }> = [];
  const failures: Array<{ problem: VariantProblem; indices: number[] }> = [];
  // A layer's resolution depends on its own values and those upstream (the axes before it, as they are
  // in layer order): resolved once per such prefix of the combination, shared by the variants.
  const upstream = plan.layers.map(
    (_, index) => plan.axes.filter((a) => a.owner >= 0 && a.owner <= index).length,
  );
  const steps = plan.layers.map(() => new Map<string, CachedStep>());
  let count = 0;
  for (const indices of combinations(axes)) {
    count++;
    // prefixes[p]: the indices of the first p axes, as text
    const prefixes = [''];
    for (const index of indices) prefixes.push(`${prefixes.at(-1)},${index}`);
    const values = (owner: number) => {
      const out: JsonObject = {};
      plan.axes.forEach((a, position) => {
        if (a.owner === owner) out[a.axis.option] = a.axis.values[indices[position]!];
      });
      return out;
    };
    const layers: CachedLayer[] = [];
    let problem: VariantProblem | undefined;
    for (const [index, layer] of plan.layers.entries()) {
      const key = prefixes[upstream[index]!]!;
      let step = steps[index]!.get(key);
      if (step === undefined) {
        const given = {
          type: layer.type,
          ...(layer.name === undefined ? {} : { name: layer.name }),
          ...layer.fixed,
          ...values(index),
        };
        step = resolveLayer(
          plan,
          given,
          index,
          layers[index - 1],
          layers[index - 1]?.output ?? plan.dataset.shape,
        );
        steps[index]!.set(key, step);
      }
      if ('problem' in step) {
        problem = step.problem;
        break;
      }
      layers.push(step);
    }
    const resolved =
      problem === undefined
        ? finishVariant(plan.dataset, layers, plan.loss.type, { ...plan.loss.fixed, ...values(-1) })
        : { problem };
    if ('problem' in resolved) {
      failures.push({ problem: resolved.problem, indices: [...indices] });
      continue;
    }
    const config: ModelWorkloadConfig = { name: MODEL_WORKLOAD, options: resolved.options };
    // The dataset is the same in every variant: the layers and the loss tell variants apart.
    const key = `${layers.map((l) => l.text).join('\u0000')}\u0000${canonicalJson(resolved.options.loss)}`;
    variants.push({ config, key });
  }
  reportFailures(plan, failures, count, report);
  return variants;
}

/** A resolved layer with its output shape and canonical text. */
interface CachedLayer {
  layer: ResolvedLayer;
  output: number[];
  text: string;
}

type CachedStep = CachedLayer | { problem: VariantProblem };

function resolveLayer(
  plan: ModelPlan,
  given: JsonObject,
  index: number,
  previous: CachedLayer | undefined,
  input: number[],
): CachedStep {
  const at = (problem: LayerProblem): CachedStep => ({
    problem: { owner: index, path: childPointer(MODEL_PATH, index), ...problem },
  });
  if (index > 0 && given['type'] === 'Embedding') {
    return at({
      message: `Embedding takes integer indices from the dataset, so it must be the first layer; layer ${index - 1} (${plan.layers[index - 1]!.type}) outputs floats`,
    });
  }
  const step = carryShape(withDefaults(given), input, shapeSource(index, previous?.layer, input));
  if ('problem' in step) return at(step.problem);
  if (step.output.some((size) => size < 1))
    return at({ message: `the output ${formatShape(step.output)} is empty` });
  return { layer: step.layer, output: step.output, text: canonicalJson(step.layer) };
}

/** A variant whose layers resolved: the Embedding's inputs and the loss checked, the trial's options. */
function finishVariant(
  dataset: ReadDataset,
  resolvedLayers: readonly CachedLayer[],
  lossType: string,
  lossOptions: JsonObject,
): { options: ModelWorkloadOptions } | { problem: VariantProblem } {
  const layers = resolvedLayers.map((l) => l.layer);
  const shape = resolvedLayers.at(-1)!.output;
  const embedding = layers[0]!.type === 'Embedding';
  if (embedding) {
    const problem = checkInputs(dataset, layers[0]!);
    if (problem !== undefined) return { problem: { owner: 0, ...problem } };
  }
  const loss: ResolvedLoss = { type: lossType as ResolvedLoss['type'] };
  const catalog = lossEntries[loss.type];
  for (const [option, schema] of Object.entries(catalog.options)) {
    const value = Object.hasOwn(lossOptions, option) ? lossOptions[option] : schema.default;
    loss[option] = structuredClone(value);
  }
  const lossProblem = checkLoss(dataset, loss, shape, layers.length);
  if (lossProblem !== undefined) return { problem: lossProblem };
  const { info, val } = dataset;
  return {
    options: {
      dataset: {
        ...fileRef(info),
        target: dataset.target,
        features: dataset.features,
        shape: dataset.shape,
        val: val === null ? null : 'fraction' in val ? { fraction: val.fraction } : fileRef(val.info),
        standardize: dataset.standardize,
        targetKind: loss.type === 'CrossEntropyLoss' ? 'class' : 'value',
        inputDtype: embedding ? 'int32' : 'float32',
      },
      model: layers,
      loss,
    },
  };
}

const ownerLabel = (plan: ModelPlan, owner: number) =>
  owner < 0 ? `the loss (${plan.loss.type})` : `layer ${owner} (${plan.layers[owner]!.type})`;

/**
 * A problem every variant has is reported once at its own place. Otherwise each failing variant is
 * reported at the written value of the swept option at fault when it is swept, else at the value of the
 * nearest swept option upstream, naming the swept values upstream of the fault.
 */
function reportFailures(
  plan: ModelPlan,
  failures: ReadonlyArray<{ problem: VariantProblem; indices: number[] }>,
  count: number,
  report: ErrorReport,
): void {
  const natural = (problem: VariantProblem) =>
    problem.option === undefined ? problem.path : childPointer(problem.path, problem.option);
  const texts = new Set(failures.map((f) => `${natural(f.problem)}\u0000${f.problem.message}`));
  if (failures.length === count && texts.size === 1) {
    const { problem } = failures[0]!;
    report.add(natural(problem), problem.message);
    return;
  }
  const rank = (owner: number) => (owner < 0 ? Number.POSITIVE_INFINITY : owner);
  for (const { problem, indices } of failures) {
    const upstream = plan.axes.flatMap((a, position) =>
      a.axis.values.length > 1 && rank(a.owner) <= rank(problem.owner) ? [{ ...a, position }] : [],
    );
    const own = upstream.find((a) => a.owner === problem.owner && a.axis.option === problem.option);
    const cause = own ?? upstream.at(-1);
    if (cause === undefined) {
      report.add(natural(problem), problem.message);
      continue;
    }
    const describeSwept = (a: (typeof upstream)[number]) =>
      `${a.axis.option} ${JSON.stringify(a.axis.values[indices[a.position]!])}${a.owner === problem.owner ? '' : ` (${a.owner < 0 ? 'loss' : `layer ${a.owner}`})`}`;
    const head =
      own === undefined && !problem.path.startsWith('/workload/dataset')
        ? `${ownerLabel(plan, problem.owner)}: `
        : '';
    report.add(
      cause.axis.paths[indices[cause.position]!]!,
      `with ${upstream.map(describeSwept).join(', ')}, ${head}${problem.message}`,
    );
  }
}
