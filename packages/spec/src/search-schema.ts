import { tpeDefaults } from '@hypersweep/search';
import { DEFAULT_TPE_PARALLELISM, MAX_SEARCH_TRIALS } from './search-spec.js';
import { SampledOptimizerSpecSchema, SampledSchedulerSpecSchema } from './sweep-spec-schema.js';

/** A sweep spec example with distributions, random search and SuccessiveHalving (OpenAPI). */
export const searchSpecExample = {
  name: 'Adam lr and betas by TPE, SuccessiveHalving stops the worst',
  workload: { name: 'mnist-mlp', options: { trainSize: 4000, valSize: 1000 } },
  training: { epochs: 9, batchSize: 64 },
  optimizers: [
    {
      type: 'Adam',
      lr: { loguniform: [1e-5, 1e-1] },
      weight_decay: { uniform: [0, 0.01] },
      betas: [
        [0.9, 0.999],
        [0.8, 0.99],
      ],
    },
    { type: 'SGD', lr: { loguniform: [1e-4, 1] }, momentum: { uniform: [0, 0.99] } },
  ],
  schedulers: [null, { type: 'StepLR', step_size: { int: [1, 5] }, gamma: { uniform: [0.1, 0.9] } }],
  search: { type: 'tpe', trials: 40, seed: 0, parallelism: 4 },
  pruner: { type: 'SuccessiveHalvingPruner', min_resource: 1, reduction_factor: 3 },
} as const;

const integer = (description: string, minimum: number, maximum?: number) => ({
  type: 'integer',
  minimum,
  ...(maximum !== undefined && { maximum }),
  description,
});

const seed = integer('Sampler seed: the same seed gives the same configs in the same order.', 0, 0xffffffff);
const trials = integer('Configs to sample; each runs once per seed.', 1, MAX_SEARCH_TRIALS);
const parallelism = (fallback: string) =>
  integer(`Configs running at once (default ${fallback}).`, 1, MAX_SEARCH_TRIALS);

/** TPESampler's options as readTpeOptions checks them: booleans, prior_weight > 0, integers >= 0 (n_ei_candidates >= 1). */
const tpeOptionsSchema = {
  type: 'object',
  description: "TPESampler options, Optuna's names and defaults.",
  properties: Object.fromEntries(
    Object.entries(tpeDefaults).map(([name, value]) => {
      if (typeof value === 'boolean') return [name, { type: 'boolean', default: value }];
      if (name === 'prior_weight') return [name, { type: 'number', exclusiveMinimum: 0, default: value }];
      return [name, { type: 'integer', minimum: name === 'n_ei_candidates' ? 1 : 0, default: value }];
    }),
  ),
  additionalProperties: false,
};

const searchType = (type: string) => ({ type: 'string', enum: [type] });

const searchSchema = {
  description:
    'How configs are chosen. grid (default): every combination of the lists. random / tpe: `trials` configs sampled from the distributions ({"uniform": [low, high]}, {"loguniform": [low, high]}, {"int": [low, high]}, {"logint": [low, high]}, {"choice": [...]}) and lists (a categorical choice) written as option values; each config runs once per seed. tpe is Optuna 3.1\'s TPESampler and creates configs as results arrive. A sampled config whose options are invalid together is a 400 when it is among the first `parallelism`, later skipped.',
  anyOf: [
    {
      type: 'object',
      title: 'GridSearch',
      description: 'Every combination of the lists (the default); a distribution is a 400.',
      properties: {
        type: { ...searchType('grid'), default: 'grid' },
        seed: integer('Unused by a grid.', 0, 0xffffffff),
      },
      additionalProperties: false,
    },
    {
      type: 'object',
      title: 'RandomSearch',
      description: "Optuna's RandomSampler: configs sampled independently.",
      required: ['type', 'trials'],
      properties: { type: searchType('random'), trials, seed, parallelism: parallelism('all') },
      additionalProperties: false,
    },
    {
      type: 'object',
      title: 'TpeSearch',
      description: "Optuna 3.1's TPESampler: configs proposed from the results so far.",
      required: ['type', 'trials'],
      properties: {
        type: searchType('tpe'),
        trials,
        seed,
        parallelism: parallelism(String(DEFAULT_TPE_PARALLELISM)),
        options: tpeOptionsSchema,
      },
      additionalProperties: false,
    },
  ],
};

const prunerVariants = [
  {
    type: 'object',
    description:
      'Optuna\'s SuccessiveHalvingPruner (a step is an epoch). Also checked: bootstrap_count > 0 needs a min_resource other than "auto" (Optuna).',
    required: ['type'],
    properties: {
      type: searchType('SuccessiveHalvingPruner'),
      min_resource: {
        anyOf: [{ const: 'auto' }, integer('Epochs before the first rung.', 1)],
        default: 'auto',
      },
      reduction_factor: { ...integer('Keep the best 1/reduction_factor at each rung.', 2), default: 4 },
      min_early_stopping_rate: { ...integer('Rungs skipped.', 0), default: 0 },
      bootstrap_count: { ...integer('Values a rung needs before it promotes.', 0), default: 0 },
    },
    additionalProperties: false,
  },
  {
    type: 'object',
    description:
      "Optuna's HyperbandPruner: brackets of SuccessiveHalving, each judged among its own trials. Also checked: max_resource >= min_resource.",
    required: ['type'],
    properties: {
      type: searchType('HyperbandPruner'),
      min_resource: { ...integer('Epochs before the first rung.', 1), default: 1 },
      max_resource: {
        anyOf: [{ const: 'auto' }, integer('Longest trial in epochs ("auto": the epochs).', 1)],
        default: 'auto',
      },
      reduction_factor: { ...integer('Keep the best 1/reduction_factor at each rung.', 2), default: 3 },
      bootstrap_count: { ...integer('Values a rung needs before it promotes.', 0), default: 0 },
    },
    additionalProperties: false,
  },
  {
    type: 'object',
    description:
      "Ray Tune's ASHAScheduler (time_attr = epochs): stops a trial below the 1 - 1/reduction_factor quantile of its rung. Also checked: grace_period <= max_t (Ray Tune).",
    required: ['type'],
    properties: {
      type: searchType('ASHAScheduler'),
      grace_period: { ...integer('Epochs before the first milestone.', 1), default: 1 },
      max_t: { ...integer('Epochs at most.', 1), default: 100 },
      reduction_factor: { type: 'number', minimum: 2, default: 4 },
      brackets: { ...integer('Brackets.', 1), default: 1 },
    },
    additionalProperties: false,
  },
];

/**
 * The sweep spec's OpenAPI schema with `search`, the search pruners and an example of them added, and
 * option values that may be distributions (their entries are SampledOptimizerSpecSchema and
 * SampledSchedulerSpecSchema).
 */
export function withSearchSchema<T>(schema: T): T {
  const s = structuredClone(schema) as Record<string, unknown> & {
    properties: Record<string, { anyOf?: unknown[] } & Record<string, unknown>>;
    examples?: unknown[];
  };
  s.properties['search'] = searchSchema;
  s.properties['optimizers'] = {
    ...s.properties['optimizers'],
    items: structuredClone(SampledOptimizerSpecSchema),
  };
  s.properties['schedulers'] = {
    ...s.properties['schedulers'],
    items: structuredClone(SampledSchedulerSpecSchema),
  };
  const pruner = s.properties['pruner'];
  if (pruner?.anyOf) {
    pruner.anyOf = [...pruner.anyOf, ...prunerVariants];
    pruner['description'] =
      "Early stopping (a step is an epoch): Optuna's MedianPruner, SuccessiveHalvingPruner or HyperbandPruner, or Ray Tune's ASHAScheduler, with their libraries' option names and defaults. Default null: no pruning.";
  }
  s.examples = [...(s.examples ?? []), searchSpecExample];
  return s as T;
}
