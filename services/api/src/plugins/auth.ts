import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../errors.js';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const digest = (value: string) => createHash('sha256').update(value).digest();

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
    if (!MUTATING.has(request.method) || openRoutes.includes(request.routeOptions.url ?? '')) return;
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
