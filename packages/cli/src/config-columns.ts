import type { ConfigSummary } from '@hypersweep/client';

/** The workload name of a torch.nn model given in the spec (packages/spec MODEL_WORKLOAD). */
const MODEL_WORKLOAD = 'model';

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
 * prefixed by where they live (`StepLR.gamma`, `group1.lr`, `workload.trainSize`, `training.epochs`; a
 * model's `model.<layer>.<argument>` and `loss.<argument>`).
 */
export function flattenConfig(config: Obj): FlatConfig {
  const flat: FlatConfig = {};
  const workload = isObject(config.workload) ? config.workload : {};
  flat.workload = workload.name;
  if (workload.name === MODEL_WORKLOAD && isObject(workload.options)) addModel(flat, workload.options);
  else addAll(flat, 'workload.', workload.options);
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
    // Named by the scheduler's type: CyclicLR's `mode` and ReduceLROnPlateau's are different options.
    addAll(flat, `${String(scheduler.type)}.`, scheduler.options);
    flat['scheduler.interval'] = scheduler.interval;
  }
  flat.seed = config.seed;
  return flat;
}

/**
 * A model workload's columns, named as /configs and /effects name its factors: `model.<layer name or index>.<argument>`
 * and `loss.<argument>`, plus the dataset's id (the layers' and loss's types are not columns: they never vary).
 */
function addModel(flat: FlatConfig, options: Obj): void {
  const { dataset, model, loss } = options;
  flat.dataset = isObject(dataset) ? dataset.id : undefined;
  if (Array.isArray(model)) {
    for (const [index, layer] of model.entries()) {
      if (!isObject(layer)) continue;
      const { type: _type, name, ...args } = layer;
      addAll(flat, `model.${typeof name === 'string' ? name : index}.`, args);
    }
  }
  if (isObject(loss)) {
    const { type: _type, ...args } = loss;
    addAll(flat, 'loss.', args);
  }
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
  /** The API's row: seeds, trial ids, completed trials (n), mean, sample std, min, max of the objective. */
  row: ConfigSummary;
  /** The best completed trial's value in the objective's direction. */
  best: number | null;
}

/**
 * The rows of GET /v1/sweeps/:id/configs (the API groups trials that differ only by seed and ranks the
 * groups by mean) as flat columns: the options the configs vary, and each config's best value.
 */
export function configColumns(
  rows: ConfigSummary[],
  mode: 'min' | 'max',
): { columns: string[]; groups: ConfigGroup[] } {
  const flats = rows.map((row) => flattenConfig(row.config));
  const columns = sweptColumns(flats).filter((column) => column !== 'seed');
  const groups = rows.map((row, i) => ({
    config: Object.fromEntries(columns.map((c) => [c, flats[i]![c]])),
    row,
    best: mode === 'max' ? row.max : row.min,
  }));
  return { columns, groups };
}
