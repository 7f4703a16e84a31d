import { checkValue, type JsonSchema } from '@hypersweep/optim';
import type { SpecError } from './error-report.js';

/**
 * The catalog checker (`checkValue` from @hypersweep/optim, the one checker the optimizer and
 * scheduler resolvers use too) with its problems placed under `path` in the sweep spec: torch's
 * message where the catalog carries one, else "Invalid <label> value: expected ..., got ...".
 * Returns [] when valid.
 */
export function schemaErrors(schema: JsonSchema, value: unknown, path: string, label: string): SpecError[] {
  return checkValue(schema, value, label).map((problem) => ({
    path: `${path}${problem.pointer}`,
    message: problem.message,
  }));
}
