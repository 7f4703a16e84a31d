import { type Prisma, recordSearchSweep } from '@hypersweep/db';
import { cancelChannel, enqueueTrials, publishEvent, redisReady } from '@hypersweep/queue';
import {
  configHash,
  createSweepSpecSchema,
  trialStatuses,
  validateSearchSweepSpec,
  withSearchSchema,
} from '@hypersweep/spec';
import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { ApiContext } from '../context.js';
import { HttpError, notFound } from '../errors.js';
import {
  errorResponses,
  IdParams,
  NullableDate,
  Objective,
  SweepStatus,
  TrialStatus,
  TrialSummary,
} from '../schemas.js';
import { sweepSummaryView, trialView } from '../views.js';
import { withTimeout } from '../with-timeout.js';

const SweepCreated = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  status: SweepStatus,
  trialCount: Type.Integer({ description: 'Trials after expansion and merging of equal configs' }),
});

const SweepSummary = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  status: SweepStatus,
  trialCount: Type.Integer(),
  objective: Objective,
  pruner: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()], {
    description: 'The early-stopping rule with its defaults, or null',
  }),
  createdAt: Type.String({ format: 'date-time' }),
  startedAt: NullableDate,
  finishedAt: NullableDate,
  error: Type.Union([Type.String(), Type.Null()]),
});

const SweepDetail = Type.Intersect([
  SweepSummary,
  Type.Object({
    counts: Type.Record(Type.String(), Type.Integer(), { description: 'Trials per status' }),
    best: Type.Union([TrialSummary, Type.Null()], { description: 'The best trial so far by the objective' }),
    spec: Type.Unknown({ description: 'The submitted spec, verbatim' }),
  }),
]);

const ENQUEUE_TIMEOUT_MS = 10_000;
const REDIS_READY_TIMEOUT_MS = 2_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Opaque keyset cursor over (created_at DESC, id DESC). */
const encodeCursor = (createdAt: Date, id: string) =>
  Buffer.from(JSON.stringify([createdAt.toISOString(), id])).toString('base64url');
function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    const date = new Date(createdAt);
    if (Number.isNaN(date.getTime()) || typeof id !== 'string' || !UUID.test(id))
      throw new Error('bad cursor');
    return { createdAt: date, id };
  } catch {
    throw new HttpError(400, 'invalid cursor', [
      { path: '/query/cursor', message: 'not a cursor this API returned' },
    ]);
  }
}

export const sweepRoutes: FastifyPluginAsync<{ context: ApiContext }> = async (app, { context }) => {
  const { prisma, pool, trialQueue, redis, config } = context;
  const orderFor = (mode: string) => (mode === 'max' ? 'desc' : 'asc') as Prisma.SortOrder;

  app.post(
    '/v1/sweeps',
    {
      schema: {
        tags: ['sweeps'],
        summary: 'Submit a sweep: validate, expand into trials, store and enqueue them',
        description:
          'A list sweeps its values and a scalar is one value; for options whose value is itself a list (betas, milestones, ...) a list of numbers is one value and a list of lists sweeps. The grid is the union over optimizer entries of the product of their lists, times the scheduler entries, times the seeds. Trials with equal configs after defaults are merged.',
        body: withSearchSchema(createSweepSpecSchema({ workloads: context.workloads })),
        response: { 201: SweepCreated, ...errorResponses, 413: Type.Ref('ErrorResponse') },
        security: [{ bearerAuth: [] }],
      },
      // The spec validator gives better messages (closest names, cross-field rules, JSON pointers) than
      // Ajv on the generated schema, which stays for the documentation.
      validatorCompiler: () => (value) => ({ value }),
    },
    async (request, reply) => {
      const result = validateSearchSweepSpec(request.body, {
        workloads: context.workloads,
        maxTrials: config.maxTrials,
      });
      if (!result.ok) {
        const first = result.errors[0]!;
        const more = result.errors.length > 1 ? ` (and ${result.errors.length - 1} more)` : '';
        throw new HttpError(
          400,
          `invalid sweep spec: ${first.path || '/'}: ${first.message}${more}`,
          result.errors,
        );
      }
      const { spec, trials } = result;
      const client = await pool.connect();
      let sweepId: string;
      let trialIds: string[];
      try {
        await client.query('BEGIN');
        const inserted = await client.query<{ id: string }>(
          `INSERT INTO sweeps (name, spec, objective_metric, objective_mode, trial_count, pruner)
           VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
          [
            spec.name,
            JSON.stringify(request.body),
            spec.objective.metric,
            spec.objective.mode,
            trials.length,
            spec.pruner === null ? null : JSON.stringify(spec.pruner),
          ],
        );
        sweepId = inserted.rows[0]!.id;
        // one statement for every trial of the grid
        const rows = await client.query<{ id: string; index: number }>(
          `INSERT INTO trials (sweep_id, index, config, config_hash)
           SELECT $1::uuid, t.index, t.config, t.config_hash
           FROM unnest($2::int[], $3::jsonb[], $4::text[]) AS t(index, config, config_hash)
           RETURNING id, index`,
          [
            sweepId,
            trials.map((_, i) => i),
            trials.map((t) => JSON.stringify(t)),
            trials.map((t) => configHash(t)),
          ],
        );
        trialIds = new Array<string>(trials.length);
        for (const row of rows.rows) trialIds[row.index] = row.id;
        if (spec.search.type !== 'grid')
          await recordSearchSweep(client, sweepId, spec.search, result.budget, result.params);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      } finally {
        client.release();
      }
      try {
        // BullMQ waits for a reconnect rather than failing; a client should hear of an outage at once.
        await redisReady(redis, REDIS_READY_TIMEOUT_MS);
        await withTimeout(
          enqueueTrials(
            trialQueue,
            trialIds.map((trialId) => ({ trialId, sweepId })),
          ),
          ENQUEUE_TIMEOUT_MS,
          'enqueueing timed out',
        );
      } catch (error) {
        // Without its jobs the sweep would wait forever: take it back and say why.
        await prisma.sweep.delete({ where: { id: sweepId } }).catch(() => {});
        request.log.error({ err: error }, 'enqueue failed');
        throw new HttpError(
          503,
          `the trial queue is unavailable (${(error as Error).message}); nothing was stored`,
        );
      }
      return reply
        .status(201)
        .send({ id: sweepId, name: spec.name, status: 'queued', trialCount: result.budget });
    },
  );

  app.get(
    '/v1/sweeps',
    {
      schema: {
        tags: ['sweeps'],
        summary: 'List sweeps, newest first, with cursor pagination',
        querystring: Type.Object({
          status: Type.Optional(SweepStatus),
          limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
          cursor: Type.Optional(Type.String({ description: 'nextCursor of the previous page' })),
        }),
        response: {
          200: Type.Object({
            items: Type.Array(SweepSummary),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { status, limit, cursor } = request.query as { status?: string; limit: number; cursor?: string };
      const after = cursor ? decodeCursor(cursor) : undefined;
      const where: Prisma.SweepWhereInput = {
        ...(status ? { status: status as Prisma.SweepWhereInput['status'] } : {}),
        ...(after
          ? {
              OR: [
                { createdAt: { lt: after.createdAt } },
                { createdAt: after.createdAt, id: { lt: after.id } },
              ],
            }
          : {}),
      };
      const rows = await prisma.sweep.findMany({
        where,
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: limit + 1,
      });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        items: page.map(sweepSummaryView),
        nextCursor: rows.length > limit && last ? encodeCursor(last.createdAt, last.id) : null,
      };
    },
  );

  app.get(
    '/v1/sweeps/:id',
    {
      schema: {
        tags: ['sweeps'],
        summary: 'A sweep: status, trial counts per status, the best trial, timestamps',
        params: IdParams,
        response: { 200: SweepDetail, ...errorResponses },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const sweep = await prisma.sweep.findUnique({ where: { id } });
      if (!sweep) throw notFound('sweep', id);
      const [groups, best] = await Promise.all([
        prisma.trial.groupBy({ by: ['status'], where: { sweepId: id }, _count: { _all: true } }),
        prisma.trial.findFirst({
          where: { sweepId: id, bestValue: { not: null } },
          orderBy: [{ bestValue: orderFor(sweep.objectiveMode) }, { index: 'asc' }],
        }),
      ]);
      const counts = Object.fromEntries(trialStatuses.map((s) => [s, 0]));
      for (const group of groups) counts[group.status] = group._count._all;
      return { ...sweepSummaryView(sweep), counts, best: best ? trialView(best) : null, spec: sweep.spec };
    },
  );

  app.get(
    '/v1/sweeps/:id/trials',
    {
      schema: {
        tags: ['sweeps'],
        summary: "The leaderboard: trials sorted by the sweep's objective, best first",
        params: IdParams,
        querystring: Type.Object({
          status: Type.Optional(TrialStatus),
          limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
          offset: Type.Integer({ minimum: 0, default: 0 }),
        }),
        response: {
          200: Type.Object({
            objective: Objective,
            total: Type.Integer(),
            items: Type.Array(TrialSummary),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const { status, limit, offset } = request.query as { status?: string; limit: number; offset: number };
      const sweep = await prisma.sweep.findUnique({ where: { id } });
      if (!sweep) throw notFound('sweep', id);
      const where: Prisma.TrialWhereInput = {
        sweepId: id,
        ...(status ? { status: status as Prisma.TrialWhereInput['status'] } : {}),
      };
      const [total, trials] = await Promise.all([
        prisma.trial.count({ where }),
        prisma.trial.findMany({
          where,
          orderBy: [{ bestValue: { sort: orderFor(sweep.objectiveMode), nulls: 'last' } }, { index: 'asc' }],
          skip: offset,
          take: limit,
        }),
      ]);
      const now = Date.now();
      return {
        objective: { metric: sweep.objectiveMetric, mode: sweep.objectiveMode },
        total,
        items: trials.map((t) => trialView(t, now)),
      };
    },
  );

  app.post(
    '/v1/sweeps/:id/cancel',
    {
      schema: {
        tags: ['sweeps'],
        summary: 'Cancel a sweep: waiting trials never start, running ones stop within a few steps',
        params: IdParams,
        response: {
          202: Type.Object({
            id: Type.String({ format: 'uuid' }),
            status: SweepStatus,
            cancelledTrials: Type.Integer({ description: 'Waiting trials cancelled now' }),
            stoppingTrials: Type.Integer({
              description: 'Running trials told to stop; each turns cancelled once its worker has stopped it',
            }),
          }),
          ...errorResponses,
          409: Type.Ref('ErrorResponse'),
        },
        security: [{ bearerAuth: [] }],
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const sweep = await prisma.sweep.findUnique({ where: { id } });
      if (!sweep) throw notFound('sweep', id);
      if (sweep.status === 'completed' || sweep.status === 'failed') {
        const message = `sweep ${id} already ${sweep.status}; nothing to cancel`;
        throw new HttpError(409, message, [{ path: '/params/id', message: `the sweep is ${sweep.status}` }]);
      }
      const { cancelled, stopping } = await cancelSweep(context, id);
      return reply
        .status(202)
        .send({ id, status: 'cancelled', cancelledTrials: cancelled, stoppingTrials: stopping });
    },
  );

  app.delete(
    '/v1/sweeps/:id',
    {
      schema: {
        tags: ['sweeps'],
        summary: 'Delete a sweep with its trials and metrics (running trials are stopped first)',
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses },
        security: [{ bearerAuth: [] }],
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const sweep = await prisma.sweep.findUnique({ where: { id } });
      if (!sweep) throw notFound('sweep', id);
      if (sweep.status === 'queued' || sweep.status === 'running') await cancelSweep(context, id);
      await prisma.sweep.delete({ where: { id } }).catch((error: unknown) => {
        if ((error as { code?: string }).code !== 'P2025') throw error; // deleted meanwhile: fine
      });
      return reply.status(204).send();
    },
  );

  /** Marks the sweep and its waiting trials cancelled, tells workers, and drops waiting jobs. */
  /**
   * Marks the sweep and its waiting trials cancelled, tells the workers, and drops waiting jobs. Running
   * trials stay `running` until their worker has stopped them and written their last steps; it then
   * marks them cancelled, so a trial's status never claims more than has happened.
   */
  async function cancelSweep(ctx: ApiContext, id: string): Promise<{ cancelled: number; stopping: number }> {
    const { rows } = await ctx.pool.query<{ id: string; was: string }>(
      `WITH s AS (UPDATE sweeps SET status = 'cancelled', finished_at = now() WHERE id = $1 AND status IN ('queued', 'running')),
            waiting AS (UPDATE trials SET status = 'cancelled', finished_at = now()
                        WHERE sweep_id = $1 AND status = 'queued' RETURNING id, 'queued'::text AS was)
       SELECT id, was FROM waiting
       UNION ALL SELECT id, 'running' FROM trials WHERE sweep_id = $1 AND status = 'running'`,
      [id],
    );
    await redis.publish(cancelChannel(config.queuePrefix), id);
    await publishEvent(redis, config.queuePrefix, { type: 'sweep', sweepId: id, status: 'cancelled' });
    // Waiting jobs would be skipped by workers anyway; removing them keeps the queue depth honest.
    // Running jobs are locked and refuse removal: their workers stop them.
    const waiting = rows.filter((row) => row.was === 'queued');
    for (let i = 0; i < waiting.length; i += 500) {
      await Promise.allSettled(waiting.slice(i, i + 500).map((row) => trialQueue.remove(row.id)));
    }
    return { cancelled: waiting.length, stopping: rows.length - waiting.length };
  }
};
