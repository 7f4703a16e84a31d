import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { configsCsvPage, configsPage, sweepEffects } from '../../domain/compared-trials.js';
import { sendConfigsCsv } from '../../domain/csv-exports.js';
import { sweepCurves } from '../../domain/curves.js';
import { configsSchema, curvesSchema, effectsSchema } from './schemas.js';

/** A sweep's trials compared: by configuration (seeds grouped), by swept factor, as learning curves. */
export const comparisonRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const context = app.hypersweep;

  app.get('/v1/sweeps/:id/configs', { schema: configsSchema }, async (request, reply) => {
    const { id } = request.params;
    const { format, ...page } = request.query;
    if (format !== 'csv') return configsPage(context, id, page);
    const csv = await configsCsvPage(context, id, page);
    return sendConfigsCsv(reply, id, { ...csv, offset: page.offset });
  });

  app.get('/v1/sweeps/:id/effects', { schema: effectsSchema }, async (request) =>
    sweepEffects(context, request.params.id),
  );

  app.get('/v1/sweeps/:id/curves', { schema: curvesSchema }, async (request) =>
    sweepCurves(context, request.params.id, request.query),
  );
};
