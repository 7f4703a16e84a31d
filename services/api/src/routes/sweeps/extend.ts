import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { bodyCheckedBy, extensionEnvelopeCheck } from '../../domain/request-validation.js';
import { extendSweep } from '../../domain/sweep-extension.js';
import { checkActiveTrials } from '../../plugins/limits.js';
import { extendSweepSchema } from './schemas.js';

/**
 * POST /v1/sweeps/:id/extend. The envelope is checked before the handler (extensionEnvelopeCheck); what the
 * additions may be depends on the stored sweep, so extendSweep checks them.
 */
export const extendSweepRoute: FastifyPluginAsyncTypebox = async (app) => {
  const context = app.hypersweep;
  app.post(
    '/v1/sweeps/:id/extend',
    { schema: extendSweepSchema, validatorCompiler: bodyCheckedBy(extensionEnvelopeCheck) },
    async (request) =>
      extendSweep(context, request.params.id, request.body, (adding) =>
        checkActiveTrials(app, request, adding),
      ),
  );
};
