import { canonicalJson } from './canonical-json.js';
import { unknownNameMessage } from './closest-name.js';
import type { ErrorReport } from './error-report.js';
import { childPointer } from './json-pointer.js';
import { describeValue, isJsonObject, ownValue } from './json-value.js';
import type { DatasetLookup } from './model/dataset.js';
import { expandModelPlan, isModelWorkload, readModelWorkload } from './model/read-model.js';
import { MODEL_WORKLOAD } from './model/types.js';
import type { ObjectiveMetric } from './objective.js';
import { readObjectFields } from './read-object-fields.js';
import type { WorkloadInfo } from './workload-info.js';

/** A trial's workload: a built-in's name and options, or MODEL_WORKLOAD and the resolved model. */
export interface WorkloadConfig {
  name: string;
  options: Record<string, unknown>;
}

export interface ResolvedWorkload {
  info: WorkloadInfo;
  name: string;
  /** For people (a sweep's default name): the workload's name, or `model on "digits"`. */
  label: string;
  /**
   * As the normalized spec writes it: a built-in's `{name, options}` with its defaults filled, or the
   * model form `{dataset, model, loss}` with defaults filled and swept lists kept.
   */
  normalized: Record<string, unknown>;
  /** Variants before they are resolved: the grid-size limit counts them (a built-in has one). */
  combinations: bigint;
  /** Every variant's config with its canonical text, reporting the variants that fail. */
  expand(report: ErrorReport): Array<{ config: WorkloadConfig; key: string }>;
  trainExamples: number;
  /** The objective metrics a trial of this workload measures. */
  metrics: readonly ObjectiveMetric[];
}

export interface WorkloadContext {
  workloads: readonly WorkloadInfo[];
  datasets?: DatasetLookup | undefined;
}

const WORKLOAD_KEYS = ['name', 'options'];

/**
 * Reads `"workload": "mnist-mlp"`, `"workload": {"name": "mnist-mlp", "options": {...}}` or a model on an
 * uploaded dataset, `"workload": {"dataset": {...}, "model": [...], "loss": {...}}`.
 */
export function readWorkload(
  value: unknown,
  { workloads, datasets }: WorkloadContext,
  report: ErrorReport,
): ResolvedWorkload | undefined {
  const path = '/workload';
  if (isModelWorkload(value)) return readModel(value, datasets, report);
  if (isJsonObject(value) && Object.hasOwn(value, 'external')) return readExternal(value, report);
  const names = workloads.map((workload) => workload.name);
  if (value === undefined) {
    report.add('', `missing "workload": one of ${names.join(', ')}`);
    return undefined;
  }
  let name: unknown = value;
  let options: unknown = {};
  let namePath = path;
  if (isJsonObject(value)) {
    for (const key of Object.keys(value)) {
      if (!WORKLOAD_KEYS.includes(key)) {
        report.add(
          childPointer(path, key),
          unknownNameMessage({
            what: 'field',
            name: key,
            where: ' in workload',
            valid: WORKLOAD_KEYS,
            validLabel: 'valid fields',
          }),
        );
        return undefined;
      }
    }
    name = ownValue(value, 'name');
    const given = ownValue(value, 'options');
    options = given === undefined ? {} : given;
    namePath = childPointer(path, 'name');
    if (name === undefined) {
      report.add(path, `missing "name": one of ${names.join(', ')}`);
      return undefined;
    }
  }
  if (typeof name !== 'string') {
    report.add(
      namePath,
      `workload must be a workload name or {"name": ..., "options": {...}}, got ${describeValue(name)}`,
    );
    return undefined;
  }
  const info = workloads.find((workload) => workload.name === name);
  if (info === undefined) {
    report.add(
      namePath,
      unknownNameMessage({ what: 'workload', name, valid: names, validLabel: 'valid workloads' }),
    );
    return undefined;
  }
  const optionsPath = childPointer(path, 'options');
  if (!isJsonObject(options)) {
    report.add(optionsPath, `workload options must be an object, got ${describeValue(options)}`);
    return undefined;
  }
  const resolved = readObjectFields(
    options,
    optionsPath,
    info.options,
    `the options of ${info.name}`,
    report,
  );
  if (resolved === undefined) return undefined;
  const trainExamples = countTrainExamples(info, resolved);
  if (trainExamples === undefined) {
    report.add(optionsPath, `workload ${info.name} has no training examples with these options`);
    return undefined;
  }
  const config = { name: info.name, options: resolved };
  return {
    info,
    name: info.name,
    label: info.name,
    normalized: config,
    combinations: 1n,
    expand: () => [{ config, key: canonicalJson(config) }],
    trainExamples,
    metrics: info.hasValidation ? ['val_loss', 'val_accuracy', 'train_loss'] : ['train_loss'],
  };
}

function readModel(
  value: Record<string, unknown>,
  datasets: DatasetLookup | undefined,
  report: ErrorReport,
): ResolvedWorkload | undefined {
  const plan = readModelWorkload(value, datasets, report);
  if (plan === undefined) return undefined;
  const trainExamples = plan.dataset.trainExamples;
  const info: WorkloadInfo = {
    name: MODEL_WORKLOAD,
    description: `A torch.nn model on dataset ${JSON.stringify(plan.dataset.info.name)}.`,
    options: {},
    paramGroups: plan.paramGroups,
    hasValidation: plan.dataset.val !== null,
    trainExamples: () => trainExamples,
  };
  return {
    info,
    name: MODEL_WORKLOAD,
    label: `model on ${JSON.stringify(plan.dataset.info.name)}`,
    normalized: plan.normalized,
    combinations: plan.combinations,
    // A trial config's workload options are plain JSON objects (TrialConfig); the model's are that too.
    expand: (expansionReport) =>
      expandModelPlan(plan, expansionReport).map(({ config, key }) => ({
        config: { name: config.name, options: config.options as unknown as Record<string, unknown> },
        key,
      })),
    trainExamples,
    metrics: plan.metrics,
  };
}

/** A trial config's workload name for a sweep whose trials run outside the service. */
export const EXTERNAL_WORKLOAD = 'external';

/** Whether a trial config (or a normalized spec's workload) belongs to an external sweep. */
export function isExternalWorkload(workload: unknown): boolean {
  return (
    isJsonObject(workload) && (workload['name'] === EXTERNAL_WORKLOAD || Object.hasOwn(workload, 'external'))
  );
}

/**
 * `"workload": {"external": {...}}`: trials trained by a program outside the service (they are claimed over
 * REST). The object reaches the trainer untouched as the trial config's `workload.options`. Two of its
 * fields are read, both optional: `param_groups` (the module names an optimizer's param_groups may name)
 * and `train_examples` (examples per epoch, for schedulers whose length is counted in steps; default: one
 * step per epoch).
 */
function readExternal(value: Record<string, unknown>, report: ErrorReport): ResolvedWorkload | undefined {
  const path = '/workload';
  for (const key of Object.keys(value)) {
    if (key !== 'external') {
      report.add(
        childPointer(path, key),
        `an external workload is {"external": {...}} alone; remove "${key}"`,
      );
      return undefined;
    }
  }
  const options = value['external'];
  const optionsPath = childPointer(path, 'external');
  if (!isJsonObject(options)) {
    report.add(
      optionsPath,
      `external must be an object handed to your trainer, got ${describeValue(options)}`,
    );
    return undefined;
  }
  const groups = ownValue(options, 'param_groups');
  if (groups !== undefined && (!Array.isArray(groups) || groups.some((g) => typeof g !== 'string'))) {
    report.add(
      childPointer(optionsPath, 'param_groups'),
      `param_groups must be a list of module names, got ${describeValue(groups)}`,
    );
    return undefined;
  }
  const examples = ownValue(options, 'train_examples') ?? 1;
  if (typeof examples !== 'number' || !Number.isSafeInteger(examples) || examples < 1) {
    report.add(
      childPointer(optionsPath, 'train_examples'),
      `train_examples must be a positive integer, got ${describeValue(examples)}`,
    );
    return undefined;
  }
  const info: WorkloadInfo = {
    name: EXTERNAL_WORKLOAD,
    description: 'Trials trained outside the service by a program that claims them over REST.',
    options: {},
    paramGroups: (groups as string[] | undefined) ?? [],
    hasValidation: true,
    trainExamples: () => examples,
  };
  const config = { name: EXTERNAL_WORKLOAD, options };
  return {
    info,
    name: EXTERNAL_WORKLOAD,
    label: EXTERNAL_WORKLOAD,
    normalized: { external: options },
    combinations: 1n,
    expand: () => [{ config, key: canonicalJson(config) }],
    trainExamples: examples,
    metrics: ['val_loss', 'val_accuracy', 'train_loss'],
  };
}

function countTrainExamples(info: WorkloadInfo, options: Record<string, unknown>): number | undefined {
  try {
    const count = info.trainExamples(options);
    return Number.isSafeInteger(count) && count > 0 ? count : undefined;
  } catch {
    return undefined;
  }
}
