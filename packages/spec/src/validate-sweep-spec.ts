import { unknownNameMessage } from './closest-name.js';
import { ErrorReport, type SpecError } from './error-report.js';
import { expandGrid } from './expand-grid.js';
import { childPointer, existingPointer } from './json-pointer.js';
import { checkJsonShape } from './json-shape.js';
import { describeValue, formatCount, isJsonObject, type JsonObject, ownValue } from './json-value.js';
import type { DatasetLookup } from './model/dataset.js';
import { CLASSIFYING_LOSSES } from './model/read-model.js';
import {
  defaultObjectiveMetric,
  isObjectiveMetric,
  isTrainerMetric,
  isValidationMetric,
  naturalMode,
  type Objective,
} from './objective.js';
import { expandOptimizerPlan, type OptimizerPlan, readOptimizerEntry } from './optimizer-plan.js';
import { readObjectFields } from './read-object-fields.js';
import { EXTERNAL_WORKLOAD, type ResolvedWorkload, readWorkload } from './read-workload.js';
import {
  expandSchedulerPlan,
  type PlannedScheduler,
  readSchedulerEntry,
  type SchedulerPlan,
  schedulerOptimizerErrors,
  type TrainingLength,
} from './scheduler-plan.js';
import {
  DEFAULT_MAX_TRIALS,
  nameSchema,
  objectiveFieldSchemas,
  prunerFieldSchemas,
  prunerTypes,
  seedSchema,
  specFields,
  trainingFieldSchemas,
} from './spec-fields.js';
import { readSweptOption } from './sweep-values.js';
import type { SchedulerInterval, TrainingConfig, TrialConfig } from './trial-config.js';
import { batchesPerEpoch, type WorkloadInfo } from './workload-info.js';

export interface ValidationContext {
  workloads: readonly WorkloadInfo[];
  /**
   * The uploaded datasets a model workload may train on, by id or name (the API fetches those that
   * datasetReferences lists). Without it a model workload is a 400.
   */
  datasets?: DatasetLookup | undefined;
  /** Largest grid accepted (before equal trials are merged). Default 10,000. */
  maxTrials?: number;
}

/** A spec entry as submitted (options may hold lists to sweep), keyed by torch option names. */
export type SpecEntry = { type: string } & Record<string, unknown>;

/**
 * The submitted spec with defaults filled in. It is itself a valid spec that expands to the
 * same trials.
 */
/** A model workload as the normalized spec writes it: defaults filled, swept lists kept. */
export interface ModelWorkloadSpec {
  dataset: Record<string, unknown>;
  model: Array<Record<string, unknown>>;
  loss: Record<string, unknown>;
}

export interface NormalizedSweepSpec {
  name: string;
  workload: { name: string; options: Record<string, unknown> } | ModelWorkloadSpec;
  training: TrainingConfig;
  optimizers: SpecEntry[];
  schedulers: Array<(SpecEntry & { interval: SchedulerInterval }) | null>;
  seeds: number[];
  objective: Objective;
  /** null: every trial runs to the end. */
  pruner: PrunerConfig | null;
}

/** A pruner with its defaults filled in (Optuna's MedianPruner options; a step is an epoch). */
export interface PrunerConfig {
  type: 'MedianPruner';
  n_startup_trials: number;
  n_warmup_steps: number;
  interval_steps: number;
}

export type SweepSpecValidation =
  | { ok: true; spec: NormalizedSweepSpec; trials: TrialConfig[] }
  | { ok: false; errors: SpecError[] };

/**
 * Validates a submitted sweep spec against the optimizer/scheduler catalog and the workloads,
 * and expands it into its trials. Reports every error found, each with a JSON Pointer into the
 * body; never throws, whatever the input. The grid size is checked before any trial is made.
 */
export function validateSweepSpec(input: unknown, context: ValidationContext): SweepSpecValidation {
  const report = new ErrorReport();
  if (!checkJsonShape(input, report)) return failure(input, report);
  if (!isJsonObject(input)) {
    report.add('', `a sweep spec is a JSON object with workload and optimizers, got ${describeValue(input)}`);
    return failure(input, report);
  }
  for (const key of Object.keys(input)) {
    if (!(specFields as readonly string[]).includes(key)) {
      report.add(
        childPointer('', key),
        unknownNameMessage({ what: 'field', name: key, valid: specFields, validLabel: 'a sweep spec has' }),
      );
    }
  }
  const workload = readWorkload(ownValue(input, 'workload'), context, report);
  const training = readTraining(ownValue(input, 'training'), report);
  const objective = readObjective(ownValue(input, 'objective'), workload, report);
  const seeds = readSeeds(ownValue(input, 'seeds'), report);
  const pruner = readPruner(ownValue(input, 'pruner'), report);
  const name = readName(ownValue(input, 'name'), report);
  const optimizers = readList(input, 'optimizers', report, (value, path) =>
    readOptimizerEntry(value, path, workload?.info.paramGroups, workload?.name, report),
  );
  // Without schedulers every trial runs at a constant learning rate.
  const schedulers =
    ownValue(input, 'schedulers') === undefined
      ? [null]
      : readList(input, 'schedulers', report, (value, path) =>
          readSchedulerEntry(value, path, objective, report),
        );
  const limit = context.maxTrials ?? DEFAULT_MAX_TRIALS;
  if (optimizers !== undefined && schedulers !== undefined && seeds !== undefined) {
    const size = gridSize(optimizers, schedulers, seeds.length) * (workload?.combinations ?? 1n);
    if (size > BigInt(limit)) {
      report.add('', `the grid has ${formatCount(size)} trials; the limit is ${formatCount(limit)}`);
    }
  }
  if (
    report.count > 0 ||
    workload === undefined ||
    training === undefined ||
    objective === undefined ||
    seeds === undefined ||
    pruner === undefined ||
    name === undefined ||
    optimizers === undefined ||
    schedulers === undefined
  ) {
    return failure(input, report);
  }

  const length = trainingLength(training, workload.trainExamples);
  const optimizerConfigs = optimizers.map((plan) => ({ plan, configs: expandOptimizerPlan(plan, report) }));
  const schedulerConfigs = schedulers.flatMap((plan) =>
    plan === null ? [null] : expandSchedulerPlan(plan, objective, length, report),
  );
  // The scheduler/optimizer checks depend on the optimizer's type and group count only: run each once.
  const checked = new Map<string, boolean>();
  const compatible = (optimizerIndex: number, scheduler: PlannedScheduler) => {
    const { plan, configs } = optimizerConfigs[optimizerIndex]!;
    const options = configs[0]?.config.options;
    if (options === undefined) return false;
    const key = `${plan.type}\u0000${plan.groupCount}\u0000${scheduler.key}`;
    let ok = checked.get(key);
    if (ok === undefined) {
      const errors = schedulerOptimizerErrors(scheduler, { ...plan, options, index: optimizerIndex });
      for (const error of errors) report.add(error.path, error.message);
      ok = errors.length === 0;
      checked.set(key, ok);
    }
    return ok;
  };
  const workloads = workload.expand(report);
  const trials = expandGrid({
    workloads,
    training,
    optimizers: optimizerConfigs,
    schedulers: schedulerConfigs,
    seeds,
    compatible,
  });
  if (report.count > 0) return failure(input, report);
  const spec: NormalizedSweepSpec = {
    name: name ?? defaultName(workload.label, optimizers),
    workload: workload.normalized as NormalizedSweepSpec['workload'],
    training,
    optimizers: (input['optimizers'] as SpecEntry[]).map((entry) => structuredClone(entry)),
    schedulers: schedulers.map((plan, index) =>
      plan === null
        ? null
        : { ...structuredClone((input['schedulers'] as SpecEntry[])[index]!), interval: plan.interval },
    ),
    seeds,
    objective,
    pruner,
  };
  return { ok: true, spec, trials };
}

function failure(input: unknown, report: ErrorReport): SweepSpecValidation {
  const errors = report.errors().map((error) => ({ ...error, path: existingPointer(input, error.path) }));
  return { ok: false, errors };
}

/** Reads a list field whose entries are read one by one; every entry is read, so all errors show. */
function readList<T>(
  input: JsonObject,
  field: 'optimizers' | 'schedulers',
  report: ErrorReport,
  readEntry: (value: unknown, path: string) => T | undefined,
): T[] | undefined {
  const value = ownValue(input, field);
  const path = childPointer('', field);
  const shape =
    field === 'optimizers'
      ? 'a non-empty list of optimizers like [{"type": "SGD", "lr": [0.01, 0.1]}]'
      : 'a non-empty list of schedulers like [null, {"type": "StepLR", "step_size": 10}] (null: constant lr)';
  if (value === undefined) {
    report.add('', `missing "${field}": ${shape}`);
    return undefined;
  }
  if (!Array.isArray(value) || value.length === 0) {
    report.add(path, `${field} must be ${shape}, got ${describeValue(value)}`);
    return undefined;
  }
  let valid = true;
  const entries = value.map((entry, index) => {
    const read = readEntry(entry, childPointer(path, index));
    if (read === undefined) valid = false;
    return read;
  });
  return valid ? (entries as T[]) : undefined;
}

function readTraining(value: unknown, report: ErrorReport): TrainingConfig | undefined {
  if (value === undefined) value = {};
  if (!isJsonObject(value)) {
    report.add(
      '/training',
      `training must be an object like {"epochs": 3, "batchSize": 64}, got ${describeValue(value)}`,
    );
    return undefined;
  }
  return readObjectFields(value, '/training', trainingFieldSchemas, 'training', report) as
    | TrainingConfig
    | undefined;
}

/**
 * The objective: val_loss by default, train_loss for a workload without a validation set; a
 * validation metric on such a workload is an error (it would never be measured).
 */
function readObjective(
  value: unknown,
  workload: ResolvedWorkload | undefined,
  report: ErrorReport,
): Objective | undefined {
  if (value === undefined) value = {};
  if (!isJsonObject(value)) {
    report.add(
      '/objective',
      `objective must be an object like {"metric": "val_loss", "mode": "min"}, got ${describeValue(value)}`,
    );
    return undefined;
  }
  const fields = readObjectFields(value, '/objective', objectiveFieldSchemas, 'objective', report);
  if (fields === undefined) return undefined;
  const hasValidation = workload?.info.hasValidation ?? true;
  let metric = fields['metric'] as string;
  if (!Object.hasOwn(value, 'metric')) metric = defaultObjectiveMetric(hasValidation);
  if (!isObjectiveMetric(metric)) return readTrainerObjective(metric, fields, workload, report);
  if (workload !== undefined && !workload.metrics.includes(metric)) {
    report.add(
      '/objective/metric',
      isValidationMetric(metric) && !hasValidation
        ? `workload ${workload.label} has no validation set, so ${metric} is never measured; use "train_loss"`
        : `${metric} is measured for a classifying loss (${CLASSIFYING_LOSSES.join(', ')}) only; use one of ${workload.metrics.join(', ')}`,
    );
    return undefined;
  }
  const mode = (fields['mode'] as Objective['mode'] | undefined) ?? naturalMode(metric);
  return { metric, mode };
}

/**
 * An objective on a metric of the trainer's own (`val_bleu`): only a sweep whose trials train outside the
 * service reports such metrics, and nothing says which way is better, so `mode` is required.
 */
function readTrainerObjective(
  metric: string,
  fields: Record<string, unknown>,
  workload: ResolvedWorkload | undefined,
  report: ErrorReport,
): Objective | undefined {
  if (workload === undefined) return undefined;
  if (workload.name !== EXTERNAL_WORKLOAD || !isTrainerMetric(metric)) {
    report.add(
      '/objective/metric',
      `${unknownNameMessage({ what: 'metric', name: metric, where: '', valid: workload.metrics, validLabel: 'metrics' })}${workload.name === EXTERNAL_WORKLOAD ? '' : `; a metric of the trainer's own, like val_bleu, is for a sweep whose trials train outside the service ("workload": {"external": {...}})`}`,
    );
    return undefined;
  }
  const mode = fields['mode'] as Objective['mode'] | undefined;
  if (mode === undefined) {
    report.add(
      '/objective/mode',
      `objective ${metric} is a metric of your trainer's own: say whether smaller or larger is better with "mode": "min" or "max"`,
    );
    return undefined;
  }
  return { metric, mode };
}

/** null when absent or null; undefined after an error. */
function readPruner(value: unknown, report: ErrorReport): PrunerConfig | null | undefined {
  if (value === undefined || value === null) return null;
  if (!isJsonObject(value)) {
    report.add(
      '/pruner',
      `pruner must be null or an object like {"type": "MedianPruner", "n_startup_trials": 5}, got ${describeValue(value)}`,
    );
    return undefined;
  }
  if (!Object.hasOwn(value, 'type')) {
    report.add('/pruner', `missing "type": the pruning rule, one of ${prunerTypes.join(', ')}`);
    return undefined;
  }
  return readObjectFields(value, '/pruner', prunerFieldSchemas, 'pruner', report) as PrunerConfig | undefined;
}

function readSeeds(value: unknown, report: ErrorReport): number[] | undefined {
  if (value === undefined) return [0];
  return readSweptOption(value, seedSchema, '/seeds', 'seeds', report)?.values as number[] | undefined;
}

/** undefined after an error; null when absent (a default name is made once the entries are known). */
function readName(value: unknown, report: ErrorReport): string | null | undefined {
  if (value === undefined) return null;
  const problem = nameProblem(value);
  if (problem !== undefined) {
    report.add('/name', problem);
    return undefined;
  }
  return value as string;
}

function nameProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return `name must be a string, got ${describeValue(value)}`;
  if (value.trim() === '') return 'name must not be empty';
  if (value.length > (nameSchema.maxLength ?? Number.POSITIVE_INFINITY)) {
    return `name must be at most ${nameSchema.maxLength} characters long`;
  }
  return undefined;
}

function defaultName(workload: string, optimizers: readonly OptimizerPlan[]): string {
  const types = [...new Set(optimizers.map((plan) => plan.type))];
  return `${workload}: ${types.join(', ')}`;
}

/** Trials before merging, as a bigint: the limit is checked before any trial exists. */
function gridSize(
  optimizers: readonly OptimizerPlan[],
  schedulers: ReadonlyArray<SchedulerPlan | null>,
  seeds: number,
): bigint {
  const optimizerCount = optimizers.reduce((sum, plan) => sum + plan.combinations, 0n);
  const schedulerCount = schedulers.reduce((sum, plan) => sum + (plan === null ? 1n : plan.combinations), 0n);
  return optimizerCount * schedulerCount * BigInt(seeds);
}

/** How many optimizer steps and epochs a trial runs, for schedulers whose length depends on it. */
function trainingLength(training: TrainingConfig, trainExamples: number): TrainingLength {
  const perEpoch = batchesPerEpoch(trainExamples, training.batchSize);
  const steps = Math.min(training.epochs * perEpoch, training.maxSteps ?? Number.POSITIVE_INFINITY);
  return { steps, epochs: Math.ceil(steps / perEpoch) };
}
