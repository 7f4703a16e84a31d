import type { JsonSchema } from '@hypersweep/optim';
import { TrainerError } from '../errors.js';
import type { WorkloadDefinition } from './types.js';

/** An integer option with a default and bounds, as the catalog shows it. */
export function integerOption(
  description: string,
  defaultValue: number,
  minimum: number,
  maximum?: number,
): JsonSchema {
  return {
    type: 'integer',
    description,
    default: defaultValue,
    minimum,
    ...(maximum === undefined ? {} : { maximum }),
  };
}

export function numberOption(description: string, defaultValue: number, minimum: number): JsonSchema {
  return { type: 'number', description, default: defaultValue, minimum };
}

/**
 * Validates a trial's workload options against the workload's schemas and fills in defaults.
 * Every workload option is a number, so this checks exactly what the schemas above can say.
 */
export function resolveWorkloadOptions(
  workload: WorkloadDefinition,
  options: Record<string, unknown> = {},
): Record<string, number> {
  if (workload.resolveOptions !== undefined)
    return workload.resolveOptions(options) as Record<string, number>;
  for (const name of Object.keys(options)) {
    if (!Object.hasOwn(workload.options, name)) {
      const known = Object.keys(workload.options).join(', ') || 'none';
      throw new TrainerError(
        `unknown option "${name}" for workload ${workload.name} (options: ${known})`,
        `workload/options/${name}`,
      );
    }
  }
  const resolved: Record<string, number> = {};
  for (const [name, schema] of Object.entries(workload.options)) {
    const value = options[name] ?? schema.default;
    const path = `workload/options/${name}`;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new TrainerError(`${workload.name} option ${name} must be a finite number`, path);
    }
    if (schema.type === 'integer' && !Number.isInteger(value)) {
      throw new TrainerError(`${workload.name} option ${name} must be an integer, got ${value}`, path);
    }
    if (schema.minimum !== undefined && value < schema.minimum) {
      throw new TrainerError(
        `${workload.name} option ${name} must be >= ${schema.minimum}, got ${value}`,
        path,
      );
    }
    if (schema.maximum !== undefined && value > schema.maximum) {
      throw new TrainerError(
        `${workload.name} option ${name} must be <= ${schema.maximum}, got ${value}`,
        path,
      );
    }
    resolved[name] = value;
  }
  return resolved;
}

/**
 * `trainExamples` of a workload whose training set size is the option `name`: the given value, else
 * its default. Validation is resolveWorkloadOptions' job; a value it would reject is returned as given.
 */
export function examplesFromOption(
  options: Record<string, JsonSchema>,
  name: string,
): WorkloadDefinition['trainExamples'] {
  return (given = {}) => {
    const value = given[name] ?? options[name]?.default;
    return typeof value === 'number' ? value : Number.NaN;
  };
}
