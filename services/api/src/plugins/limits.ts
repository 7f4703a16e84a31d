import rateLimit from '@fastify/rate-limit';
import { unfinishedTrialStatuses } from '@hypersweep/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LIMIT_ENV, type ProjectLimits } from '../config.js';
import type { ApiContext } from '../context.js';
import { HttpError } from '../errors.js';
import { principalOf, projectOfRequest } from './auth.js';

/** How long one API process keeps a project's limit overrides before reading them again. */
const OVERRIDES_TTL_MS = 5_000;

/** A 429 naming the limit, its value and the project: a client can tell what to change or whom to ask. */
export function overLimit(
  limit: keyof ProjectLimits,
  value: number,
  project: string,
  detail: string,
): HttpError {
  const message = `project ${project} is over its limit ${LIMIT_ENV[limit]}=${value} (${limit}): ${detail}`;
  return new HttpError(429, message, [{ path: '', message }]);
}

/**
 * A project's limits: the env's defaults with the project's overrides (projects.limits) on top, the overrides
 * cached for OVERRIDES_TTL_MS per process (a change reaches the other API processes within that time; the
 * process that made it forgets its copy at once).
 */
export function projectLimits(context: ApiContext) {
  const cache = new Map<string, { at: number; limits: ProjectLimits }>();
  const limitsOf = async (project: string): Promise<ProjectLimits> => {
    const hit = cache.get(project);
    if (hit && Date.now() - hit.at < OVERRIDES_TTL_MS) return hit.limits;
    const overrides = await context.access.projectLimits(project);
    const limits = { ...context.config.limits, ...overrides };
    cache.set(project, { at: Date.now(), limits });
    return limits;
  };
  return Object.assign(limitsOf, { forget: (project: string) => cache.delete(project) });
}

export type LimitsOf = ReturnType<typeof projectLimits>;

declare module 'fastify' {
  interface FastifyInstance {
    /** The limits of a project (plugins/limits.ts). */
    limitsOf: LimitsOf;
  }
}

/**
 * Requests per second per key with @fastify/rate-limit on the API's Redis (one count per key across every
 * API process), after the auth hook so the key is known: 429 with Retry-After past the project's
 * requestsPerSecond. Open mode and the open routes (health, readiness, metrics) are not limited.
 */
export async function installLimits(app: FastifyInstance, context: ApiContext): Promise<void> {
  const limitsOf = projectLimits(context);
  app.decorate('limitsOf', limitsOf);
  const projectOf = (request: FastifyRequest) => principalOf(request).project ?? 'global';
  await app.register(rateLimit, {
    global: true,
    hook: 'preHandler',
    timeWindow: 1000,
    redis: context.redis,
    nameSpace: `${context.config.queuePrefix}:rate:`,
    // Redis down: requests go on unlimited rather than failing (readiness reports Redis).
    skipOnError: true,
    keyGenerator: (request) => principalOf(request).keyId ?? request.ip,
    allowList: (request) => request.principal === undefined || request.principal.keyId === null,
    max: async (request) => (await limitsOf(projectOf(request))).requestsPerSecond,
    errorResponseBuilder: (request, { max, after }) =>
      overLimit(
        'requestsPerSecond',
        max,
        projectOf(request),
        `too many requests from this key; retry in ${after}`,
      ),
  });
}

/** Queued plus running trials of a project's sweeps. */
async function activeTrials(context: ApiContext, project: string): Promise<number> {
  const { rows } = await context.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM trials t JOIN sweeps s ON s.id = t.sweep_id
     WHERE s.project = $1 AND t.status::text = ANY($2::text[])`,
    [project, [...unfinishedTrialStatuses]],
  );
  return rows[0]!.n;
}

/** Before a sweep or lr range test is stored: a 429 when its trials would take the project past activeTrials. */
export async function checkActiveTrials(
  app: FastifyInstance,
  request: FastifyRequest,
  adding: number,
): Promise<void> {
  const project = projectOfRequest(request);
  const { activeTrials: limit } = await app.limitsOf(project);
  const active = await activeTrials(app.hypersweep, project);
  if (active + adding > limit)
    throw overLimit(
      'activeTrials',
      limit,
      project,
      `${active} trials are queued or running and this adds ${adding}; wait for some to end or cancel a sweep`,
    );
}

/** The bytes a project's next upload may still take (datasetBytes less what its datasets hold), or a 429. */
export async function datasetBytesLeft(app: FastifyInstance, request: FastifyRequest): Promise<number> {
  const project = projectOfRequest(request);
  const { datasetBytes: limit } = await app.limitsOf(project);
  const { rows } = await app.hypersweep.pool.query<{ bytes: number }>(
    'SELECT coalesce(sum(bytes), 0)::float8 AS bytes FROM datasets WHERE project = $1',
    [project],
  );
  const left = limit - rows[0]!.bytes;
  if (left <= 0)
    throw overLimit(
      'datasetBytes',
      limit,
      project,
      `its datasets hold ${rows[0]!.bytes} bytes; delete one first`,
    );
  return left;
}

/**
 * Holds one of the key's event streams (a Redis counter per key, shared by every API process) or answers
 * 429 past eventStreams; the returned function gives it back when the stream closes.
 */
export async function holdEventStream(app: FastifyInstance, request: FastifyRequest): Promise<() => void> {
  const { keyId } = principalOf(request);
  if (keyId === null) return () => {};
  const project = principalOf(request).project ?? 'global';
  const { eventStreams: limit } = await app.limitsOf(project);
  const { redis, config } = app.hypersweep;
  const counter = `${config.queuePrefix}:streams:${keyId}`;
  const held = await redis.incr(counter).catch(() => null);
  if (held === null) return () => {}; // Redis down: the stream itself answers 503
  // A crashed process never gives its streams back: the counter lapses an hour after its last change.
  await redis.expire(counter, 3600).catch(() => {});
  const release = () => {
    redis.decr(counter).catch(() => {});
  };
  if (held > limit) {
    release();
    throw overLimit('eventStreams', limit, project, `this key holds ${held - 1} event streams open already`);
  }
  return release;
}
