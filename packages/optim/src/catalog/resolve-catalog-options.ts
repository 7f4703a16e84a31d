import { OptimError } from '../errors.js';
import { throwFirstProblem } from './check-value.js';
import type { CatalogEntry, JsonSchema } from './types.js';

/**
 * The part of option validation optimizers and schedulers share: unknown options are refused (listing
 * the valid ones), missing options take the catalog's default, and each given value goes through the
 * one catalog checker (`checkValue`), then `checkMore` where a kind has more to check (a scheduler's
 * lambda expressions). `missingRequired` returns the error for a required option left out, or
 * undefined to leave it unset.
 */
export function resolveCatalogOptions(
  entry: CatalogEntry,
  given: Record<string, unknown>,
  rules: {
    checkMore?(schema: JsonSchema, value: unknown, name: string): void;
    missingRequired(name: string): OptimError | undefined;
  },
): Record<string, unknown> {
  for (const name of Object.keys(given)) {
    if (!Object.hasOwn(entry.options, name)) {
      throw new OptimError(
        `Unknown option ${JSON.stringify(name)} for ${entry.type}; valid options: ${Object.keys(entry.options).join(', ')}`,
        name,
      );
    }
  }
  const resolved: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(entry.options)) {
    const value = given[name];
    if (value === undefined) {
      if (entry.required.includes(name)) {
        const error = rules.missingRequired(name);
        if (error) throw error;
        continue;
      }
      resolved[name] = structuredClone(schema.default);
      continue;
    }
    throwFirstProblem(schema, value, name);
    rules.checkMore?.(schema, value, name);
    resolved[name] = structuredClone(value);
  }
  return resolved;
}
