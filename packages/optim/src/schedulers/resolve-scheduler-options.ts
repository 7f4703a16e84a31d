import { resolveCatalogOptions } from '../catalog/resolve-catalog-options.js';
import { type SchedulerCatalogEntry, schedulerCatalog, schedulerTypes } from '../catalog/schedulers.js';
import { pythonRepr } from '../describe-value.js';
import { OptimError } from '../errors.js';
import { compileExpression } from '../expr/compile-expression.js';

export function schedulerCatalogEntry(type: unknown): SchedulerCatalogEntry {
  if (typeof type !== 'string' || !Object.hasOwn(schedulerCatalog, type)) {
    throw new OptimError(
      `Unknown scheduler type ${pythonRepr(type)}; valid types: ${schedulerTypes.join(', ')}`,
      'type',
    );
  }
  return schedulerCatalog[type]!;
}

/**
 * Validates the options of scheduler `type` against its catalog entry and returns them with every
 * default filled in: unknown and missing required options, wrong types, out-of-range values and
 * lambda expressions that do not parse are OptimErrors whose `path` names the option. Rules that
 * depend on the optimizer (per-group list lengths, momentum support) are checked by the schedulers.
 */
export function resolveSchedulerOptions(type: string, options: unknown = {}): Record<string, unknown> {
  const entry = schedulerCatalogEntry(type);
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new OptimError(
      `Invalid options for ${type}: expected an object, got ${pythonRepr(options)}`,
      'options',
    );
  }
  return resolveCatalogOptions(entry, options as Record<string, unknown>, {
    checkMore: (schema, value, name) => {
      const variable = schema['x-expression'] as string | undefined;
      if (variable !== undefined) checkExpressions(value, variable, name);
    },
    // Python's TypeError for a missing positional argument of the scheduler's __init__.
    missingRequired: (name) =>
      new OptimError(`${type}.__init__() missing 1 required positional argument: '${name}'`, name),
  });
}

function checkExpressions(value: unknown, variable: string, path: string): void {
  if (typeof value === 'string') compileExpression(value, { variable, path });
  if (Array.isArray(value)) {
    value.forEach((source, index) => {
      compileExpression(source as string, { variable, path: `${path}/${index}` });
    });
  }
}
