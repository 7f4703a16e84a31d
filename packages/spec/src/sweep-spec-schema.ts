import { type CatalogEntry, type JsonSchema, optimizerCatalog, schedulerCatalog } from '@hypersweep/optim';
import Type, { type Static, type TSchema } from 'typebox';
import { distributionSchemas, SAMPLED_OPTION_NOTE } from './distribution-schema.js';
import { sweepSpecExamples } from './examples.js';
import { layerEntries, lossEntries, type ModelCatalogEntry } from './model/catalog.js';
import { LOSS_TYPES } from './model/types.js';
import type { ObjectiveMode, SweepMetric } from './objective.js';
import {
  intervalSchema,
  nameSchema,
  objectiveFieldSchemas,
  prunerFieldSchemas,
  seedSchema,
  trainingFieldSchemas,
} from './spec-fields.js';
import type { WorkloadInfo } from './workload-info.js';

/**
 * TypeBox schemas of the sweep spec: the request body of POST /v1/sweeps and its OpenAPI
 * document. Optimizer and scheduler entries are variants keyed by `type`, generated from the
 * catalog. The output is plain JSON Schema 2020-12 (OpenAPI 3.1): `prefixItems` for tuples
 * such as betas, `{"type": "null"}` for the constant-lr scheduler. validateSweepSpec is the
 * validator of record; these schemas accept everything it accepts.
 */

/** The static type of a submitted spec (what the schema admits, before validateSweepSpec). */
export interface SweepSpecInput {
  name?: string;
  workload:
    | string
    | { name: string; options?: Record<string, unknown> }
    | { dataset: Record<string, unknown>; model: Array<Record<string, unknown>>; loss: unknown }
    | { external: Record<string, unknown> };
  training?: { epochs?: number; batchSize?: number; maxSteps?: number };
  optimizers: Array<{
    type: string;
    param_groups?: Array<{ params: string | string[]; [option: string]: unknown }>;
    [option: string]: unknown;
  }>;
  schedulers?: Array<null | { type: string; interval?: 'step' | 'epoch'; [option: string]: unknown }>;
  seeds?: number | number[];
  objective?: { metric?: SweepMetric; mode?: ObjectiveMode };
  pruner?: null | {
    type: 'MedianPruner';
    n_startup_trials?: number;
    n_warmup_steps?: number;
    interval_steps?: number;
  };
}

/** Catalog schema -> public JSON Schema: without the catalog's `x-` extensions (torch's message prefixes). */
function publicSchema(schema: JsonSchema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key.startsWith('x-')) continue;
    if (key === 'anyOf' || key === 'prefixItems') out[key] = (value as JsonSchema[]).map(publicSchema);
    else if (key === 'items' || key === 'additionalProperties') {
      out[key] = typeof value === 'object' ? publicSchema(value as JsonSchema) : value;
    } else if (key === 'properties') {
      out[key] = Object.fromEntries(
        Object.entries(value as Record<string, JsonSchema>).map(([name, item]) => [name, publicSchema(item)]),
      );
    } else out[key] = value;
  }
  return out;
}

/**
 * Whether option values may also be distributions: the entries of POST /v1/sweeps, which may ask for a
 * random or tpe search, are `sampled`; those an extension adds to a grid are not.
 */
interface EntryOptions {
  sampled: boolean;
}

/**
 * One value, or a non-empty list of values to sweep (for list-valued options: a list of lists); when
 * `sampled`, also a distribution.
 */
function sweepable(schema: JsonSchema, { sampled }: EntryOptions): Record<string, unknown> {
  const { description, default: fallback, ...value } = publicSchema(schema);
  const list = schema.type === 'array' || schema.anyOf?.some((branch) => branch.type === 'array') === true;
  const rule = list ? ' A list of lists sweeps.' : ' A list sweeps its values.';
  return {
    ...(description !== undefined && {
      description: `${description}${rule}${sampled ? ` ${SAMPLED_OPTION_NOTE}` : ''}`,
    }),
    ...(fallback !== undefined && { default: fallback }),
    anyOf: [
      value,
      { type: 'array', items: value, minItems: 1 },
      ...(sampled ? distributionSchemas(value) : []),
    ],
  };
}

function entryProperties(
  entry: Pick<CatalogEntry, 'options'>,
  options: EntryOptions,
): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(entry.options).map(([name, schema]) => [name, sweepable(schema, options)]),
  );
}

function typeProperty(
  entry: Pick<CatalogEntry, 'type' | 'description' | 'reference'>,
): Record<string, unknown> {
  return { type: 'string', enum: [entry.type], description: `${entry.description} ${entry.reference}` };
}

function optimizerVariant(entry: CatalogEntry, options: EntryOptions): Record<string, unknown> {
  const properties: Record<string, unknown> = {
    type: typeProperty(entry),
    ...entryProperties(entry, options),
  };
  // torch.optim.LBFGS supports a single param group.
  if (entry.type !== 'LBFGS') {
    properties['param_groups'] = {
      type: 'array',
      description:
        'Per-parameter options: each entry names workload parameter groups and overrides options for them; parameters in no entry form the default group.',
      items: {
        type: 'object',
        required: ['params'],
        properties: {
          params: {
            description: 'Workload parameter group(s) this entry covers.',
            anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, minItems: 1 }],
          },
          ...entryProperties(entry, options),
        },
        additionalProperties: false,
      },
    };
  }
  return {
    title: entry.type,
    type: 'object',
    required: ['type', ...entry.required],
    properties,
    additionalProperties: false,
  };
}

function schedulerVariant(entry: CatalogEntry, options: EntryOptions): Record<string, unknown> {
  return {
    title: entry.type,
    type: 'object',
    required: ['type', ...entry.required],
    properties: { type: typeProperty(entry), interval: intervalSchema, ...entryProperties(entry, options) },
    additionalProperties: false,
  };
}

type SpecEntryInput = SweepSpecInput['optimizers'][number];
type SchedulerEntryInput = NonNullable<NonNullable<SweepSpecInput['schedulers']>[number]>;

// What each option's schema cannot say: the rules between options that torch's constructors enforce.
const CROSS_OPTION_RULES =
  "Beyond this schema the API checks what torch's constructor would refuse across options (for example SGD's nesterov needs a momentum and zero dampening; OneCycleLR and CyclicLR with cycle_momentum need an optimizer with momentum or betas) and the workload's parameter group names; each violation is a 400 naming the option.";

function optimizerSpecSchema(options: EntryOptions) {
  return Type.Unsafe<SpecEntryInput>({
    description: `An optimizer of torch.optim with its options (torch names); lists sweep. ${CROSS_OPTION_RULES}`,
    anyOf: Object.values(optimizerCatalog).map((entry) => optimizerVariant(entry, options)),
  });
}

function schedulerSpecSchema(options: EntryOptions) {
  return Type.Unsafe<SchedulerEntryInput | null>({
    description: `A torch.optim.lr_scheduler scheduler with its options (torch names), or null for a constant lr. ${CROSS_OPTION_RULES}`,
    anyOf: [
      { type: 'null' },
      ...Object.values(schedulerCatalog).map((entry) => schedulerVariant(entry, options)),
    ],
  });
}

/** One optimizer: `{"type": "Adam", "lr": [0.001, 0.01], "betas": [0.9, 0.999]}`. */
export const OptimizerSpecSchema = optimizerSpecSchema({ sampled: false });

/** One lr scheduler, or null for a constant learning rate. */
export const SchedulerSpecSchema = schedulerSpecSchema({ sampled: false });

/** An optimizer entry of a spec that may ask for a random or tpe search: option values may be distributions. */
export const SampledOptimizerSpecSchema = optimizerSpecSchema({ sampled: true });

/** A scheduler entry (or null) of a spec that may ask for a random or tpe search. */
export const SampledSchedulerSpecSchema = schedulerSpecSchema({ sampled: true });

export const TrainingSchema = Type.Unsafe<NonNullable<SweepSpecInput['training']>>({
  type: 'object',
  properties: trainingFieldSchemas,
  additionalProperties: false,
});

export const ObjectiveSchema = Type.Unsafe<NonNullable<SweepSpecInput['objective']>>({
  type: 'object',
  description: 'What the leaderboard ranks by. Default {"metric": "val_loss", "mode": "min"}.',
  properties: objectiveFieldSchemas,
  additionalProperties: false,
});

export const PrunerSchema = Type.Unsafe<SweepSpecInput['pruner']>({
  description:
    "Early stopping, as Optuna's MedianPruner: a trial stops (status pruned) when its best objective value so far is worse than the median of the completed trials at the same epoch. Default null: no pruning.",
  anyOf: [
    { type: 'null' },
    { type: 'object', required: ['type'], properties: prunerFieldSchemas, additionalProperties: false },
  ],
});

export const SeedsSchema = Type.Unsafe<NonNullable<SweepSpecInput['seeds']>>({
  description: 'Seeds to run every configuration with (default [0]).',
  anyOf: [seedSchema, { type: 'array', items: seedSchema, minItems: 1 }],
});

/**
 * A layer or loss of a model workload: its type, a layer's name, and its torch arguments, each one value,
 * a list to sweep or (under a random or tpe search) a distribution.
 */
function modelEntryVariant(entry: ModelCatalogEntry, layer: boolean): Record<string, unknown> {
  return {
    title: entry.type,
    type: 'object',
    required: ['type', ...entry.required],
    properties: {
      type: typeProperty(entry),
      ...(layer && {
        name: {
          type: 'string',
          maxLength: 100,
          description: 'Makes the layer a parameter group (param_groups[].params).',
        },
      }),
      ...entryProperties(entry, { sampled: true }),
    },
    additionalProperties: false,
  };
}

/**
 * The JSON Schema of a model workload for the OpenAPI document: a variant per layer and loss type from
 * their catalog; validateSweepSpec also checks the shapes through the layers and the data.
 */
export const modelWorkloadSchema = {
  title: 'model',
  description:
    'A torch.nn model on an uploaded dataset. Any layer or loss option may be a list to sweep (or a distribution under a random or tpe search); shapes are checked through the layers at submission.',
  type: 'object',
  required: ['dataset', 'model', 'loss'],
  properties: {
    dataset: {
      type: 'object',
      required: ['id'],
      properties: {
        id: { type: 'string', description: 'The id or name of an uploaded dataset.' },
        target: {
          anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, minItems: 1 }],
          description: 'The column(s) to predict, or the NPZ array (default "y").',
        },
        features: {
          anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, minItems: 1 }],
          description: 'The input columns (default: every other column), or the NPZ array (default "x").',
        },
        shape: {
          type: 'array',
          items: { type: 'integer', minimum: 1 },
          minItems: 1,
          maxItems: 8,
          description:
            "Each example's input shape, e.g. [1, 8, 8] (default: [feature count], or the array's trailing dims).",
        },
        val: {
          anyOf: [
            { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
            { type: 'string' },
            { type: 'null' },
          ],
          description:
            'A fraction of the rows to validate on, or another dataset (id or name); default none.',
        },
        standardize: {
          type: 'boolean',
          default: false,
          description: "Scale the inputs by the training split's per-feature mean and std.",
        },
      },
      additionalProperties: false,
    },
    model: {
      type: 'array',
      minItems: 1,
      maxItems: 200,
      description: 'The layers, in order (torch.nn class names and constructor arguments).',
      items: { anyOf: Object.values(layerEntries).map((entry) => modelEntryVariant(entry, true)) },
    },
    loss: {
      description: 'The torch.nn loss: its class name, or an object with its arguments.',
      anyOf: [
        { type: 'string', enum: [...LOSS_TYPES] },
        ...Object.values(lossEntries).map((entry) => modelEntryVariant(entry, false)),
      ],
    },
  },
  additionalProperties: false,
};

/** `{"external": {...}}`: trials trained outside the service (POST /v1/sweeps/{id}/claim). */
export const externalWorkloadSchema = {
  title: 'external',
  description:
    "Trials trained by your own program (the Python client, `hypersweep agent`): it claims them over REST. The object reaches it untouched as the trial config's workload.options; `param_groups` (module names an optimizer's param_groups may name) and `train_examples` (examples per epoch, for schedulers counted in steps) are read, both optional.",
  type: 'object',
  required: ['external'],
  properties: {
    external: {
      type: 'object',
      properties: {
        param_groups: { type: 'array', items: { type: 'string' } },
        train_examples: { type: 'integer', minimum: 1 },
      },
      additionalProperties: true,
    },
  },
  additionalProperties: false,
  examples: [{ external: { model: 'TwoLayerNet', param_groups: ['linear1', 'linear2'] } }],
};

function workloadSchema(workloads: readonly WorkloadInfo[] | undefined): TSchema {
  const description =
    'The model and data: a built-in workload name, or {name, options}, or a torch.nn model on an uploaded dataset {dataset, model, loss}, or {external: {...}}: trials trained by your own program, which claims them over REST (the object reaches it untouched).';
  if (workloads === undefined) {
    return Type.Unsafe<SweepSpecInput['workload']>({
      description,
      anyOf: [
        { type: 'string' },
        {
          type: 'object',
          required: ['name'],
          properties: { name: { type: 'string' }, options: { type: 'object' } },
          additionalProperties: false,
        },
        modelWorkloadSchema,
        externalWorkloadSchema,
      ],
    });
  }
  return Type.Unsafe<SweepSpecInput['workload']>({
    description,
    anyOf: [
      { type: 'string', enum: workloads.map((workload) => workload.name) },
      ...workloads.map((workload) => ({
        title: workload.name,
        description: workload.description,
        type: 'object',
        required: ['name'],
        properties: {
          name: { type: 'string', enum: [workload.name] },
          options: {
            type: 'object',
            properties: Object.fromEntries(
              Object.entries(workload.options).map(([name, schema]) => [name, publicSchema(schema)]),
            ),
            additionalProperties: false,
          },
        },
        additionalProperties: false,
      })),
      modelWorkloadSchema,
      externalWorkloadSchema,
    ],
  });
}

/**
 * The sweep spec schema. With `workloads` the workload names and options are typed too; the
 * API passes the trainer's workloads for its OpenAPI document.
 */
export function createSweepSpecSchema(options: { workloads?: readonly WorkloadInfo[] } = {}) {
  return Type.Unsafe<SweepSpecInput>({
    title: 'SweepSpec',
    description:
      "A hyperparameter sweep: the grid is the union over optimizer entries of the cartesian product of their listed values, times the union of scheduler entries, times the seeds. Option names are PyTorch 1.13's.",
    type: 'object',
    required: ['workload', 'optimizers'],
    properties: {
      name: nameSchema,
      workload: workloadSchema(options.workloads),
      training: TrainingSchema,
      optimizers: { type: 'array', minItems: 1, items: OptimizerSpecSchema },
      schedulers: {
        type: 'array',
        minItems: 1,
        description: 'Schedulers to sweep over (default [null]: constant lr).',
        items: SchedulerSpecSchema,
      },
      seeds: SeedsSchema,
      objective: ObjectiveSchema,
      pruner: PrunerSchema,
    },
    additionalProperties: false,
    examples: Object.values(sweepSpecExamples),
  });
}

export const SweepSpecSchema = createSweepSpecSchema();
export type SweepSpec = Static<typeof SweepSpecSchema>;

/** One entry of a 400 answer's `details`. */
export const SpecErrorSchema = Type.Object({
  path: Type.String({ description: 'JSON Pointer into the submitted body ("" for the body itself).' }),
  message: Type.String(),
});
