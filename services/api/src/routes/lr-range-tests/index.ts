import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { lrRangeTestCheck, lrRangeTestDetail, storeLrRangeTest } from '../../domain/lr-range-tests.js';
import { handoff } from '../../domain/queue-handoff.js';
import { bodyCheckedBy, fetchSweepDatasets } from '../../domain/request-validation.js';
import { projectOfRequest } from '../../plugins/auth.js';
import { checkActiveTrials } from '../../plugins/limits.js';
import { createLrRangeTestSchema, lrRangeTestSchema } from './schemas.js';

/** POST /v1/lr-range-tests and GET /v1/lr-range-tests/:id: an lr range test runs as a sweep of one trial. */
export const lrRangeTestRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const context = app.hypersweep;
  app.post(
    '/v1/lr-range-tests',
    {
      schema: createLrRangeTestSchema(context.workloads),
      // a model workload's dataset is read before the (synchronous) check, as for a sweep
      preValidation: fetchSweepDatasets(context),
      validatorCompiler: bodyCheckedBy(lrRangeTestCheck(context)),
    },
    async (request, reply) => {
      await checkActiveTrials(app, request, 1);
      const stored = await storeLrRangeTest(context, request.body, projectOfRequest(request));
      return reply.status(201).send({
        id: stored.sweepId,
        name: stored.name,
        status: 'queued' as const,
        trialId: stored.trialIds[0]!,
        ...handoff(stored),
      });
    },
  );

  app.get('/v1/lr-range-tests/:id', { schema: lrRangeTestSchema }, async (request) =>
    lrRangeTestDetail(context, request.params.id),
  );
};
