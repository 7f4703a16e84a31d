import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { trialOr404 } from '../../context.js';
import { sendMetricsCsv } from '../../domain/csv-exports.js';
import { metricsView, readTrialMetrics } from '../../domain/trial-metrics.js';
import { trialView } from '../../views.js';
import { metricsSchema, trialSchema } from './schemas.js';

/** GET /v1/trials/:id and its metrics. */
export const trialRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const context = app.hypersweep;

  app.get('/v1/trials/:id', { schema: trialSchema }, async (request) =>
    trialView(await trialOr404(context, request.params.id)),
  );

  app.get('/v1/trials/:id/metrics', { schema: metricsSchema }, async (request, reply) => {
    const { id } = request.params;
    const { format, ...range } = request.query;
    const metrics = await readTrialMetrics(context, id, range);
    if (format === 'csv') return sendMetricsCsv(reply, id, metrics.rows);
    return metricsView(id, metrics);
  });
};
