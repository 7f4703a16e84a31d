import { PROJECT_NAME, roles } from '@hypersweep/core';
import { Type } from 'typebox';
import { errorResponses, STORE_ERRORS } from '../../schemas.js';

const Role = Type.Union([Type.Literal(roles[0]), Type.Literal(roles[1]), Type.Literal(roles[2])], {
  description: 'read: read only; write: also create, change, delete; admin: also manage keys',
});
const NullableDate = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);
const Project = Type.String({
  pattern: PROJECT_NAME.source,
  description: 'Lower-case letters, digits, - and _',
});

const ApiKeyInfo = Type.Object({
  id: Type.String({ description: 'The 8 characters after `hs_`' }),
  prefix: Type.String({ description: 'What the key starts with (`hs_<id>_`)' }),
  project: Type.Union([Type.String(), Type.Null()], { description: 'null: a global admin' }),
  role: Role,
  createdAt: Type.String({ format: 'date-time' }),
  lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'Updated at most once a minute',
  }),
  revokedAt: NullableDate,
});

export const createKeySchema = {
  operationId: 'createKey',
  tags: ['access'],
  summary: 'Create an API key of a project (a project is created by its first key); the key is shown once',
  description:
    "An admin key creates keys of its own project; a global admin (API_KEYS, or a key without a project) of any project, creating the project with its first key. Leave project out for the caller's project (`default` for a global admin). Only the key's sha256 is stored: the answer is the one time the key is shown.",
  body: Type.Object({ project: Type.Optional(Project), role: Role }, { additionalProperties: false }),
  response: {
    201: Type.Object({
      key: Type.String({ description: 'hs_<id>_<secret>: shown once' }),
      ...ApiKeyInfo.properties,
    }),
    ...errorResponses([400, 415, ...STORE_ERRORS]),
  },
};

export const listKeysSchema = {
  operationId: 'listKeys',
  tags: ['access'],
  summary: "The keys of the caller's project (a global admin: every key), newest first, without secrets",
  response: { 200: Type.Object({ items: Type.Array(ApiKeyInfo) }), ...errorResponses([...STORE_ERRORS]) },
};

export const revokeKeySchema = {
  operationId: 'revokeKey',
  tags: ['access'],
  summary: 'Revoke a key: it stops working at once, on every API process',
  params: Type.Object({
    id: Type.String({ pattern: '^[a-z0-9]{8}$', description: 'The key id (`keys ls`)' }),
  }),
  response: {
    200: ApiKeyInfo,
    ...errorResponses([400, 404, ...STORE_ERRORS], { 404: "No key of the caller's project has this id" }),
  },
};

export const keyMeSchema = {
  operationId: 'getKeyMe',
  tags: ['access'],
  summary: 'The key of the request: its project and role (the dashboard hides what the role cannot do)',
  response: {
    200: Type.Object({
      id: Type.Union([Type.String(), Type.Null()], { description: 'null in open mode' }),
      project: Type.Union([Type.String(), Type.Null()], { description: 'null: every project' }),
      role: Role,
      open: Type.Boolean({ description: 'Open mode: no key exists, everything is allowed' }),
    }),
    ...errorResponses([...STORE_ERRORS]),
  },
};

const LimitValue = (description: string) => Type.Integer({ minimum: 1, description });
const LimitFields = {
  requestsPerSecond: LimitValue('Requests per second per key (RATE_LIMIT_PER_SECOND)'),
  activeTrials: LimitValue('Queued plus running trials of the project (PROJECT_MAX_ACTIVE_TRIALS)'),
  datasetBytes: LimitValue("Bytes of the project's datasets together (PROJECT_MAX_DATASET_BYTES)"),
  eventStreams: LimitValue('Event streams one key holds open at once (MAX_EVENT_STREAMS_PER_KEY)'),
};
const ProjectParams = Type.Object({ name: Project });
const Limits = Type.Object({
  project: Type.String(),
  limits: Type.Object(LimitFields, { description: 'In effect: the defaults with the overrides on top' }),
  overrides: Type.Partial(Type.Object(LimitFields), { description: "The project's own values" }),
});

export const getLimitsSchema = {
  operationId: 'getProjectLimits',
  tags: ['access'],
  summary: "A project's limits: those in effect and its own overrides of the defaults",
  params: ProjectParams,
  response: {
    200: Limits,
    ...errorResponses([400, 404, ...STORE_ERRORS], { 404: 'No project of the caller has this name' }),
  },
};

export const setLimitsSchema = {
  operationId: 'setProjectLimits',
  tags: ['access'],
  summary:
    "Set a project's overrides of the default limits (global admins); a limit left out takes the default",
  params: ProjectParams,
  body: Type.Partial(Type.Object(LimitFields), { additionalProperties: false }),
  response: { 200: Limits, ...errorResponses([400, 415, ...STORE_ERRORS]) },
};

const AuditEntry = Type.Object({
  id: Type.Integer(),
  at: Type.String({ format: 'date-time' }),
  keyId: Type.Union([Type.String(), Type.Null()], {
    description: 'The key (envN: the Nth of API_KEYS; null: open mode)',
  }),
  project: Type.String(),
  action: Type.String({ description: 'Method and route, e.g. `DELETE /v1/sweeps/:id`' }),
  target: Type.Union([Type.String(), Type.Null()], {
    description: 'The id in the path, or what was created',
  }),
  status: Type.Integer({ description: 'The status code of the answer' }),
  requestId: Type.String(),
});

export const auditSchema = {
  operationId: 'listAudit',
  tags: ['access'],
  summary:
    "Every change made through the API (who, project, what, target, when), newest first: the caller's project, or every project for a global admin",
  querystring: Type.Object(
    {
      limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
      before: Type.Optional(
        Type.Integer({ minimum: 1, description: 'Entries with a smaller id (the next page)' }),
      ),
    },
    { additionalProperties: false },
  ),
  response: {
    200: Type.Object({ items: Type.Array(AuditEntry) }),
    ...errorResponses([400, ...STORE_ERRORS]),
  },
};
