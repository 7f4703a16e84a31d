import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { readiness } from '../../domain/readiness.js';
import { healthSchema, readySchema } from './schemas.js';

/** GET /health and GET /ready (GET /metrics is the metrics plugin's). */
export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/health', { schema: healthSchema }, async () => ({ status: 'ok' as const }));

  app.get('/ready', { schema: readySchema }, async (_request, reply) => {
    const { ok, body } = await readiness(app.hypersweep);
    return reply.status(ok ? 200 : 503).send(body);
  });
};
