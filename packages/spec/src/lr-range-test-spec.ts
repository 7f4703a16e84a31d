import {
  type LrRangeTestSettings,
  lrRangeTestDefaults,
  lrRangeTestErrors,
  rampScheduler,
} from '@hypersweep/core';
import { closestName } from './closest-name.js';
import type { SpecError } from './error-report.js';
import { describeValue, isJsonObject, type JsonObject, ownValue } from './json-value.js';
import type { TrialConfig } from './trial-config.js';
import {
  type NormalizedSweepSpec,
  type ValidationContext,
  validateSweepSpec,
} from './validate-sweep-spec.js';

/** The fields of POST /v1/lr-range-tests. */
export const lrRangeTestFields = [
  'name',
  'workload',
  'training',
  'optimizer',
  'seed',
  'start_lr',
  'end_lr',
  'steps',
  'mode',
  'smoothing',
] as const;

export type LrRangeTestValidation =
  | {
      ok: true;
      settings: LrRangeTestSettings;
      /** The one-trial sweep spec it runs as (ramp scheduler, steps as maxSteps), normalized. */
      spec: NormalizedSweepSpec;
      /** Its trial: the sweep spec's, with the stop rule. */
      trial: TrialConfig;
    }
  | { ok: false; errors: SpecError[] };

/**
 * An lr range test request, checked by packages/spec's sweep validator: it becomes a sweep spec of one
 * optimizer entry whose `lr` is the ramp's (core's rampScheduler), a per-step ExponentialLR / LinearLR
 * that drives it, `training.maxSteps` = steps and one seed, so a workload, a model, a dataset or an optimizer
 * entry is accepted or refused exactly as POST /v1/sweeps would; its errors point into this body
 * (`/optimizers/0/momentum` is `/optimizer/momentum`).
 */
export function validateLrRangeTest(input: unknown, context: ValidationContext): LrRangeTestValidation {
  if (!isJsonObject(input))
    return {
      ok: false,
      errors: [
        {
          path: '',
          message: `an lr range test is an object with workload and optimizer, got ${describeValue(input)}`,
        },
      ],
    };
  const errors: SpecError[] = [];
  for (const key of Object.keys(input)) {
    if ((lrRangeTestFields as readonly string[]).includes(key)) continue;
    const near = closestName(key, lrRangeTestFields);
    errors.push({
      path: `/${key}`,
      message: `unknown field "${key}"${near ? `; did you mean "${near}"?` : ''} (an lr range test has ${lrRangeTestFields.join(', ')})`,
    });
  }
  const settings = readSettings(input, errors);
  const optimizer = ownValue(input, 'optimizer');
  if (!isJsonObject(optimizer)) {
    errors.push({
      path: '/optimizer',
      message: `optimizer must be one optimizer entry like {"type": "SGD", "momentum": 0.9}, got ${describeValue(optimizer)}`,
    });
  } else if (ownValue(optimizer, 'lr') !== undefined) {
    errors.push({
      path: '/optimizer/lr',
      message: 'the range test sets lr (from start_lr towards end_lr): leave lr out of the optimizer entry',
    });
  }
  const training = ownValue(input, 'training');
  if (isJsonObject(training)) {
    for (const key of ['epochs', 'maxSteps'])
      if (ownValue(training, key) !== undefined)
        errors.push({ path: `/training/${key}`, message: `${key} is set by the range test's steps` });
  }
  const seed = ownValue(input, 'seed') ?? 0;
  if (errors.length > 0 || !isJsonObject(optimizer)) return { ok: false, errors };

  const ramp = rampScheduler(settings);
  const sweep: JsonObject = {
    ...(input['name'] === undefined ? {} : { name: input['name'] }),
    workload: input['workload'],
    // each epoch has at least one step: `steps` epochs are enough, maxSteps stops the ramp
    training: {
      ...(isJsonObject(training) ? training : {}),
      epochs: settings.steps,
      maxSteps: settings.steps,
    },
    optimizers: [{ ...optimizer, lr: ramp.lr }],
    schedulers: [ramp.scheduler],
    seeds: [seed],
    objective: { metric: 'train_loss', mode: 'min' },
  };
  if (training !== undefined && !isJsonObject(training)) sweep['training'] = training;
  const result = validateSweepSpec(sweep, context);
  if (!result.ok) return { ok: false, errors: result.errors.map(toRequestPath) };
  if (result.trials.length !== 1) {
    return {
      ok: false,
      errors: [
        {
          path: '/optimizer',
          message: `a range test runs one config; this entry expands to ${result.trials.length} (a list sweeps its values: give one value)`,
        },
      ],
    };
  }
  const trial = { ...result.trials[0]!, stopOnDivergence: { smoothing: settings.smoothing } };
  return { ok: true, settings, spec: result.spec, trial };
}

function readSettings(input: JsonObject, errors: SpecError[]): LrRangeTestSettings {
  const settings = { ...lrRangeTestDefaults };
  for (const key of ['start_lr', 'end_lr', 'steps', 'smoothing'] as const) {
    const value = ownValue(input, key);
    if (value === undefined) continue;
    if (typeof value !== 'number')
      errors.push({ path: `/${key}`, message: `${key} must be a number, got ${describeValue(value)}` });
    else settings[key] = value;
  }
  const mode = ownValue(input, 'mode');
  if (mode !== undefined) settings.mode = mode as LrRangeTestSettings['mode'];
  const typed = new Set(errors.map((e) => e.path));
  for (const e of lrRangeTestErrors(settings))
    if (!typed.has(`/${e.field}`)) errors.push({ path: `/${e.field}`, message: e.message });
  return settings;
}

/** A sweep spec's pointer as the request's. */
function toRequestPath(error: SpecError): SpecError {
  const { path } = error;
  const mapped = path.startsWith('/optimizers/0')
    ? `/optimizer${path.slice('/optimizers/0'.length)}`
    : path.startsWith('/seeds')
      ? '/seed'
      : path === '/training/maxSteps' || path === '/training/epochs'
        ? '/steps'
        : path.startsWith('/schedulers')
          ? ''
          : path;
  return { path: mapped, message: error.message };
}
