import { OptimError } from '../errors.js';
import type { CatalogEntry, JsonSchema } from './types.js';

/**
 * The part of option validation optimizers and schedulers share: unknown options are refused (listing
 * the valid ones), missing options take the catalog's default, and each given value goes through
 * `check` (each kind keeps its own torch message conventions). `missingRequired` returns the error for
 * a required option left out, or undefined to leave it unset.
 */
export function resolveCatalogOptions(
  entry: CatalogEntry,
  given: Record<string, unknown>,
  rules: {
    check(schema: JsonSchema, value: unknown, name: string): void;
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
    rules.check(schema, value, name);
    resolved[name] = structuredClone(value);
  }
  return resolved;
}
