import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { pingPostgres } from '@hypersweep/db';
import { redisReady } from '@hypersweep/queue';
import { Type } from 'typebox';
import { withTimeout } from '../with-timeout.js';

const Check = Type.Object({ ok: Type.Boolean(), error: Type.Optional(Type.String()) });
const Ready = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('unavailable')]),
  postgres: Check,
  redis: Check,
});

async function probe(
  run: () => Promise<unknown>,
  timeoutMs = 2000,
): Promise<{ ok: boolean; error?: string }> {
  try {
    await withTimeout(run(), timeoutMs, `no answer within ${timeoutMs} ms`);
    return { ok: true };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const context = app.hypersweep;
  app.get(
    '/health',
    {
      schema: {
        tags: ['health'],
        summary: 'Liveness: the process answers',
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/ready',
    {
      schema: {
        tags: ['health'],
        summary: 'Readiness: Postgres and Redis answer (503 naming the store that does not)',
        response: { 200: Ready, 503: Ready },
      },
    },
    async (_request, reply) => {
      const [postgres, redis] = await Promise.all([
        probe(() => pingPostgres(context.pool)),
        probe(async () => {
          // the API's connection has no offline queue: wait for it to be up before asking
          await redisReady(context.redis, 1500);
          await context.redis.ping();
        }),
      ]);
      const ok = postgres.ok && redis.ok;
      return reply.status(ok ? 200 : 503).send({ status: ok ? 'ready' : 'unavailable', postgres, redis });
    },
  );
};
