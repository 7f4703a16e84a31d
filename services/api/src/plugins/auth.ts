import { createHash, timingSafeEqual } from 'node:crypto';
import { allows, creationProject, isUuid, OPEN_PRINCIPAL, type Principal, sees } from '@hypersweep/core';
import { sweepProject, trialProject } from '@hypersweep/db';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type RouteRule, ruleOf } from '../access-rules.js';
import type { ApiContext } from '../context.js';
import { HttpError, notFound } from '../errors.js';
import { errorResponse } from '../schemas.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who made the request (plugins/auth.ts); OPEN_PRINCIPAL in open mode, undefined on open routes. */
    principal: Principal | undefined;
    /** The project of the sweep, lr range test or trial a change names (for the audit log). */
    subjectProject: string | undefined;
  }
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Changes the audit log leaves out: a preview stores nothing; reports are a trainer's metrics, each step. */
const UNAUDITED = new Set(['POST /v1/schedules/preview', 'POST /v1/trials/:id/report']);

const digest = (value: string) => createHash('sha256').update(value).digest();

/** The caller of a request past the auth hook (a route that is not open always has one). */
export function principalOf(request: FastifyRequest): Principal {
  return request.principal ?? OPEN_PRINCIPAL;
}

/** The project scope of what the caller may see: its project, or null (every project) for a global admin. */
export const scopeOf = (request: FastifyRequest): string | null => principalOf(request).project;

/** The project what the caller creates goes to. */
export const projectOfRequest = (request: FastifyRequest): string => creationProject(principalOf(request));

/**
 * Says in the OpenAPI document what the auth hook enforces, from the same table (access-rules.ts): an open
 * operation gets `security: []`, every other one `security: [{bearerAuth: []}]` with its 401 and 403
 * answers. A documented operation without a rule is an error at startup. Register before the routes.
 */
export function documentApiKeyAuth(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const schema = route.schema as
      | { hide?: boolean; security?: unknown; response?: Record<string, unknown>; description?: string }
      | undefined;
    if (schema === undefined || schema.hide) return;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method === 'HEAD') continue;
      const rule = ruleOf(method, route.url);
      if (rule === undefined)
        throw new Error(
          `${method} ${route.url} has no access rule: add it to services/api/src/access-rules.ts`,
        );
      if (rule.access === 'open') {
        schema.security = [];
      } else {
        schema.security = [{ bearerAuth: [] }];
        schema.response = {
          ...schema.response,
          401: errorResponse(401),
          403: errorResponse(403, `The key's role does not allow this: it needs a ${rule.access} key`),
        };
      }
    }
  });
}

/**
 * Who the request comes from. A key of API_KEYS is a global admin; a stored key (`hs_<id>_<secret>`) is
 * looked up on every request (nothing cached: a revoked key fails at once on every API process). With no
 * key in the environment and none ever stored, the service is open (OPEN_PRINCIPAL).
 */
async function authenticate(
  request: FastifyRequest,
  context: ApiContext,
  envDigests: readonly Buffer[],
): Promise<Principal> {
  const header = request.headers.authorization;
  const match = header === undefined ? null : /^Bearer\s+(.+)$/i.exec(header);
  if (match) {
    const key = match[1]!.trim();
    const presented = digest(key);
    const envIndex = envDigests.findIndex((d) => timingSafeEqual(d, presented));
    if (envIndex >= 0) return { keyId: `env${envIndex + 1}`, role: 'admin', project: null };
    const principal = await context.access.authenticate(key);
    if (principal) return principal;
    throw new HttpError(401, 'invalid API key (unknown, or revoked)', [
      { path: '/headers/authorization', message: 'invalid API key' },
    ]);
  }
  if (envDigests.length === 0 && !(await context.access.anyKeys())) return OPEN_PRINCIPAL;
  throw new HttpError(
    401,
    header === undefined
      ? 'this route needs Authorization: Bearer <API key>'
      : 'the Authorization header is not Bearer <API key>',
    [{ path: '/headers/authorization', message: 'missing bearer token' }],
  );
}

/** A sweep, lr range test or trial of another project is a 404, as if it did not exist. */
async function checkSubject(
  request: FastifyRequest,
  context: ApiContext,
  principal: Principal,
  rule: RouteRule,
): Promise<void> {
  const id = (request.params as { id?: string } | undefined)?.id;
  // A global admin sees everything: its changes are looked up for the audit log only.
  if (id === undefined || !isUuid(id)) return;
  const audited =
    MUTATING.has(request.method) && !UNAUDITED.has(`${request.method} ${request.routeOptions.url}`);
  if (principal.project === null && !audited) return;
  const { subject } = rule;
  const project =
    subject === 'sweep' || subject === 'lr-range-test'
      ? await sweepProject(context.pool, id)
      : subject === 'trial'
        ? await trialProject(context.pool, id)
        : null;
  if (project === null) return; // the handler answers its own 404
  if (!sees(principal, project))
    throw notFound(subject === 'lr-range-test' ? 'lr range test' : (subject ?? 'object'), id);
  request.subjectProject = project;
}

/**
 * Every request to an operation passes this hook: its rule (access-rules.ts) says what role it needs
 * (packages/core `allows`: 401 without a valid key once keys exist, 403 for a role below it) and which
 * object its path names (another project's is a 404). The dashboard's static files and Swagger UI's pages
 * (hidden routes) are open.
 */
export function installApiKeyAuth(app: FastifyInstance, context: ApiContext): void {
  const envDigests = context.config.apiKeys.map(digest);
  app.decorateRequest('principal', undefined);
  app.addHook('onRequest', async (request) => {
    const url = request.routeOptions.url;
    if (url === undefined) return; // no route: the 404 handler answers
    const rule = ruleOf(request.method, url);
    if (rule === undefined || rule.access === 'open') return; // hidden routes: static files and /docs
    const principal = await authenticate(request, context, envDigests);
    request.principal = principal;
    if (!allows(principal, rule.access)) {
      const message = `this ${principal.role} key cannot do this: ${request.method} ${url} needs a ${rule.access === 'global' ? 'global admin' : rule.access} key`;
      throw new HttpError(403, message, [{ path: '/headers/authorization', message }]);
    }
    await checkSubject(request, context, principal, rule);
  });
}

/**
 * Every change that succeeded (a 2xx to POST, PUT, PATCH or DELETE) as a row of the audit log: the key,
 * the project, the operation, its target (the path's id, or the `id` a creation answered) and the request
 * id. Written after the answer; a failed write is logged, never the request's failure.
 */
export function installAuditLog(app: FastifyInstance, context: ApiContext): void {
  const created = new WeakMap<FastifyRequest, string>();
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.method === 'POST' && reply.statusCode === 201 && typeof payload === 'string') {
      try {
        const id = (JSON.parse(payload) as { id?: unknown }).id;
        if (typeof id === 'string') created.set(request, id);
      } catch {
        // not JSON: no id to record
      }
    }
    return payload;
  });
  app.addHook('onResponse', async (request, reply) => {
    const url = request.routeOptions.url;
    if (!MUTATING.has(request.method) || url === undefined || reply.statusCode >= 300) return;
    const action = `${request.method} ${url}`;
    if (UNAUDITED.has(action) || ruleOf(request.method, url)?.access === 'open') return;
    // A claim answered 204 found nothing to claim (an agent polls): nothing changed.
    if (action === 'POST /v1/sweeps/:id/claim' && reply.statusCode === 204) return;
    const principal = principalOf(request);
    const params = request.params as { id?: string; name?: string } | undefined;
    const target = params?.id ?? params?.name ?? created.get(request) ?? null;
    await context.access
      .appendAudit({
        keyId: principal.keyId,
        project: request.subjectProject ?? creationProject(principal),
        action,
        target,
        status: reply.statusCode,
        requestId: request.id,
      })
      .catch((error) => request.log.warn({ err: error }, 'audit log: entry not written'));
  });
}
