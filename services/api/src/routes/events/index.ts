import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { streamSweepEvents } from '../../domain/event-stream.js';
import { holdEventStream } from '../../plugins/limits.js';
import { eventsSchema } from './schemas.js';

/** GET /v1/sweeps/:id/events: the sweep's live events as Server-Sent Events. */
export const eventRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/v1/sweeps/:id/events', { schema: eventsSchema }, async (request, reply) => {
    const release = await holdEventStream(app, request);
    try {
      await streamSweepEvents(app.hypersweep, request.params.id, request, reply);
    } catch (error) {
      release();
      throw error;
    }
    request.raw.on('close', release);
  });
};
