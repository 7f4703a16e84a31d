import { optimizerCatalogEntry } from '../catalog/optimizers.js';
import { resolveCatalogOptions } from '../catalog/resolve-catalog-options.js';
import { torchMessage } from '../catalog/torch-message.js';
import type { JsonSchema } from '../catalog/types.js';
import { describeValue as describe } from '../describe-value.js';
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
    check: checkValue,
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

/**
 * Throws unless `value` satisfies `schema` (the subset of JSON Schema the catalog uses). Range
 * violations and non-finite numbers read as torch's ValueError (`x-torch-message`) where the
 * catalog has it.
 */
function checkValue(schema: JsonSchema, value: unknown, path: string): void {
  if (schema.anyOf !== undefined) {
    for (const branch of schema.anyOf) {
      try {
        checkValue(
          { ...branch, 'x-torch-message': branch['x-torch-message'] ?? schema['x-torch-message'] },
          value,
          path,
        );
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
    new OptimError(torchMessage(schema, value) ?? `Invalid ${path} value: ${describe(value)}`, path);
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
      const wholeArrayMessage = schema['x-torch-message'] !== undefined;
      schema.prefixItems?.forEach((item, index) => {
        const itemPath = `${path}/${index}`;
        if (typeof value[index] !== 'number' || !wholeArrayMessage || item['x-torch-message'] !== undefined) {
          checkValue(item, value[index], itemPath);
          return;
        }
        // A whole-array torch message ("Invalid eta values: 0.5, 1.2") reports every item.
        try {
          checkValue(item, value[index], itemPath);
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
