import type { JsonSchema } from '@hypersweep/optim';
import type { ErrorReport } from './error-report.js';
import { childPointer } from './json-pointer.js';
import { schemaErrors } from './schema-check.js';

/**
 * The values one option sweeps over, each with the JSON Pointer of where it was written, so a
 * later error about one combination can point at the value that caused it.
 */
export interface SweptValues {
  values: unknown[];
  paths: string[];
}

/** Whether the option's value may itself be a list (`betas`, `milestones`, per-group lists). */
export function acceptsList(schema: JsonSchema): boolean {
  return schema.type === 'array' || (schema.anyOf?.some(acceptsList) ?? false);
}

/**
 * Reads one option of a spec entry under the sweep rule of the issue: a scalar is one value and
 * a list sweeps its values, except for options whose value is itself a list, where a list that
 * is a valid value is that one value and a list of lists sweeps. Every value is checked against
 * the option's schema once here, never per trial. Returns undefined after reporting errors.
 */
export function readSweptOption(
  value: unknown,
  schema: JsonSchema,
  path: string,
  label: string,
  report: ErrorReport,
): SweptValues | undefined {
  if (!Array.isArray(value) || (acceptsList(schema) && !isSweepOfLists(value, schema, path, label))) {
    return checked([value], [path], schema, label, report);
  }
  if (value.length === 0) {
    report.add(path, `${label}: an empty list sweeps nothing; give a value or a list of values`);
    return undefined;
  }
  if (!acceptsList(schema)) {
    const nested = value.findIndex(Array.isArray);
    if (nested >= 0) {
      report.add(
        childPointer(path, nested),
        `${label} takes one value, not a list: write a list of values to sweep them (lists of lists sweep only options whose value is a list, such as betas)`,
      );
      return undefined;
    }
  }
  return checked(
    value,
    value.map((_, index) => childPointer(path, index)),
    schema,
    label,
    report,
  );
}

/** A list given to a list-valued option sweeps when it is not itself a valid value and holds lists. */
function isSweepOfLists(value: unknown[], schema: JsonSchema, path: string, label: string): boolean {
  if (schemaErrors(schema, value, path, label).length === 0) return false;
  return value.some(Array.isArray);
}

function checked(
  values: unknown[],
  paths: string[],
  schema: JsonSchema,
  label: string,
  report: ErrorReport,
): SweptValues | undefined {
  let valid = true;
  values.forEach((value, index) => {
    for (const error of schemaErrors(schema, value, paths[index]!, label)) {
      report.add(error.path, error.message);
      valid = false;
    }
  });
  return valid ? { values, paths } : undefined;
}
