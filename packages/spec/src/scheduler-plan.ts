import {
  defaultSchedulerInterval,
  OptimError,
  type SchedulerInterval,
  schedulerCatalog,
  schedulerMonitorsMetric,
  validateSchedulerSpec,
} from '@hypersweep/optim';
import { canonicalJson } from './canonical-json.js';
import { readCatalogType, reportMissingRequired } from './catalog-type.js';
import {
  combinationCount,
  combinationError,
  combinations,
  type OptionAxis,
  readEntryOptions,
} from './entry-options.js';
import type { ErrorReport, SpecError } from './error-report.js';
import { childPointer } from './json-pointer.js';
import { describeValue, isJsonObject, ownValue } from './json-value.js';
import { isValidationMetric, type Objective } from './objective.js';
import type { KeyedConfig } from './optimizer-plan.js';
import type { SchedulerConfig } from './trial-config.js';

/** A validated scheduler entry of the spec, ready to expand into its grid of configs. */
export interface SchedulerPlan {
  path: string;
  type: string;
  axes: OptionAxis[];
  interval: SchedulerInterval;
  combinations: bigint;
}

/** A scheduler config with the combination it came from, so errors found later can point at its values. */
export interface PlannedScheduler extends KeyedConfig<SchedulerConfig> {
  plan: SchedulerPlan;
  indices: readonly number[];
}

const ENTRY_KEYS = new Set(['type', 'interval', 'monitor']);

/** How many times a trial calls scheduler.step(): once per optimizer step or once per epoch. */
export interface TrainingLength {
  steps: number;
  epochs: number;
}

export function readSchedulerEntry(
  value: unknown,
  path: string,
  objective: Objective | undefined,
  report: ErrorReport,
): SchedulerPlan | null | undefined {
  if (value === null) return null;
  if (!isJsonObject(value)) {
    report.add(
      path,
      `each scheduler is null (constant lr) or an object like {"type": "StepLR", "step_size": 10}, got ${describeValue(value)}`,
    );
    return undefined;
  }
  const entry = readCatalogType(value, path, schedulerCatalog, 'scheduler', report);
  if (entry === undefined) return undefined;
  const complete = reportMissingRequired(value, path, entry, report);
  const axes = readEntryOptions(value, path, entry.options, ENTRY_KEYS, entry.type, -1, report);
  const interval = readInterval(value, path, entry.type, objective, report);
  if (Object.hasOwn(value, 'monitor')) {
    report.add(
      childPointer(path, 'monitor'),
      schedulerMonitorsMetric(entry.type)
        ? `${entry.type} monitors the sweep's objective metric; set "objective.metric" instead of "monitor"`
        : `${entry.type} has no option "monitor"`,
    );
    return undefined;
  }
  if (!complete || axes === undefined || interval === undefined) return undefined;
  return { path, type: entry.type, axes, interval, combinations: combinationCount(axes) };
}

function readInterval(
  entry: Record<string, unknown>,
  entryPath: string,
  type: string,
  objective: Objective | undefined,
  report: ErrorReport,
): SchedulerInterval | undefined {
  const given = ownValue(entry, 'interval');
  const value = given === undefined ? defaultSchedulerInterval(type) : given;
  const path = childPointer(entryPath, 'interval');
  if (value !== 'step' && value !== 'epoch') {
    report.add(
      path,
      `interval must be "step" (scheduler.step() after every optimizer step) or "epoch" (after every epoch), got ${describeValue(value)}`,
    );
    return undefined;
  }
  if (
    schedulerMonitorsMetric(type) &&
    value === 'step' &&
    objective !== undefined &&
    isValidationMetric(objective.metric)
  ) {
    report.add(
      path,
      `${type} monitors the objective ${objective.metric}, which is measured once per epoch; use interval "epoch", or objective train_loss`,
    );
    return undefined;
  }
  return value;
}

/**
 * Every scheduler config of a plan: catalog defaults filled in, ReduceLROnPlateau tied to the
 * objective, OneCycleLR's total_steps derived from the training length when it steps per batch,
 * then torch's own checks (validateSchedulerSpec, which also parses lr_lambda expressions).
 * Checks that need the optimizer run per optimizer entry (schedulerOptimizerErrors).
 */
export function expandSchedulerPlan(
  plan: SchedulerPlan,
  objective: Objective,
  length: TrainingLength,
  report: ErrorReport,
): PlannedScheduler[] {
  const entry = schedulerCatalog[plan.type]!;
  const scheduled = plan.interval === 'step' ? length.steps : length.epochs;
  const planned: PlannedScheduler[] = [];
  for (const combination of combinations(plan.axes)) {
    const indices = [...combination];
    const options: Record<string, unknown> = {};
    const given = new Set<string>();
    plan.axes.forEach((axis, position) => {
      options[axis.option] = axis.values[indices[position]!];
      given.add(axis.option);
    });
    for (const [option, schema] of Object.entries(entry.options)) {
      if (!given.has(option) && schema.default !== undefined)
        options[option] = structuredClone(schema.default);
    }
    const fail = (error: unknown) => {
      const { path, message } = combinationError(error, plan.axes, indices, -1, plan.path);
      report.add(path, message);
    };
    const config: SchedulerConfig = { type: plan.type, options, interval: plan.interval };
    if (schedulerMonitorsMetric(plan.type) && !tieToObjective(config, objective, given, fail)) continue;
    if (plan.type === 'OneCycleLR' && !fillTotalSteps(config, scheduled, length, fail)) continue;
    try {
      validateSchedulerSpec({ type: plan.type, options });
    } catch (error) {
      fail(error);
      continue;
    }
    planned.push({ config, key: canonicalJson(config), plan, indices });
  }
  return planned;
}

/**
 * What torch checks when the scheduler is built on a given optimizer: cycle_momentum needs an
 * optimizer with momentum (CyclicLR) or momentum/betas (OneCycleLR), and per-group lists need
 * one value per param group. `optimizer` is one resolved config of the optimizer entry; the
 * result depends only on its type and group count.
 */
export function schedulerOptimizerErrors(
  scheduler: PlannedScheduler,
  optimizer: { type: string; options: Record<string, unknown>; groupCount: number; index: number },
): SpecError[] {
  try {
    validateSchedulerSpec(
      { type: scheduler.config.type, options: scheduler.config.options },
      { optimizer: { type: optimizer.type, options: optimizer.options }, groupCount: optimizer.groupCount },
    );
    return [];
  } catch (error) {
    const groups = optimizer.groupCount === 1 ? '1 param group' : `${optimizer.groupCount} param groups`;
    const context = `with optimizers/${optimizer.index} (${optimizer.type}, ${groups}): `;
    const { plan, indices } = scheduler;
    const found = combinationError(error, plan.axes, indices, -1, plan.path, context);
    return [{ ...found, message: found.message + perGroupSweepHint(plan, error) }];
  }
}

/**
 * A list of numbers given to a per-group option is one value per param group, not a sweep;
 * when its length is wrong the writer most likely meant a sweep, so say how to write one.
 */
function perGroupSweepHint(plan: SchedulerPlan, error: unknown): string {
  const option = error instanceof OptimError ? error.path?.split('/')[0] : undefined;
  const axis = plan.axes.find((candidate) => candidate.option === option);
  const schema = option === undefined ? undefined : schedulerCatalog[plan.type]!.options[option];
  if (axis === undefined || schema?.['x-per-group'] !== true) return '';
  if (!axis.values.some((value) => Array.isArray(value) && !value.some(Array.isArray))) return '';
  return `; a list of values is one value per param group: to sweep ${option}, write a list of lists such as [[0.1], [0.01]]`;
}

/**
 * ReduceLROnPlateau is stepped with the sweep's objective metric. Its `mode` defaults to the
 * objective's mode (not torch's "min": val_accuracy improves upwards); a `mode` that contradicts
 * the objective would reduce the lr while the objective improves, so it is refused.
 */
function tieToObjective(
  config: SchedulerConfig,
  objective: Objective,
  given: ReadonlySet<string>,
  fail: (error: SpecRuleError) => void,
): boolean {
  config.monitor = objective.metric;
  if (!given.has('mode')) {
    config.options['mode'] = objective.mode;
    return true;
  }
  if (config.options['mode'] !== objective.mode) {
    fail(
      new SpecRuleError(
        'mode',
        `${config.type} mode ${JSON.stringify(config.options['mode'])} contradicts the objective (${objective.metric}, mode ${JSON.stringify(objective.mode)}), which it monitors; leave mode out to follow the objective`,
      ),
    );
    return false;
  }
  return true;
}

/**
 * OneCycleLR needs its cycle length: total_steps, or epochs and steps_per_epoch. Left out, it
 * is the trial's number of optimizer steps when the scheduler steps per batch. Either way the
 * cycle must cover every scheduler.step() of the trial, or torch raises mid-training ("Tried to
 * step N times. The specified number of total steps is M").
 */
function fillTotalSteps(
  config: SchedulerConfig,
  scheduled: number,
  length: TrainingLength,
  fail: (error: SpecRuleError) => void,
): boolean {
  const { options } = config;
  const { total_steps: totalSteps, epochs, steps_per_epoch: stepsPerEpoch } = options;
  const explicit =
    typeof totalSteps === 'number'
      ? totalSteps
      : typeof epochs === 'number' && typeof stepsPerEpoch === 'number'
        ? epochs * stepsPerEpoch
        : undefined;
  if (explicit === undefined) {
    if (config.interval !== 'step') {
      fail(
        new SpecRuleError(
          'total_steps',
          `OneCycleLR needs total_steps (or epochs and steps_per_epoch); it is derived from training.epochs x batches per epoch (${length.steps}) only when interval is "step"`,
        ),
      );
      return false;
    }
    options['total_steps'] = scheduled;
    return true;
  }
  if (explicit < scheduled) {
    const unit = config.interval === 'step' ? 'optimizer step' : 'epoch';
    fail(
      new SpecRuleError(
        typeof totalSteps === 'number' ? 'total_steps' : 'epochs',
        `OneCycleLR's cycle has ${explicit} steps but the trial steps it ${scheduled} times (once per ${unit}), and torch raises past the end of the cycle; make the cycle at least ${scheduled} steps or leave total_steps out`,
      ),
    );
    return false;
  }
  return true;
}

/** A rule of the sweep spec (not torch's) broken by one option, reported like torch's errors. */
class SpecRuleError extends OptimError {
  constructor(option: string, message: string) {
    super(message, option);
  }
}
