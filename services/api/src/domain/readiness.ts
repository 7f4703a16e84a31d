import { pingPostgres } from '@hypersweep/db';
import { redisReady, withTimeout } from '@hypersweep/queue';
import type { ApiContext } from '../context.js';

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

/** GET /ready: whether Postgres and Redis answer, each with its error when it does not. */
export async function readiness(context: ApiContext) {
  const [postgres, redis] = await Promise.all([
    probe(() => pingPostgres(context.pool)),
    probe(async () => {
      // the API's connection has no offline queue: wait for it to be up before asking
      await redisReady(context.redis, 1500);
      await context.redis.ping();
    }),
  ]);
  const ok = postgres.ok && redis.ok;
  return { ok, body: { status: ok ? ('ready' as const) : ('unavailable' as const), postgres, redis } };
}
