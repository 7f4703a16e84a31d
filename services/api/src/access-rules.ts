import type { Access } from '@hypersweep/core';

/**
 * What the object an operation names is, where it names one: another project's is a 404 (never a 403).
 * `sweep`, `lr-range-test` and `trial` are checked for every request by the auth plugin (their `:id`);
 * `dataset`, `key` and `project` are looked up within the caller's project by their handlers (a dataset's name is
 * unique only within a project); `sweeps-query` is the `sweeps` list of GET /v1/benchmarks.
 */
export type Subject = 'sweep' | 'lr-range-test' | 'trial' | 'dataset' | 'key' | 'project' | 'sweeps-query';

export interface RouteRule {
  access: Access;
  subject?: Subject;
}

/**
 * Every operation of the API and what it needs (packages/core access.ts decides from the key). An operation
 * missing here fails at startup (plugins/auth.ts), and the authorization matrix test
 * (test/authorization-matrix.test.ts) checks every operation of the OpenAPI document against this table.
 */
export const routeRules: Record<string, RouteRule> = {
  'GET /health': { access: 'open' },
  'GET /ready': { access: 'open' },
  'GET /metrics': { access: 'open' },

  'GET /v1/catalog': { access: 'read' },
  'POST /v1/schedules/preview': { access: 'read' },

  'POST /v1/sweeps': { access: 'write' },
  'GET /v1/sweeps': { access: 'read' },
  'GET /v1/sweeps/:id': { access: 'read', subject: 'sweep' },
  'DELETE /v1/sweeps/:id': { access: 'write', subject: 'sweep' },
  'GET /v1/sweeps/:id/trials': { access: 'read', subject: 'sweep' },
  'POST /v1/sweeps/:id/cancel': { access: 'write', subject: 'sweep' },
  'POST /v1/sweeps/:id/extend': { access: 'write', subject: 'sweep' },
  'GET /v1/sweeps/:id/events': { access: 'read', subject: 'sweep' },
  'GET /v1/sweeps/:id/configs': { access: 'read', subject: 'sweep' },
  'GET /v1/sweeps/:id/effects': { access: 'read', subject: 'sweep' },
  'GET /v1/sweeps/:id/curves': { access: 'read', subject: 'sweep' },
  'GET /v1/sweeps/:id/benchmark': { access: 'read', subject: 'sweep' },
  'GET /v1/benchmarks': { access: 'read', subject: 'sweeps-query' },

  'GET /v1/trials/:id': { access: 'read', subject: 'trial' },
  'GET /v1/trials/:id/metrics': { access: 'read', subject: 'trial' },

  'POST /v1/sweeps/:id/claim': { access: 'write', subject: 'sweep' },
  'POST /v1/trials/:id/report': { access: 'write', subject: 'trial' },
  'POST /v1/trials/:id/finish': { access: 'write', subject: 'trial' },
  'POST /v1/trials/:id/hand-back': { access: 'write', subject: 'trial' },

  'POST /v1/datasets': { access: 'write' },
  'GET /v1/datasets': { access: 'read' },
  'GET /v1/datasets/:id': { access: 'read', subject: 'dataset' },
  'DELETE /v1/datasets/:id': { access: 'write', subject: 'dataset' },

  'POST /v1/lr-range-tests': { access: 'write' },
  'GET /v1/lr-range-tests/:id': { access: 'read', subject: 'lr-range-test' },

  'GET /v1/keys/me': { access: 'read' },
  'POST /v1/keys': { access: 'admin' },
  'GET /v1/keys': { access: 'admin' },
  'DELETE /v1/keys/:id': { access: 'admin', subject: 'key' },
  'GET /v1/audit': { access: 'admin' },
  'GET /v1/projects/:name/limits': { access: 'admin', subject: 'project' },
  'PUT /v1/projects/:name/limits': { access: 'global' },
};

/** The rule of a route (HEAD answers as its GET), or undefined for one without a rule. */
export function ruleOf(method: string, url: string): RouteRule | undefined {
  return routeRules[`${method === 'HEAD' ? 'GET' : method} ${url}`];
}
