import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { catalogView, previewWithErrorPaths } from '../../domain/catalog.js';
import { catalogSchema, previewSchema } from './schemas.js';

/** GET /v1/catalog and POST /v1/schedules/preview. */
export const catalogRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/v1/catalog', { schema: catalogSchema }, async () => catalogView(app.hypersweep.workloads));

  app.post('/v1/schedules/preview', { schema: previewSchema }, async (request) =>
    previewWithErrorPaths(request.body),
  );
};
