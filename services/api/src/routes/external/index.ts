import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ExternalRefusal, ReportBody } from '@hypersweep/core';
import { HttpError, notFound } from '../../errors.js';
import { claimSchema, finishSchema, handBackSchema, reportSchema } from './schemas.js';

/** The 4xx of a fenced call that found nothing to hold. */
function refused(id: string, refusal: ExternalRefusal): HttpError {
  switch (refusal.kind) {
    case 'missing':
      return notFound('trial', id);
    case 'not-external':
      return new HttpError(400, `trial ${id} is not external: the service's workers train it`, [
        { path: '/params/id', message: 'the trial belongs to a sweep without workload.external' },
      ]);
    case 'stale':
      return new HttpError(
        409,
        `the token does not hold trial ${id}: stale, or another trial's; nothing stored`,
        [
          {
            path: '/token',
            message: 'not the lease of this trial (its lease may have run out and been claimed again)',
          },
        ],
      );
    case 'ended':
      return new HttpError(409, `trial ${id} is ${refusal.status}; nothing stored`, [
        { path: '/params/id', message: `the trial is ${refusal.status}` },
      ]);
  }
}

/** POST /v1/sweeps/:id/claim, /v1/trials/:id/report, /finish and /hand-back (packages/core external-trials.ts). */
export const externalRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { external } = app.hypersweep;

  app.post('/v1/sweeps/:id/claim', { schema: claimSchema }, async (request, reply) => {
    const { id } = request.params;
    const claim = await external.claim(id, request.body.worker);
    switch (claim.kind) {
      case 'missing':
        throw notFound('sweep', id);
      case 'not-external':
        throw new HttpError(400, `sweep ${id} is not external: the service's workers train its trials`, [
          { path: '/params/id', message: 'the sweep has no workload.external' },
        ]);
      case 'ended':
        throw new HttpError(409, `sweep ${id} is ${claim.status}: nothing more to claim`, [
          { path: '/params/id', message: `the sweep is ${claim.status}` },
        ]);
      case 'wait':
        return reply.status(204).header('retry-after', String(claim.retryAfterSeconds)).send(null);
      case 'claimed': {
        const { token, expiresAt, ...trial } = claim.trial;
        return {
          trial: {
            id: trial.id,
            index: trial.index,
            config: trial.config,
            params: trial.params,
            resumeFrom: trial.resumeFrom,
          },
          lease: { token, expiresAt: new Date(expiresAt).toISOString() },
        };
      }
    }
  });

  app.post('/v1/trials/:id/report', { schema: reportSchema }, async (request) => {
    const { id } = request.params;
    const { token, ...body } = request.body;
    const answer = await external.report(id, token, body as ReportBody);
    if (answer.kind === 'invalid') {
      throw new HttpError(400, `invalid report: ${answer.path}: ${answer.message}; nothing stored`, [
        { path: answer.path, message: answer.message },
      ]);
    }
    if (answer.kind !== 'ok') throw refused(id, answer);
    return answer.stop
      ? { stop: true, reason: answer.reason, stored: answer.stored }
      : { stop: false, stored: answer.stored };
  });

  app.post('/v1/trials/:id/finish', { schema: finishSchema }, async (request) => {
    const { id } = request.params;
    const { token, status, error } = request.body;
    const answer = await external.finish(id, token, { status, error: error ?? null });
    if (answer.kind !== 'finished') throw refused(id, answer);
    return { id, status, retried: answer.retried };
  });

  app.post('/v1/trials/:id/hand-back', { schema: handBackSchema }, async (request) => {
    const { id } = request.params;
    const answer = await external.handBack(id, request.body.token);
    if (answer.kind !== 'handed-back') throw refused(id, answer);
    return { id, status: 'queued' as const };
  });
};
