import { LAYER_TYPES, LOSS_TYPES } from './types.js';

/**
 * The JSON Schema of a model workload for the OpenAPI document: its shape, with layer and loss options
 * left open (GET /v1/catalog lists each type's options; validateSweepSpec checks them, and the shapes).
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
      items: {
        type: 'object',
        required: ['type'],
        properties: {
          type: { type: 'string', enum: [...LAYER_TYPES] },
          name: { type: 'string', description: 'A parameter group param_groups[].params may select.' },
        },
      },
    },
    loss: {
      anyOf: [
        { type: 'string', enum: [...LOSS_TYPES] },
        {
          type: 'object',
          required: ['type'],
          properties: { type: { type: 'string', enum: [...LOSS_TYPES] } },
        },
      ],
    },
  },
  additionalProperties: false,
} as const;
