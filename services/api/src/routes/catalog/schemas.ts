import { Type } from 'typebox';
import { errorResponses, withExamples } from '../../schemas.js';

const MAX_PREVIEW_STEPS = 100_000;

const PreviewFields = Type.Object({
  optimizer: Type.Object({
    type: Type.String({ description: 'torch.optim class name', examples: ['SGD'] }),
    options: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    group_lrs: Type.Optional(
      Type.Array(Type.Number(), { minItems: 1, description: 'Initial lr of each param group' }),
    ),
  }),
  scheduler: Type.Union([
    Type.Object({
      type: Type.String({ description: 'torch.optim.lr_scheduler class name', examples: ['OneCycleLR'] }),
      options: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    }),
    Type.Null(),
  ]),
  steps: Type.Integer({ minimum: 1, maximum: MAX_PREVIEW_STEPS, description: 'Scheduler steps to show' }),
  metrics: Type.Optional(
    Type.Array(Type.Number(), {
      description: 'ReduceLROnPlateau: the metric passed to step(metric) each step',
    }),
  ),
});

const PreviewBody = withExamples(PreviewFields, {
  oneCycle: {
    summary: 'OneCycleLR over 100 steps with SGD and momentum (lr and momentum curves)',
    value: {
      optimizer: { type: 'SGD', options: { lr: 0.1, momentum: 0.9 } },
      scheduler: { type: 'OneCycleLR', options: { max_lr: 0.1, total_steps: 100 } },
      steps: 100,
    },
  },
  plateau: {
    summary: 'ReduceLROnPlateau fed a metric that stops improving',
    value: {
      optimizer: { type: 'Adam', options: { lr: 0.01 } },
      scheduler: { type: 'ReduceLROnPlateau', options: { patience: 1, factor: 0.5 } },
      steps: 6,
      metrics: [1, 0.9, 0.9, 0.9, 0.9, 0.9],
    },
  },
});

const Series = Type.Array(Type.Array(Type.Number()), {
  description: 'One row per step, one value per param group',
});

const ModelCatalogEntrySchema = Type.Object({
  type: Type.String({ description: 'The torch.nn class name' }),
  description: Type.String(),
  reference: Type.String({ description: 'The PyTorch 1.13 documentation page' }),
  options: Type.Record(Type.String(), Type.Unknown(), {
    description: 'Constructor argument -> JSON Schema with its default',
  }),
  required: Type.Array(Type.String()),
  inferred: Type.Array(Type.String()),
});

export const catalogSchema = {
  operationId: 'getCatalog',
  tags: ['catalog'],
  summary:
    'Every optimizer, scheduler, workload, torch.nn layer and loss with its options, defaults and parameter groups',
  description:
    "`layers` and `losses`: what a model in a spec (`workload: {dataset, model, loss}`) may use, by torch.nn class name, each with its constructor arguments (JSON Schema with torch 1.13's default), the arguments that must be given (`required`) and those inferred from the shape flowing in when left out (`inferred`: in_features, in_channels, num_features).",
  response: {
    200: Type.Object({
      optimizers: Type.Record(Type.String(), Type.Unknown()),
      schedulers: Type.Record(Type.String(), Type.Unknown()),
      workloads: Type.Record(Type.String(), Type.Unknown()),
      layers: Type.Record(Type.String(), ModelCatalogEntrySchema),
      losses: Type.Record(Type.String(), ModelCatalogEntrySchema),
    }),
    ...errorResponses([500]),
  },
};

export const previewSchema = {
  operationId: 'previewSchedule',
  tags: ['catalog'],
  summary: 'The lr (and momentum / beta1) curve a scheduler gives, without training',
  description:
    "Row i is each group's value before the i-th scheduler.step(), as PyTorch's optimizer sees it during step i.",
  body: PreviewBody,
  response: {
    200: Type.Object({ lrs: Series, momentum: Type.Optional(Series), beta1: Type.Optional(Series) }),
    ...errorResponses([400, 413, 415, 500], {
      400: 'The body is invalid, or torch would refuse the optimizer or scheduler: `details` points at the option',
    }),
  },
};
