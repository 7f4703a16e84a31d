import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { cancelSweep, deleteSweep } from '@hypersweep/core';
import { sweepOr404 } from '../../context.js';
import { handoff } from '../../domain/queue-handoff.js';
import { HttpError, notFound } from '../../errors.js';
import { cancelSweepSchema, deleteSweepSchema } from './schemas.js';

/** POST /v1/sweeps/:id/cancel and DELETE /v1/sweeps/:id: both stop what still runs (core's operations). */
export const cancelSweepRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const context = app.hypersweep;

  app.post('/v1/sweeps/:id/cancel', { schema: cancelSweepSchema }, async (request, reply) => {
    const { id } = request.params;
    const outcome = await cancelSweep(context.sweeps, id);
    if (outcome.kind === 'missing') throw notFound('sweep', id);
    if (outcome.kind === 'refused') {
      const message = `sweep ${id} already ${outcome.status}; nothing to cancel`;
      throw new HttpError(409, message, [{ path: '/params/id', message: `the sweep is ${outcome.status}` }]);
    }
    return reply.status(202).send({
      id,
      status: 'cancelled' as const,
      cancelledTrials: outcome.cancelledTrials,
      stoppingTrials: outcome.runningTrials,
      ...handoff(outcome),
    });
  });

  app.delete('/v1/sweeps/:id', { schema: deleteSweepSchema }, async (request, reply) => {
    const sweep = await sweepOr404(context, request.params.id);
    await deleteSweep(context.sweeps, sweep);
    return reply.status(204).send(null);
  });
};
