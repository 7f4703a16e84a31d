import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../errors.js';
import { errorResponse } from '../schemas.js';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const digest = (value: string) => createHash('sha256').update(value).digest();

/** Whether a route needs `Authorization: Bearer <key>` when the server runs with API_KEYS. */
export const needsApiKey = (method: string, url: string, openRoutes: readonly string[]) =>
  MUTATING.has(method) && !openRoutes.includes(url);

/**
 * Says in the OpenAPI document what installApiKeyAuth enforces, from the same rule (needsApiKey), whatever
 * API_KEYS is: a guarded operation gets `security: [{bearerAuth: []}]` and its 401 answer, every other one
 * an explicit `security: []`. Register it before the routes.
 */
export function documentApiKeyAuth(app: FastifyInstance, openRoutes: readonly string[]): void {
  app.addHook('onRoute', (route) => {
    const schema = route.schema as
      | { hide?: boolean; security?: unknown; response?: Record<string, unknown> }
      | undefined;
    if (schema === undefined || schema.hide) return;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (methods.some((method) => needsApiKey(method, route.url, openRoutes))) {
      schema.security = [{ bearerAuth: [] }];
      schema.response = { ...schema.response, 401: errorResponse(401) };
    } else schema.security = [];
  });
}

/**
 * With API_KEYS set, every mutating route needs `Authorization: Bearer <key>`; reads stay open.
 * Keys are compared as sha256 digests in constant time. The schedule preview computes and stores
 * nothing, so it stays open like the reads.
 */
export function installApiKeyAuth(
  app: FastifyInstance,
  keys: readonly string[],
  openRoutes: readonly string[],
): void {
  if (keys.length === 0) return;
  const digests = keys.map(digest);
  app.addHook('onRequest', async (request) => {
    if (!needsApiKey(request.method, request.routeOptions.url ?? '', openRoutes)) return;
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    const presented = match ? digest(match[1]!.trim()) : undefined;
    if (!presented || !digests.some((d) => timingSafeEqual(d, presented))) {
      throw new HttpError(
        401,
        match ? 'invalid API key' : 'this route needs Authorization: Bearer <API key>',
        [{ path: '/headers/authorization', message: match ? 'invalid API key' : 'missing bearer token' }],
      );
    }
  });
}
