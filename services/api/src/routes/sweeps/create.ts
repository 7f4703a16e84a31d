import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { enqueueCreatedSweep } from '../../domain/queue-handoff.js';
import { bodyCheckedBy, checkedSweep, sweepSpecCheck } from '../../domain/request-validation.js';
import { storeSweep } from '../../domain/sweep-queries.js';
import { createSweepSchema } from './schemas.js';

/** POST /v1/sweeps: the spec validator checks the body (sweepSpecCheck); here it is stored and enqueued. */
export const createSweepRoute: FastifyPluginAsyncTypebox = async (app) => {
  const context = app.hypersweep;
  app.post(
    '/v1/sweeps',
    {
      schema: createSweepSchema(context.workloads),
      validatorCompiler: bodyCheckedBy(sweepSpecCheck(context)),
    },
    async (request, reply) => {
      const checked = checkedSweep(request.body);
      const { sweepId, trialIds } = await storeSweep(context, request.body, checked);
      const handoff = await enqueueCreatedSweep(context, sweepId, trialIds, request.log);
      const { name } = checked.spec;
      return reply
        .status(201)
        .send({ id: sweepId, name, status: 'queued' as const, trialCount: checked.budget, ...handoff });
    },
  );
};
