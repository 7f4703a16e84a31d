import { closestName, unknownNameMessage } from '../closest-name.js';
import type { ErrorReport } from '../error-report.js';
import { childPointer } from '../json-pointer.js';
import { describeValue, isJsonObject, type JsonObject, ownValue } from '../json-value.js';
import { BUILTIN_DATASETS, builtinDataset } from './builtin-datasets.js';
import type { DatasetInfo, ValueStats } from './dataset-info.js';
import { formatShape, product } from './shapes.js';
import type { DatasetFileRef } from './types.js';

/** Looks up an uploaded dataset by id or name (the API reads the datasets table). */
export type DatasetLookup = (idOrName: string) => DatasetInfo | undefined;

export const DATASET_PATH = '/workload/dataset';
const DATASET_FIELDS = ['id', 'target', 'features', 'shape', 'val', 'standardize'];

/** One column (or array) of values as the checks see it: its name, stats and the dataset holding it. */
export interface ValueSource {
  name: string;
  stats: ValueStats;
  dataset: DatasetInfo;
}

/** The dataset part of a model workload, read and checked against the DatasetInfo (no model yet). */
export interface ReadDataset {
  info: DatasetInfo;
  /** Columns, or the one NPZ array. */
  features: string[];
  target: string[];
  shape: number[];
  val: { fraction: number } | { info: DatasetInfo } | null;
  standardize: boolean;
  /** The input values (each feature column, or the array), in the training data and the validation data. */
  inputs: ValueSource[];
  /** The target values, likewise. */
  targets: ValueSource[];
  /** Each example's target shape: [target columns], or the target array's trailing dims ([1] for a 1-D array). */
  targetShape: number[];
  trainExamples: number;
  /** How the normalized spec writes it. */
  normalized: JsonObject;
}

/**
 * Train and validation examples when a fraction of `rows` is held out: the validation share rounded,
 * at least one example on each side. The trainer splits with the same function.
 */
export function splitCounts(rows: number, fraction: number): { train: number; val: number } {
  const val = Math.min(Math.max(Math.round(rows * fraction), 1), rows - 1);
  return { train: rows - val, val };
}

/** Where a row is, for messages: `row 17 (0-based; CSV line 19)`. */
export function rowLabel(dataset: DatasetInfo, row: number): string {
  return dataset.format === 'csv' ? `row ${row} (0-based; CSV line ${row + 2})` : `row ${row} (0-based)`;
}

/** `label`, or `label of dataset "digits-val"` for the validation dataset. */
export function sourceLabel(source: ValueSource, training: DatasetInfo): string {
  return source.dataset === training
    ? source.name
    : `${source.name} of dataset ${JSON.stringify(source.dataset.name)}`;
}

export function fileRef(info: DatasetInfo): DatasetFileRef {
  return { id: info.id, sha256: info.sha256, format: info.format };
}

/**
 * The dataset ids or names a raw sweep spec refers to (the dataset and a validation dataset), so the API
 * can fetch them before validating. Never throws.
 */
export function datasetReferences(body: unknown): string[] {
  const dataset = datasetPart(body)?.dataset;
  if (dataset === undefined) return [];
  const refs = [ownValue(dataset, 'id'), ownValue(dataset, 'val')].filter(
    (ref): ref is string => typeof ref === 'string',
  );
  return [...new Set(refs)];
}

/**
 * The body with its dataset references (the dataset's `id` and a validation dataset's) written as the
 * datasets' uuids, so a stored spec (a random or tpe search proposes from the spec as submitted) keeps
 * naming the same data if a dataset is renamed or another takes its name. References not found stay.
 */
export function withDatasetIds(body: unknown, datasets: DatasetLookup): unknown {
  const part = datasetPart(body);
  if (part === undefined) return body;
  const { workload, dataset } = part;
  const pinned = { ...dataset };
  for (const field of ['id', 'val']) {
    const ref = ownValue(dataset, field);
    const info = typeof ref === 'string' ? datasets(ref) : undefined;
    if (info !== undefined) pinned[field] = info.id;
  }
  return { ...(body as JsonObject), workload: { ...workload, dataset: pinned } };
}

/** A raw body's `workload` and its `dataset` object, when it has them. */
function datasetPart(body: unknown): { workload: JsonObject; dataset: JsonObject } | undefined {
  const workload = isJsonObject(body) ? ownValue(body, 'workload') : undefined;
  const dataset = isJsonObject(workload) ? ownValue(workload, 'dataset') : undefined;
  return isJsonObject(workload) && isJsonObject(dataset) ? { workload, dataset } : undefined;
}

function builtinNames(): string {
  return BUILTIN_DATASETS.map((dataset) => dataset.name).join(', ');
}

function lookup(
  value: unknown,
  path: string,
  datasets: DatasetLookup | undefined,
  report: ErrorReport,
): DatasetInfo | undefined {
  if (typeof value !== 'string' || value === '') {
    report.add(path, `a dataset is named by its id or name (a string), got ${describeValue(value)}`);
    return undefined;
  }
  const info = datasets?.(value) ?? builtinDataset(value);
  if (info === undefined) {
    report.add(
      path,
      datasets === undefined
        ? `unknown dataset ${JSON.stringify(value)}: no uploaded datasets are available here (built-in: ${builtinNames()})`
        : `unknown dataset ${JSON.stringify(value)}: upload it first (POST /v1/datasets) and give its id or name, or name a built-in one (${builtinNames()})`,
    );
    return undefined;
  }
  if (!(Number.isSafeInteger(info.rows) && info.rows > 0)) {
    report.add(path, `dataset ${JSON.stringify(info.name)} has no rows`);
    return undefined;
  }
  return info;
}

/** Reads `"dataset": {id, target, features?, shape?, val?, standardize?}`. Undefined after reporting errors. */
export function readDataset(
  value: unknown,
  datasets: DatasetLookup | undefined,
  report: ErrorReport,
): ReadDataset | undefined {
  const path = DATASET_PATH;
  if (!isJsonObject(value)) {
    report.add(
      path,
      `dataset must be an object like {"id": "digits", "target": "label", "val": 0.2}, got ${describeValue(value)}`,
    );
    return undefined;
  }
  let valid = true;
  for (const key of Object.keys(value)) {
    if (DATASET_FIELDS.includes(key)) continue;
    report.add(
      childPointer(path, key),
      unknownNameMessage({
        what: 'field',
        name: key,
        where: ' in dataset',
        valid: DATASET_FIELDS,
        validLabel: 'valid fields',
      }),
    );
    valid = false;
  }
  if (!Object.hasOwn(value, 'id')) {
    report.add(path, 'missing "id": the id or name of an uploaded dataset');
    return undefined;
  }
  const info = lookup(value['id'], childPointer(path, 'id'), datasets, report);
  if (info === undefined || !valid) return undefined;
  const read = info.arrays !== undefined ? readArrays(value, info, report) : readColumns(value, info, report);
  if (read === undefined) return undefined;
  const shape = readShape(
    ownValue(value, 'shape'),
    read.defaultShape,
    read.featureCount,
    read.featureText,
    report,
  );
  const standardize = ownValue(value, 'standardize') ?? false;
  if (typeof standardize !== 'boolean') {
    report.add(
      childPointer(path, 'standardize'),
      `standardize must be true or false, got ${describeValue(standardize)}`,
    );
    return undefined;
  }
  const val = readVal(ownValue(value, 'val'), info, read, datasets, report);
  if (shape === undefined || val === undefined) return undefined;
  const valInfo = val !== null && 'info' in val ? val.info : undefined;
  const extra = valInfo === undefined ? undefined : read.sources(valInfo);
  const trainExamples =
    val !== null && 'fraction' in val ? splitCounts(info.rows, val.fraction).train : info.rows;
  const normalized: JsonObject = {
    id: info.id,
    target: info.arrays !== undefined ? read.target[0]! : read.target,
    features: info.arrays !== undefined ? read.features[0]! : read.features,
    shape,
    val: val === null ? null : 'fraction' in val ? val.fraction : val.info.id,
    standardize,
  };
  return {
    info,
    features: read.features,
    target: read.target,
    shape,
    val,
    standardize,
    inputs: [...read.own.inputs, ...(extra?.inputs ?? [])],
    targets: [...read.own.targets, ...(extra?.targets ?? [])],
    targetShape: read.targetShape,
    trainExamples,
    normalized,
  };
}

interface Selection {
  features: string[];
  target: string[];
  featureCount: number;
  /** How the features are described in messages. */
  featureText: string;
  defaultShape: number[];
  targetShape: number[];
  own: { inputs: ValueSource[]; targets: ValueSource[] };
  /** The same selection in another dataset (validation), or a message saying what it lacks. */
  sources(other: DatasetInfo): { inputs: ValueSource[]; targets: ValueSource[] };
  missingIn(other: DatasetInfo): string | undefined;
}

/** Names listed in a message before the rest are counted. */
const LISTED_NAMES = 12;

const listNames = (names: readonly string[]) =>
  names.length <= LISTED_NAMES
    ? names.join(', ')
    : `${names.slice(0, LISTED_NAMES).join(', ')}, ... (${names.length} in all)`;

/** `unknown column "lable"; did you mean "label"? The columns: ...` with a long list shortened. */
function unknownColumnMessage(name: string, known: readonly string[]): string {
  const suggestion = closestName(name, known);
  const head = `unknown column ${JSON.stringify(name)}`;
  return suggestion === undefined
    ? `${head}; the columns: ${listNames(known)}`
    : `${head}; did you mean ${JSON.stringify(suggestion)}? The columns: ${listNames(known)}`;
}

function readNames(
  value: unknown,
  path: string,
  known: readonly string[],
  what: string,
  report: ErrorReport,
): string[] | undefined {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || !list.every((name) => typeof name === 'string')) {
    report.add(
      path,
      `${what} must be a column name or a non-empty list of column names, got ${describeValue(value)}`,
    );
    return undefined;
  }
  let valid = true;
  const seen = new Set<string>();
  list.forEach((name: string, index) => {
    const at = typeof value === 'string' ? path : childPointer(path, index);
    if (!known.includes(name)) {
      report.add(at, unknownColumnMessage(name, known));
      valid = false;
    } else if (seen.has(name)) {
      report.add(at, `column ${JSON.stringify(name)} is listed twice`);
      valid = false;
    }
    seen.add(name);
  });
  return valid ? (list as string[]) : undefined;
}

function readColumns(value: JsonObject, info: DatasetInfo, report: ErrorReport): Selection | undefined {
  const columns = info.columns ?? [];
  const names = columns.map((column) => column.name);
  const targetPath = childPointer(DATASET_PATH, 'target');
  if (!Object.hasOwn(value, 'target')) {
    report.add(DATASET_PATH, `missing "target": the column(s) to predict, among ${names.join(', ')}`);
    return undefined;
  }
  const target = readNames(value['target'], targetPath, names, 'target', report);
  if (target === undefined) return undefined;
  const given = ownValue(value, 'features');
  const features =
    given === undefined
      ? names.filter((name) => !target.includes(name))
      : readNames(given, childPointer(DATASET_PATH, 'features'), names, 'features', report);
  if (features === undefined) return undefined;
  if (features.length === 0) {
    report.add(
      DATASET_PATH,
      `dataset ${JSON.stringify(info.name)} has no column left for features besides the target`,
    );
    return undefined;
  }
  const overlap = features.findIndex((name) => target.includes(name));
  if (overlap >= 0) {
    report.add(
      childPointer(DATASET_PATH, 'features', overlap),
      `column ${JSON.stringify(features[overlap])} is the target; it cannot also be a feature`,
    );
    return undefined;
  }
  const pick = (dataset: DatasetInfo, wanted: string[]) =>
    wanted.flatMap((name) => {
      const column = dataset.columns?.find((c) => c.name === name);
      return column === undefined ? [] : [{ name, stats: column.stats, dataset }];
    });
  const sources = (dataset: DatasetInfo) => ({
    inputs: pick(dataset, features),
    targets: pick(dataset, target),
  });
  return {
    features,
    target,
    featureCount: features.length,
    featureText: `there ${features.length === 1 ? 'is 1 feature column' : `are ${features.length} feature columns`}`,
    defaultShape: [features.length],
    targetShape: [target.length],
    own: sources(info),
    sources,
    missingIn: (other) => {
      if (other.columns === undefined) return 'it has arrays, not columns';
      const have = other.columns.map((c) => c.name);
      const missing = [...features, ...target].filter((name) => !have.includes(name));
      return missing.length === 0
        ? undefined
        : `it has no column ${listNames(missing.map((m) => JSON.stringify(m)))}`;
    },
  };
}

/** The NPZ array named by `field` (`target` or `features`), or its default (`y`, `x`). */
function readArrayName(
  value: JsonObject,
  field: 'target' | 'features',
  info: DatasetInfo,
  report: ErrorReport,
): string | undefined {
  const given = Object.hasOwn(value, field);
  const path = given ? childPointer(DATASET_PATH, field) : DATASET_PATH;
  const raw = given ? value[field] : field === 'target' ? 'y' : 'x';
  const names = (info.arrays ?? []).map((array) => array.name);
  const name = Array.isArray(raw) && raw.length === 1 ? raw[0] : raw;
  if (typeof name !== 'string') {
    report.add(
      path,
      `${field} of an NPZ dataset is the name of one of its arrays, got ${describeValue(raw)}`,
    );
    return undefined;
  }
  if (!names.includes(name)) {
    report.add(path, unknownNameMessage({ what: 'array', name, valid: names, validLabel: 'the arrays' }));
    return undefined;
  }
  return name;
}

function readArrays(value: JsonObject, info: DatasetInfo, report: ErrorReport): Selection | undefined {
  const target = readArrayName(value, 'target', info, report);
  const feature = readArrayName(value, 'features', info, report);
  if (target === undefined || feature === undefined) return undefined;
  if (target === feature) {
    report.add(
      childPointer(DATASET_PATH, 'features'),
      `array ${JSON.stringify(feature)} is the target; it cannot also be the features`,
    );
    return undefined;
  }
  const arrays = info.arrays!;
  const x = arrays.find((a) => a.name === feature)!;
  const y = arrays.find((a) => a.name === target)!;
  for (const [array, field] of [
    [x, 'features'],
    [y, 'target'],
  ] as const) {
    if (array.shape[0] !== info.rows) {
      report.add(
        childPointer(DATASET_PATH, field),
        `array ${JSON.stringify(array.name)} has shape ${formatShape(array.shape)}; its first axis must be the ${info.rows} examples`,
      );
      return undefined;
    }
  }
  const trailing = x.shape.slice(1);
  const targetTrailing = y.shape.slice(1);
  const sources = (dataset: DatasetInfo) => {
    const pick = (name: string) => {
      const array = dataset.arrays?.find((a) => a.name === name);
      return array === undefined ? [] : [{ name, stats: array.stats, dataset }];
    };
    return { inputs: pick(feature), targets: pick(target) };
  };
  return {
    features: [feature],
    target: [target],
    featureCount: product(trailing),
    featureText: `array ${JSON.stringify(feature)} of shape ${formatShape(x.shape)} holds ${product(trailing)} values per example`,
    defaultShape: trailing.length === 0 ? [1] : trailing,
    targetShape: targetTrailing.length === 0 ? [1] : targetTrailing,
    own: sources(info),
    sources,
    missingIn: (other) => {
      if (other.arrays === undefined) return 'it has columns, not arrays';
      for (const [name, shape] of [
        [feature, trailing],
        [target, targetTrailing],
      ] as const) {
        const array = other.arrays.find((a) => a.name === name);
        if (array === undefined) return `it has no array ${JSON.stringify(name)}`;
        if (formatShape(array.shape.slice(1)) !== formatShape(shape))
          return `its array ${JSON.stringify(name)} has shape ${formatShape(array.shape)}, not [N, ${shape.join(', ')}]`;
      }
      return undefined;
    },
  };
}

function readShape(
  value: unknown,
  fallback: number[],
  count: number,
  featureText: string,
  report: ErrorReport,
): number[] | undefined {
  if (value === undefined) return fallback;
  const path = childPointer(DATASET_PATH, 'shape');
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    value.length > 8 ||
    !value.every((n) => typeof n === 'number' && Number.isInteger(n) && n >= 1)
  ) {
    report.add(
      path,
      `shape must be a list of 1 to 8 positive integers like [1, 8, 8], got ${describeValue(value)}`,
    );
    return undefined;
  }
  const shape = value as number[];
  if (product(shape) !== count) {
    report.add(
      path,
      `shape ${formatShape(shape)} holds ${product(shape)} values per example, but ${featureText}`,
    );
    return undefined;
  }
  return shape;
}

function readVal(
  value: unknown,
  info: DatasetInfo,
  selection: Selection,
  datasets: DatasetLookup | undefined,
  report: ErrorReport,
): ReadDataset['val'] | undefined {
  const path = childPointer(DATASET_PATH, 'val');
  if (value === undefined || value === null) return null;
  if (typeof value === 'number') {
    if (!(value > 0 && value < 1)) {
      report.add(
        path,
        `val as a fraction of the rows must be between 0 and 1 (exclusive), got ${describeValue(value)}`,
      );
      return undefined;
    }
    if (info.rows < 2) {
      report.add(
        path,
        `dataset ${JSON.stringify(info.name)} has ${info.rows} row; splitting off validation rows needs at least 2`,
      );
      return undefined;
    }
    return { fraction: value };
  }
  if (typeof value !== 'string') {
    report.add(
      path,
      `val must be a fraction of the rows (like 0.2) or another dataset's id or name, got ${describeValue(value)}`,
    );
    return undefined;
  }
  const other = lookup(value, path, datasets, report);
  if (other === undefined) return undefined;
  if (other.id === info.id) {
    report.add(path, 'the validation dataset is the training dataset; give a fraction to split off instead');
    return undefined;
  }
  const missing = selection.missingIn(other);
  if (missing !== undefined) {
    report.add(
      path,
      `validation dataset ${JSON.stringify(other.name)} does not match the training data: ${missing}`,
    );
    return undefined;
  }
  return { info: other };
}
