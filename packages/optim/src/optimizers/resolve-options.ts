import { optimizerCatalogEntry } from '../catalog/optimizers.js';
import { resolveCatalogOptions } from '../catalog/resolve-catalog-options.js';
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
