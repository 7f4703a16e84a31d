import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { sweepOr404 } from '../../context.js';
import { sendTrialsCsv } from '../../domain/csv-exports.js';
import { leaderboardPage, sweepDetail, sweepsPage } from '../../domain/sweep-queries.js';
import { HttpError } from '../../errors.js';
import { scopeOf } from '../../plugins/auth.js';
import { leaderboardSchema, listSweepsSchema, sweepSchema } from './schemas.js';

/** GET /v1/sweeps, GET /v1/sweeps/:id and its leaderboard, GET /v1/sweeps/:id/trials. */
export const readSweepRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const context = app.hypersweep;

  app.get('/v1/sweeps', { schema: listSweepsSchema }, async (request) =>
    sweepsPage(context, request.query, scopeOf(request)),
  );

  app.get('/v1/sweeps/:id', { schema: sweepSchema }, async (request) =>
    sweepDetail(context, await sweepOr404(context, request.params.id)),
  );

  app.get('/v1/sweeps/:id/trials', { schema: leaderboardSchema }, async (request, reply) => {
    const { format, ...page } = request.query;
    const sweep = await sweepOr404(context, request.params.id);
    if (format === 'csv') {
      if (page.cursor !== undefined) {
        const message = 'a CSV holds the whole leaderboard page by offset: leave cursor out';
        throw new HttpError(400, message, [{ path: '/query/cursor', message }]);
      }
      return sendTrialsCsv(context, reply, sweep, page);
    }
    return leaderboardPage(context, sweep, page);
  });
};
