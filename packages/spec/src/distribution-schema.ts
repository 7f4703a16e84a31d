import { type DistributionKey, distributionKeys } from '@hypersweep/search';

/**
 * The JSON Schema of the distributions an option value may be under a random or tpe search
 * (`{"uniform": [low, high]}`, ...), as search-spec.ts reads them: readDistribution's shapes (two
 * finite numbers, integers for int and logint, low > 0 on a log scale, a non-empty choice) with
 * every bound and choice valid for the option itself (checkValues). What JSON Schema cannot say,
 * low <= high, is in the description.
 */

type Schema = Record<string, unknown>;

/** The branches of an option's schema that admit numbers (a bound must be a finite number). */
function numberBranches(schema: Schema): Schema[] {
  if (Array.isArray(schema['anyOf'])) return (schema['anyOf'] as Schema[]).flatMap(numberBranches);
  return schema['type'] === 'number' || schema['type'] === 'integer' ? [schema] : [];
}

const oneOrAny = (branches: Schema[]): Schema => (branches.length === 1 ? branches[0]! : { anyOf: branches });

/** A bound of `key` for an option whose numeric branches are `branches`. */
function bound(branches: Schema[], key: DistributionKey, low: boolean): Schema {
  const integer = key === 'int' || key === 'logint';
  const log = key === 'loguniform' || key === 'logint';
  return oneOrAny(
    branches.map((branch) => {
      const narrowed: Schema = { ...branch, ...(integer && { type: 'integer' }) };
      if (!(log && low)) return narrowed;
      // A log scale needs low > 0: the tighter of that and the option's own lower bound, said once.
      const { minimum, exclusiveMinimum, ...rest } = narrowed;
      if (typeof minimum === 'number' && minimum > 0) return { ...rest, minimum };
      const floor = typeof exclusiveMinimum === 'number' ? Math.max(exclusiveMinimum, 0) : 0;
      return { ...rest, exclusiveMinimum: floor };
    }),
  );
}

const DESCRIPTIONS: Record<DistributionKey, string> = {
  uniform: 'A float drawn uniformly from [low, high] (low <= high).',
  loguniform: 'A float drawn log-uniformly from [low, high] (0 < low <= high).',
  int: 'An integer drawn uniformly from [low, high], both included (low <= high).',
  logint: 'An integer drawn log-uniformly from [low, high], both included (0 < low <= high).',
  choice: 'One of the values (a categorical parameter).',
};

function distribution(key: DistributionKey, args: Schema): Schema {
  return {
    type: 'object',
    description: DESCRIPTIONS[key],
    required: [key],
    properties: { [key]: args },
    additionalProperties: false,
  };
}

/**
 * The distributions a value of the option `value` (its public schema, without annotations) may be
 * sampled from: `choice` always, the numeric ones where the option takes numbers.
 */
export function distributionSchemas(value: Schema): Schema[] {
  const branches = numberBranches(value);
  const numeric = distributionKeys
    .filter((key) => key !== 'choice' && branches.length > 0)
    .map((key) =>
      distribution(key, {
        type: 'array',
        prefixItems: [bound(branches, key, true), bound(branches, key, false)],
        minItems: 2,
        maxItems: 2,
      }),
    );
  return [...numeric, distribution('choice', { type: 'array', minItems: 1, items: value })];
}

/** What the description of a sampled option adds. */
export const SAMPLED_OPTION_NOTE =
  'Under a random or tpe search a list is a categorical choice, and the value may be a distribution (uniform, loguniform, int, logint, choice); under a grid a distribution is a 400.';
