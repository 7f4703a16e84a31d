import type { JsonSchema } from '@hypersweep/optim';
import { unknownNameMessage } from './closest-name.js';
import type { ErrorReport } from './error-report.js';
import { childPointer } from './json-pointer.js';
import type { JsonObject } from './json-value.js';
import { schemaErrors } from './schema-check.js';
import { acceptsList } from './sweep-values.js';

/**
 * Reads a fixed-shape object of single values (training, objective, workload options): unknown
 * keys get a "did you mean", every value is checked against its schema, defaults are filled.
 * Returns undefined after reporting errors.
 */
export function readObjectFields(
  object: JsonObject,
  path: string,
  schemas: Record<string, JsonSchema>,
  owner: string,
  report: ErrorReport,
): Record<string, unknown> | undefined {
  const known = Object.keys(schemas);
  const out: Record<string, unknown> = {};
  let valid = true;
  for (const [key, value] of Object.entries(object)) {
    const keyPath = childPointer(path, key);
    if (!Object.hasOwn(schemas, key)) {
      report.add(
        keyPath,
        unknownNameMessage({
          what: 'field',
          name: key,
          where: ` in ${owner}`,
          valid: known,
          validLabel: 'valid fields',
        }),
      );
      valid = false;
      continue;
    }
    const schema = schemas[key]!;
    if (Array.isArray(value) && !acceptsList(schema)) {
      report.add(
        keyPath,
        `${key} takes one value (only optimizer and scheduler options and seeds sweep), got a list`,
      );
      valid = false;
      continue;
    }
    const errors = schemaErrors(schema, value, keyPath, key);
    for (const error of errors) report.add(error.path, error.message);
    if (errors.length > 0) valid = false;
    else out[key] = value;
  }
  if (!valid) return undefined;
  for (const [key, schema] of Object.entries(schemas)) {
    if (!Object.hasOwn(out, key) && schema.default !== undefined) out[key] = structuredClone(schema.default);
  }
  return out;
}
