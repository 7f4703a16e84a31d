import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { handoff } from '../../domain/queue-handoff.js';
import {
  bodyCheckedBy,
  checkedSweep,
  fetchSweepDatasets,
  sweepSpecCheck,
} from '../../domain/request-validation.js';
import { storeSweep } from '../../domain/sweep-queries.js';
import { projectOfRequest } from '../../plugins/auth.js';
import { checkActiveTrials } from '../../plugins/limits.js';
import { createSweepSchema } from './schemas.js';

/** POST /v1/sweeps: the spec validator checks the body (sweepSpecCheck); here it is stored, its jobs with it in the outbox. */
export const createSweepRoute: FastifyPluginAsyncTypebox = async (app) => {
  const context = app.hypersweep;
  app.post(
    '/v1/sweeps',
    {
      schema: createSweepSchema(context.workloads),
      preValidation: fetchSweepDatasets(context),
      validatorCompiler: bodyCheckedBy(sweepSpecCheck(context)),
    },
    async (request, reply) => {
      const checked = checkedSweep(request.body);
      await checkActiveTrials(app, request, checked.budget);
      const stored = await storeSweep(context, request.body, checked, projectOfRequest(request));
      const { name } = checked.spec;
      return reply.status(201).send({
        id: stored.sweepId,
        name,
        status: 'queued' as const,
        trialCount: checked.budget,
        ...handoff(stored),
      });
    },
  );
};
