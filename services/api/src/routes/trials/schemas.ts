import { MAX_STEP } from '@hypersweep/db';
import { trainerMetricPattern } from '@hypersweep/spec';
import { Type } from 'typebox';
import {
  csvOrJson,
  errorResponses,
  IdParams,
  NullableNumber,
  ResponseFormat,
  STORE_ERRORS,
  TrialSummary,
} from '../../schemas.js';

const trialErrors = errorResponses([400, 404, ...STORE_ERRORS], { 404: 'No trial has this id' });

const Series = Type.Array(NullableNumber);

const Metrics = Type.Object({
  trialId: Type.String({ format: 'uuid' }),
  from: Type.Union([Type.Integer(), Type.Null()]),
  to: Type.Union([Type.Integer(), Type.Null()]),
  totalPoints: Type.Integer({ description: 'Steps stored in [from, to]' }),
  downsampled: Type.Boolean(),
  step: Type.Array(Type.Integer()),
  epoch: Type.Array(Type.Integer()),
  loss: Series,
  lr: Series,
  lrs: Type.Array(Series, { description: 'Every param group lr per point' }),
  epochs: Type.Object({
    epoch: Type.Array(Type.Integer()),
    trainLoss: Series,
    valLoss: Series,
    valAccuracy: Series,
    lr: Series,
    metrics: Type.Record(Type.String({ pattern: trainerMetricPattern.source }), Series, {
      description:
        "An external trainer's own metrics (val_bleu), one column each, null at epochs that did not report it; {} for the service's own trials",
    }),
  }),
});

export const trialSchema = {
  operationId: 'getTrial',
  tags: ['trials'],
  summary: 'One trial: config, status, best value and step, final loss, steps done, duration, backend',
  params: IdParams,
  response: { 200: TrialSummary, ...trialErrors },
};

export const metricsSchema = {
  operationId: 'getTrialMetrics',
  tags: ['trials'],
  summary: "A trial's per-step loss and lr as columns, plus per-epoch validation metrics",
  description:
    "maxPoints downsamples on the server, keeping each bucket's first, last, lowest-loss and highest-loss steps. format=csv answers text/csv with one row per step.",
  params: IdParams,
  querystring: Type.Object({
    from: Type.Optional(
      Type.Integer({ minimum: 0, maximum: MAX_STEP, description: 'First step (inclusive)' }),
    ),
    to: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_STEP, description: 'Last step (inclusive)' })),
    maxPoints: Type.Optional(Type.Integer({ minimum: 4, maximum: 100_000 })),
    format: ResponseFormat(),
  }),
  response: { 200: csvOrJson(Metrics, 'format=csv: one row per step'), ...trialErrors },
};
