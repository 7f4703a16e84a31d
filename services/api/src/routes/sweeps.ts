import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  cancelSweep,
  countTrials,
  countTrialsByStatus,
  deleteSweep,
  insertSweep,
  listSweeps,
  listTrialsByObjective,
} from '@hypersweep/db';
import { cancelChannel, enqueueTrials, publishEvent, redisReady } from '@hypersweep/queue';
import {
  configHash,
  createSweepSpecSchema,
  trialStatuses,
  validateSearchSweepSpec,
  withSearchSchema,
} from '@hypersweep/spec';
import { Type } from 'typebox';
import { type ApiContext, sweepOr404 } from '../context.js';
import { HttpError } from '../errors.js';
import {
  errorResponses,
  IdParams,
  NullableDate,
  Objective,
  SearchSettings,
  StringEnum,
  SweepStatus,
  TrialStatus,
  TrialSummary,
} from '../schemas.js';
import { sweepSummaryView, trialView } from '../views.js';
import { withTimeout } from '../with-timeout.js';
import { sendTrialsCsv } from './compare.js';

const SweepCreated = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  status: SweepStatus,
  trialCount: Type.Integer({
    description:
      'Trials after expansion and merging of equal configs; for random / tpe, every trial the sweep will run (configs x seeds)',
  }),
  enqueued: Type.Boolean({
    description:
      "false when the sweep was stored but the trial queue (Redis) could not take its trials: they are enqueued by the workers' reconciler once the queue is back, nothing is lost",
  }),
  note: Type.Optional(Type.String({ description: 'Why enqueued is false' })),
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
  search: SearchSettings,
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

const ENQUEUE_TIMEOUT_MS = 5_000;
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

export const sweepRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const context = app.hypersweep;
  const { pool, trialQueue, redis, config } = context;

  app.post(
    '/v1/sweeps',
    {
      schema: {
        tags: ['sweeps'],
        summary: 'Submit a sweep: validate, expand into trials, store and enqueue them',
        description:
          'A list sweeps its values and a scalar is one value; for options whose value is itself a list (betas, milestones, ...) a list of numbers is one value and a list of lists sweeps. The grid is the union over optimizer entries of the product of their lists, times the scheduler entries, times the seeds. Trials with equal configs after defaults are merged. Postgres is the source of truth: once the sweep is stored the answer is 201, also when the trial queue (Redis) is down; then `enqueued` is false and the workers enqueue the trials when the queue is back.',
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
      const { sweepId, trialIds } = await insertSweep(pool, {
        name: spec.name,
        spec: request.body,
        objective: spec.objective,
        pruner: spec.pruner,
        // A random / tpe sweep stores its settings and budget; its first configs are created now, the
        // rest by the workers as trials end.
        search: spec.search.type === 'grid' ? null : spec.search,
        trialCount: result.budget,
        trials: trials.map((config, i) => ({
          config,
          configHash: configHash(config),
          params: result.params[i] ?? null,
        })),
      });
      // Fault tests only: die between the commit and the enqueue, as a crash there would.
      if (process.env.HYPERSWEEP_TEST_KILL_AFTER_COMMIT === '1') process.kill(process.pid, 'SIGKILL');
      const created = { id: sweepId, name: spec.name, status: 'queued' as const, trialCount: result.budget };
      try {
        // BullMQ waits for a reconnect rather than failing; a client should hear at once.
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
        request.log.warn({ err: error, sweepId }, 'sweep stored but not enqueued; the reconciler will');
        return reply.status(201).send({
          ...created,
          enqueued: false,
          note: `stored; the trial queue is unavailable (${(error as Error).message}): the workers enqueue its trials when it is back`,
        });
      }
      return reply.status(201).send({ ...created, enqueued: true });
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
      const { status, limit, cursor } = request.query;
      const after = cursor ? decodeCursor(cursor) : undefined;
      const rows = await listSweeps(pool, {
        limit: limit + 1,
        ...(status ? { status } : {}),
        ...(after ? { after } : {}),
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
      const sweep = await sweepOr404(context, request.params.id);
      const [byStatus, top] = await Promise.all([
        countTrialsByStatus(pool, sweep.id),
        listTrialsByObjective(pool, sweep.id, { mode: sweep.objectiveMode, limit: 1, offset: 0 }),
      ]);
      const counts = Object.fromEntries(trialStatuses.map((s) => [s, byStatus[s] ?? 0]));
      const best = top[0]?.bestValue != null ? trialView(top[0]) : null;
      return { ...sweepSummaryView(sweep), counts, best, spec: sweep.spec };
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
          format: StringEnum(['json', 'csv'] as const, {
            default: 'json',
            description: 'csv: the same rows with one column per swept option',
          }),
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
    async (request, reply) => {
      const { status, limit, offset, format } = request.query;
      const sweep = await sweepOr404(context, request.params.id);
      if (format === 'csv') return sendTrialsCsv(context, reply, sweep, { status, limit, offset });
      const [total, trials] = await Promise.all([
        countTrials(pool, sweep.id, status),
        listTrialsByObjective(pool, sweep.id, {
          mode: sweep.objectiveMode,
          limit,
          offset,
          ...(status ? { status } : {}),
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
      const { id } = request.params;
      const sweep = await sweepOr404(context, id);
      if (sweep.status === 'completed' || sweep.status === 'failed') {
        const message = `sweep ${id} already ${sweep.status}; nothing to cancel`;
        throw new HttpError(409, message, [{ path: '/params/id', message: `the sweep is ${sweep.status}` }]);
      }
      const { cancelled, stopping } = await cancelAndTell(context, id, request.log);
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
      const sweep = await sweepOr404(context, request.params.id);
      if (sweep.status === 'queued' || sweep.status === 'running')
        await cancelAndTell(context, sweep.id, request.log);
      await deleteSweep(pool, sweep.id); // false when deleted meanwhile: fine
      return reply.status(204).send(null);
    },
  );
};

/**
 * Cancels the sweep in Postgres (the source of truth), then tells the workers and drops the waiting
 * jobs. Redis being down does not stop a cancel: workers also see it in Postgres at their next progress
 * write, and the jobs of cancelled trials are skipped when they come up.
 */
async function cancelAndTell(
  context: ApiContext,
  id: string,
  log: { warn(obj: unknown, msg: string): void },
): Promise<{ cancelled: number; stopping: number }> {
  const { config, redis, trialQueue } = context;
  const { cancelledTrialIds, runningTrials } = await cancelSweep(context.pool, id);
  try {
    await redis.publish(cancelChannel(config.queuePrefix), id);
    await publishEvent(redis, config.queuePrefix, { type: 'sweep', sweepId: id, status: 'cancelled' });
    // Waiting jobs would be skipped by workers anyway; removing them keeps the queue depth honest.
    // Running jobs are locked and refuse removal: their workers stop them.
    for (let i = 0; i < cancelledTrialIds.length; i += 500) {
      await Promise.allSettled(
        cancelledTrialIds.slice(i, i + 500).map((trialId) => trialQueue.remove(trialId)),
      );
    }
  } catch (error) {
    log.warn({ err: error, sweepId: id }, 'cancelled in Postgres; Redis did not take the notice');
  }
  return { cancelled: cancelledTrialIds.length, stopping: runningTrials };
}
