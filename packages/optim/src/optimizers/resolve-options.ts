import { optimizerCatalogEntry } from '../catalog/optimizers.js';
import { resolveCatalogOptions } from '../catalog/resolve-catalog-options.js';
import type { JsonSchema } from '../catalog/types.js';
import { OptimError } from '../errors.js';

/**
 * Validates `options` for optimizer `type` against the catalog and returns them with every
 * default filled in. Errors are OptimErrors with torch's messages where torch has one
 * ("Invalid learning rate: -0.1"); NaN, wrong types, unknown options and missing required
 * options are rejected as well. Cross-field rules follow torch (SGD's nesterov, LBFGS's
 * max_eval default of max_iter * 5 // 4).
 */
export function resolveOptimizerOptions(
  type: string,
  options: Record<string, unknown>,
  /** Leave required options without a value undefined (an optimizer's `defaults`, as torch's `required`). */
  { allowMissingRequired = false }: { allowMissingRequired?: boolean } = {},
): Record<string, unknown> {
  const entry = optimizerCatalogEntry(type);
  const resolved = resolveCatalogOptions(entry, options, {
    check: (schema, value, name) => checkValue(schema, value, name, schema['x-error'] as string | undefined),
    missingRequired: (name) =>
      allowMissingRequired
        ? undefined
        : // torch: optimizer.py add_param_group's message for `required` arguments.
          new OptimError(
            `parameter group didn't specify a value of required optimization parameter ${name}`,
            name,
          ),
  });
  applyCrossFieldRules(type, resolved);
  return resolved;
}

function applyCrossFieldRules(type: string, options: Record<string, unknown>): void {
  if (type === 'SGD' && options['nesterov'] === true) {
    if (!((options['momentum'] as number) > 0) || options['dampening'] !== 0) {
      throw new OptimError('Nesterov momentum requires a momentum and zero dampening', 'nesterov');
    }
  }
  if (type === 'LBFGS' && options['max_eval'] === null) {
    options['max_eval'] = Math.floor(((options['max_iter'] as number) * 5) / 4);
  }
}

function describe(value: unknown): string {
  if (typeof value === 'number') return String(value);
  return JSON.stringify(value) ?? String(value);
}

/**
 * Throws unless `value` satisfies `schema` (the subset of JSON Schema the catalog uses).
 * `torchError` is torch's ValueError prefix for this value, used for range violations and
 * non-finite numbers so the message reads as torch's would.
 */
function checkValue(schema: JsonSchema, value: unknown, path: string, torchError: string | undefined): void {
  if (schema.anyOf !== undefined) {
    for (const branch of schema.anyOf) {
      try {
        checkValue(branch, value, path, torchError);
        return;
      } catch {
        // try the next branch
      }
    }
    const expected = schema.anyOf.map((branch) => branch.enum?.map(describe).join(' or ') ?? branch.type);
    throw new OptimError(
      `Invalid ${path} value: ${describe(value)}; expected ${expected.join(' or ')}`,
      path,
    );
  }
  const rangeError = () =>
    new OptimError(
      torchError !== undefined
        ? `${torchError}: ${Array.isArray(value) ? value.map(describe).join(', ') : describe(value)}`
        : `Invalid ${path} value: ${describe(value)}`,
      path,
    );
  const typeError = (expected: string) =>
    new OptimError(`Invalid ${path} value: expected ${expected}, got ${describe(value)}`, path);

  switch (schema.type) {
    case 'number':
    case 'integer':
      if (typeof value !== 'number') throw typeError(`a ${schema.type}`);
      if (!Number.isFinite(value)) throw rangeError();
      if (schema.type === 'integer' && !Number.isInteger(value)) throw typeError('an integer');
      break;
    case 'boolean':
      if (typeof value !== 'boolean') throw typeError('a boolean');
      break;
    case 'string':
      if (typeof value !== 'string') throw typeError('a string');
      break;
    case 'null':
      if (value !== null) throw typeError('null');
      break;
    case 'array': {
      if (!Array.isArray(value)) throw typeError('an array');
      if (
        (schema.minItems !== undefined && value.length < schema.minItems) ||
        (schema.maxItems !== undefined && value.length > schema.maxItems)
      ) {
        throw typeError(
          `an array of ${schema.minItems}${schema.maxItems === schema.minItems ? '' : '+'} items`,
        );
      }
      schema.prefixItems?.forEach((item, index) => {
        const itemError = (item['x-error'] as string | undefined) ?? torchError;
        const itemPath = `${path}/${index}`;
        if (typeof value[index] !== 'number' || torchError === undefined || item['x-error'] !== undefined) {
          checkValue(item, value[index], itemPath, itemError);
          return;
        }
        // A whole-array torch message ("Invalid eta values: 0.5, 1.2") reports every item.
        try {
          checkValue(item, value[index], itemPath, undefined);
        } catch {
          throw rangeError();
        }
      });
      break;
    }
  }
  if (schema.enum !== undefined && !schema.enum.includes(value)) {
    throw new OptimError(
      `Invalid ${path} value: ${describe(value)}; expected one of ${schema.enum.map(describe).join(', ')}`,
      path,
    );
  }
  if (typeof value === 'number') {
    if (
      (schema.minimum !== undefined && value < schema.minimum) ||
      (schema.maximum !== undefined && value > schema.maximum) ||
      (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum) ||
      (schema.exclusiveMaximum !== undefined && value >= schema.exclusiveMaximum)
    ) {
      throw rangeError();
    }
  }
}
