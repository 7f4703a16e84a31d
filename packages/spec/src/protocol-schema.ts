import { objectiveMetrics } from './objective.js';
import { MAX_SEARCH_TRIALS } from './search-spec.js';

/** A tune-then-evaluate sweep (OpenAPI example): four optimizers, equal budgets, five evaluation seeds. */
export const protocolSpecExample = {
  name: 'SGD with momentum, Adam, AdamW, RMSprop on mnist-mlp: tuned alike, evaluated on fresh seeds',
  workload: { name: 'mnist-mlp', options: { trainSize: 2000, valSize: 500 } },
  training: { epochs: 2, batchSize: 64 },
  objective: { metric: 'val_accuracy' },
  optimizers: [
    { type: 'SGD', lr: { loguniform: [1e-3, 1] }, momentum: 0.9 },
    { type: 'Adam', lr: { loguniform: [1e-4, 1e-1] } },
    { type: 'AdamW', lr: { loguniform: [1e-4, 1e-1] }, weight_decay: { loguniform: [1e-4, 1e-1] } },
    { type: 'RMSprop', lr: { loguniform: [1e-5, 1e-2] } },
    { type: 'Adam', oneShot: true },
  ],
  protocol: {
    type: 'tune-then-evaluate',
    tuning: { search: 'random', trials: 4, seeds: [42] },
    evaluation: { seeds: [43, 44, 45, 46, 47], top: 1 },
    target: { metric: 'val_accuracy', value: 0.85 },
  },
};

const seeds = (description: string) => ({
  type: 'array',
  minItems: 1,
  uniqueItems: true,
  items: { type: 'integer', minimum: 0, maximum: 4_294_967_295 },
  description,
});

export const protocolSchema = {
  type: 'object',
  description:
    'The tune-then-evaluate protocol (Schmidt et al. 2021; AlgoPerf): every optimizer entry gets the same budget of `tuning.trials` configs on the tuning seeds, then its `evaluation.top` best configs (by the mean objective over the tuning seeds) run on the evaluation seeds, which must be disjoint from the tuning seeds. A failed or pruned tuning config counts against the budget. Pruners act in the tuning phase only. The sweep takes no `search` or `seeds` of its own. GET /v1/sweeps/{id}/benchmark answers.',
  required: ['type', 'tuning', 'evaluation', 'target'],
  properties: {
    type: { const: 'tune-then-evaluate' },
    tuning: {
      type: 'object',
      required: ['trials', 'seeds'],
      properties: {
        search: { type: 'string', enum: ['grid', 'random', 'tpe'], default: 'random' },
        trials: {
          type: 'integer',
          minimum: 1,
          maximum: MAX_SEARCH_TRIALS,
          description: 'Configs each entry tries (a grid: its first `trials` configs; it must have as many)',
        },
        seeds: seeds('Seeds every tuning config runs on'),
        seed: {
          type: 'integer',
          minimum: 0,
          maximum: 4_294_967_295,
          default: 0,
          description: "The sampler's seed",
        },
      },
      additionalProperties: false,
    },
    evaluation: {
      type: 'object',
      required: ['seeds'],
      properties: {
        seeds: seeds('Fresh seeds the tuned configs run on: none may be a tuning seed'),
        top: {
          type: 'integer',
          minimum: 1,
          maximum: 1000,
          default: 1,
          description: 'Tuned configs per entry',
        },
      },
      additionalProperties: false,
    },
    target: {
      type: 'object',
      required: ['metric', 'value'],
      properties: {
        metric: { type: 'string', enum: objectiveMetrics },
        value: {
          type: 'number',
          description: 'Reached at or above it for val_accuracy, at or below for losses',
        },
      },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
};

const oneShotSchema = {
  type: 'boolean',
  default: false,
  description:
    "With a protocol: run this entry as written (torch's defaults for what it leaves out, no scheduler) on the evaluation seeds, without tuning.",
};

/** The sweep spec's OpenAPI schema with `protocol`, `oneShot` on optimizer entries, and an example. */
export function withProtocolSchema<T>(schema: T): T {
  const s = structuredClone(schema) as Record<string, unknown> & {
    properties: Record<string, Record<string, unknown>>;
    examples?: unknown[];
  };
  s.properties['protocol'] = protocolSchema;
  const addOneShot = (node: unknown): void => {
    if (typeof node !== 'object' || node === null) return;
    const n = node as Record<string, unknown>;
    if (n['properties'] && typeof n['properties'] === 'object' && 'type' in (n['properties'] as object))
      (n['properties'] as Record<string, unknown>)['oneShot'] = oneShotSchema;
    for (const key of ['anyOf', 'oneOf', 'allOf'])
      if (Array.isArray(n[key])) for (const child of n[key] as unknown[]) addOneShot(child);
  };
  addOneShot(s.properties['optimizers']?.['items']);
  s.examples = [...(s.examples ?? []), protocolSpecExample];
  return s as T;
}
