import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { deleteSweep } from '@hypersweep/db';
import { sweepOr404 } from '../../context.js';
import { cancelAndTell } from '../../domain/queue-handoff.js';
import { HttpError } from '../../errors.js';
import { cancelSweepSchema, deleteSweepSchema } from './schemas.js';

/** POST /v1/sweeps/:id/cancel and DELETE /v1/sweeps/:id: both stop what still runs. */
export const cancelSweepRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const context = app.hypersweep;

  app.post('/v1/sweeps/:id/cancel', { schema: cancelSweepSchema }, async (request, reply) => {
    const { id } = request.params;
    const sweep = await sweepOr404(context, id);
    if (sweep.status === 'completed' || sweep.status === 'failed') {
      const message = `sweep ${id} already ${sweep.status}; nothing to cancel`;
      throw new HttpError(409, message, [{ path: '/params/id', message: `the sweep is ${sweep.status}` }]);
    }
    const { cancelled, stopping } = await cancelAndTell(context, id, request.log);
    return reply
      .status(202)
      .send({ id, status: 'cancelled' as const, cancelledTrials: cancelled, stoppingTrials: stopping });
  });

  app.delete('/v1/sweeps/:id', { schema: deleteSweepSchema }, async (request, reply) => {
    const sweep = await sweepOr404(context, request.params.id);
    if (sweep.status === 'queued' || sweep.status === 'running')
      await cancelAndTell(context, sweep.id, request.log);
    await deleteSweep(context.pool, sweep.id); // false when deleted meanwhile: fine
    return reply.status(204).send(null);
  });
};
