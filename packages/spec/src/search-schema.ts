import { tpeDefaults } from '@hypersweep/search';
import { DEFAULT_TPE_PARALLELISM } from './search-spec.js';

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

const integer = (description: string, minimum: number) => ({ type: 'integer', minimum, description });

const searchSchema = {
  description:
    'How configs are chosen. grid (default): every combination of the lists. random / tpe: `trials` configs sampled from the distributions ({"uniform": [low, high]}, {"loguniform": [low, high]}, {"int": [low, high]}, {"logint": [low, high]}, {"choice": [...]}) and lists (a categorical choice) written as option values; each config runs once per seed. tpe is Optuna 3.1\'s TPESampler and creates configs as results arrive.',
  type: 'object',
  properties: {
    type: { enum: ['grid', 'random', 'tpe'], default: 'grid' },
    trials: integer('Configs to sample (random, tpe).', 1),
    seed: integer('Sampler seed: the same seed gives the same configs in the same order.', 0),
    parallelism: integer(
      `Configs running at once (tpe: default ${DEFAULT_TPE_PARALLELISM}; grid and random: all).`,
      1,
    ),
    options: {
      type: 'object',
      description: "TPESampler options, Optuna's names and defaults.",
      properties: Object.fromEntries(
        Object.entries(tpeDefaults).map(([name, value]) => [
          name,
          { type: typeof value === 'boolean' ? 'boolean' : 'number', default: value },
        ]),
      ),
      additionalProperties: false,
    },
  },
  additionalProperties: false,
};

const prunerVariants = [
  {
    type: 'object',
    description: "Optuna's SuccessiveHalvingPruner (a step is an epoch).",
    required: ['type'],
    properties: {
      type: { const: 'SuccessiveHalvingPruner' },
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
    description: "Optuna's HyperbandPruner: brackets of SuccessiveHalving, each judged among its own trials.",
    required: ['type'],
    properties: {
      type: { const: 'HyperbandPruner' },
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
      "Ray Tune's ASHAScheduler (time_attr = epochs): stops a trial below the 1 - 1/reduction_factor quantile of its rung.",
    required: ['type'],
    properties: {
      type: { const: 'ASHAScheduler' },
      grace_period: { ...integer('Epochs before the first milestone.', 1), default: 1 },
      max_t: { ...integer('Epochs at most.', 1), default: 100 },
      reduction_factor: { type: 'number', minimum: 2, default: 4 },
      brackets: { ...integer('Brackets.', 1), default: 1 },
    },
    additionalProperties: false,
  },
];

/**
 * The sweep spec's OpenAPI schema with `search`, the search pruners and an example of them added
 * (option values may also be distributions: described on `search`).
 */
export function withSearchSchema<T>(schema: T): T {
  const s = structuredClone(schema) as Record<string, unknown> & {
    properties: Record<string, { anyOf?: unknown[] } & Record<string, unknown>>;
    examples?: unknown[];
  };
  s.properties['search'] = searchSchema;
  const pruner = s.properties['pruner'];
  if (pruner?.anyOf) pruner.anyOf = [...pruner.anyOf, ...prunerVariants];
  s.examples = [...(s.examples ?? []), searchSpecExample];
  return s as T;
}
