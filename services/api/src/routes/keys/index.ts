import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { managesKeysOf } from '@hypersweep/core';
import type { ApiKeyInfo } from '@hypersweep/db';
import { HttpError, notFound } from '../../errors.js';
import { principalOf, scopeOf } from '../../plugins/auth.js';
import {
  auditSchema,
  createKeySchema,
  getLimitsSchema,
  keyMeSchema,
  listKeysSchema,
  revokeKeySchema,
  setLimitsSchema,
} from './schemas.js';

const keyView = (info: ApiKeyInfo) => ({
  ...info,
  createdAt: info.createdAt.toISOString(),
  lastUsedAt: info.lastUsedAt?.toISOString() ?? null,
  revokedAt: info.revokedAt?.toISOString() ?? null,
});

/** POST, GET /v1/keys, DELETE /v1/keys/:id, GET /v1/keys/me and GET /v1/audit (issue 23). */
export const keyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { access } = app.hypersweep;

  app.post('/v1/keys', { schema: createKeySchema }, async (request, reply) => {
    const principal = principalOf(request);
    const project = request.body.project ?? principal.project ?? 'default';
    if (!managesKeysOf(principal, project)) {
      const message = `an admin key of project ${principal.project} manages only that project's keys`;
      throw new HttpError(403, message, [{ path: '/project', message }]);
    }
    request.subjectProject = project;
    const { key, info } = await access.createKey({ project, role: request.body.role });
    return reply.status(201).send({ key, ...keyView(info) });
  });

  app.get('/v1/keys', { schema: listKeysSchema }, async (request) => ({
    items: (await access.listKeys(scopeOf(request))).map(keyView),
  }));

  app.delete('/v1/keys/:id', { schema: revokeKeySchema }, async (request) => {
    const { id } = request.params;
    const key = await access.getKey(id);
    // Another project's key is not found, as if it did not exist.
    if (key === null || !managesKeysOf(principalOf(request), key.project)) throw notFound('key', id);
    request.subjectProject = key.project ?? 'default';
    return keyView((await access.revokeKey(id))!);
  });

  app.get('/v1/keys/me', { schema: keyMeSchema }, async (request) => {
    const principal = principalOf(request);
    return {
      id: principal.keyId,
      project: principal.project,
      role: principal.role,
      open: principal.open === true,
    };
  });

  const limitsView = async (project: string) => ({
    project,
    limits: { ...app.hypersweep.config.limits, ...(await access.projectLimits(project)) },
    overrides: await access.projectLimits(project),
  });

  app.get('/v1/projects/:name/limits', { schema: getLimitsSchema }, async (request) => {
    const { name } = request.params;
    const scope = scopeOf(request);
    if (scope !== null && scope !== name)
      throw new HttpError(404, `project ${name} not found`, [
        { path: '/params/name', message: 'no project of this key has this name' },
      ]);
    return limitsView(name);
  });

  app.put('/v1/projects/:name/limits', { schema: setLimitsSchema }, async (request) => {
    const { name } = request.params;
    request.subjectProject = name;
    await access.setProjectLimits(name, request.body);
    app.limitsOf.forget(name);
    return limitsView(name);
  });

  app.get('/v1/audit', { schema: auditSchema }, async (request) => {
    const { limit, before } = request.query;
    const entries = await access.listAudit(scopeOf(request), { limit, ...(before ? { before } : {}) });
    return { items: entries.map((entry) => ({ ...entry, at: entry.at.toISOString() })) };
  });
};
