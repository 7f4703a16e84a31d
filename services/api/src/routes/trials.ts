import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  MAX_STEP,
  readEpochs,
  readSteps,
  readStepsDownsampled,
  type StoredStep,
  stepSpan,
} from '@hypersweep/db';
import { Type } from 'typebox';
import { trialOr404 } from '../context.js';
import { HttpError } from '../errors.js';
import { errorResponses, IdParams, StringEnum, TrialSummary } from '../schemas.js';
import { trialView } from '../views.js';

const NumberOrNull = Type.Union([Type.Number(), Type.Null()]);
const Series = Type.Array(NumberOrNull);

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
  }),
});

const finite = (value: number | null) => (value === null || Number.isFinite(value) ? value : null);

export const trialRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const context = app.hypersweep;
  const { pool } = context;

  app.get(
    '/v1/trials/:id',
    {
      schema: {
        tags: ['trials'],
        summary: 'One trial: config, status, best value and step, final loss, steps done, duration, backend',
        params: IdParams,
        response: { 200: TrialSummary, ...errorResponses },
      },
    },
    async (request) => {
      return trialView(await trialOr404(context, request.params.id));
    },
  );

  app.get(
    '/v1/trials/:id/metrics',
    {
      schema: {
        tags: ['trials'],
        summary: "A trial's per-step loss and lr as columns, plus per-epoch validation metrics",
        description:
          "maxPoints downsamples on the server, keeping each bucket's first, last, lowest-loss and highest-loss steps. format=csv answers text/csv with one row per step.",
        params: IdParams,
        querystring: Type.Object({
          from: Type.Optional(
            Type.Integer({ minimum: 0, maximum: MAX_STEP, description: 'First step (inclusive)' }),
          ),
          to: Type.Optional(
            Type.Integer({ minimum: 0, maximum: MAX_STEP, description: 'Last step (inclusive)' }),
          ),
          maxPoints: Type.Optional(Type.Integer({ minimum: 4, maximum: 100_000 })),
          format: StringEnum(['json', 'csv'] as const, { default: 'json' }),
        }),
        response: { 200: Metrics, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const query = request.query;
      if (query.from !== undefined && query.to !== undefined && query.from > query.to) {
        throw new HttpError(400, `from (${query.from}) is after to (${query.to})`, [
          { path: '/query/from', message: 'must not exceed to' },
        ]);
      }
      await trialOr404(context, id);
      const span = await stepSpan(pool, id, {
        ...(query.from !== undefined ? { from: query.from } : {}),
        ...(query.to !== undefined ? { to: query.to } : {}),
      });
      const downsample =
        query.maxPoints !== undefined && span !== null && span.last - span.first + 1 > query.maxPoints;
      const [steps, epochs] = await Promise.all([
        span === null
          ? Promise.resolve({ rows: [] as StoredStep[], total: 0 })
          : downsample
            ? readStepsDownsampled(pool, id, {
                ...span,
                buckets: Math.max(1, Math.floor(query.maxPoints! / 4)),
              })
            : readSteps(pool, id, span.first, span.last).then((rows) => ({ rows, total: rows.length })),
        readEpochs(pool, id),
      ]);
      const { rows, total } = steps;
      if (query.format === 'csv') {
        const groups = rows.reduce((n, r) => Math.max(n, r.lrs?.length ?? 0), 0);
        const header = [
          'step',
          'epoch',
          'loss',
          'lr',
          ...Array.from({ length: groups }, (_, g) => `lr_group_${g}`),
        ];
        const lines = rows.map((r) => [r.step, r.epoch, r.loss, r.lr, ...(r.lrs ?? [])].join(','));
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="trial-${id}-metrics.csv"`)
          .send(`${[header.join(','), ...lines].join('\n')}\n`);
      }
      return {
        trialId: id,
        from: span?.first ?? null,
        to: span?.last ?? null,
        totalPoints: total,
        downsampled: downsample,
        step: rows.map((r) => r.step),
        epoch: rows.map((r) => r.epoch),
        loss: rows.map((r) => finite(r.loss)),
        lr: rows.map((r) => finite(r.lr)),
        lrs: rows.map((r) => (r.lrs ?? []).map(finite)),
        epochs: {
          epoch: epochs.map((e) => e.epoch),
          trainLoss: epochs.map((e) => finite(e.trainLoss)),
          valLoss: epochs.map((e) => finite(e.valLoss)),
          valAccuracy: epochs.map((e) => finite(e.valAccuracy)),
          lr: epochs.map((e) => finite(e.lr)),
        },
      };
    },
  );
};
