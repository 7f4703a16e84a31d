import { type Access, allows, type Principal } from '@hypersweep/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ruleOf, type Subject } from '../src/access-rules.js';
import { startTestApi, type TestApi } from '../src/testing.js';

// Every operation of the OpenAPI document x every kind of caller, the expected class of answer derived from
// the rule table (access-rules.ts) and packages/core's `allows`, never from what the API happens to answer.
// An operation without a rule fails here (and at startup). Two projects, alpha and beta, each with a sweep,
// a trial, a dataset and an lr range test; the path of every operation names alpha's object.

// biome-ignore lint/suspicious/noExplicitAny: the OpenAPI document and the answers, walked as plain JSON
type Json = Record<string, any>;
type Caller = 'none' | 'read' | 'write' | 'admin' | 'other' | 'global';
const CALLERS: Caller[] = ['none', 'read', 'write', 'admin', 'other', 'global'];
const GLOBAL_KEY = 'matrix-global-admin-key';

/** The principal each caller stands for, as the rules see it (none: no key). */
const PRINCIPALS: Record<Caller, Principal | undefined> = {
  none: undefined,
  read: { keyId: 'r', role: 'read', project: 'alpha' },
  write: { keyId: 'w', role: 'write', project: 'alpha' },
  admin: { keyId: 'a', role: 'admin', project: 'alpha' },
  other: { keyId: 'o', role: 'admin', project: 'beta' },
  global: { keyId: 'g', role: 'admin', project: null },
};

type Expected = 'allowed' | 401 | 403 | 404;

/** What the rule table says a caller gets from an operation on alpha's object. */
function expected(access: Access, subject: Subject | undefined, caller: Caller): Expected {
  if (access === 'open') return 'allowed';
  const principal = PRINCIPALS[caller];
  if (principal === undefined) return 401;
  if (!allows(principal, access)) return 403;
  if (subject !== undefined && principal.project !== null && principal.project !== 'alpha') return 404;
  return 'allowed';
}

const spec = (name: string) => ({
  name,
  workload: 'rosenbrock',
  training: { epochs: 1 },
  optimizers: [{ type: 'SGD', lr: 0.0001 }],
});
const lrRangeTest = {
  workload: 'two-layer-regression',
  optimizer: { type: 'SGD' },
  start_lr: 1e-4,
  end_lr: 1,
  steps: 10,
};
let rows = 0;
/** A small CSV, each one different (a dataset's content is unique within its project). */
const csv = () => `x,y\n1,2\n2,3\n3,${++rows}\n`;

describe('authorization matrix: every operation x every kind of key', () => {
  let stack: TestApi;
  let base: string;
  const keys: Partial<Record<Caller, string>> = { global: GLOBAL_KEY };
  const objects: Record<'alpha' | 'beta', Record<'sweep' | 'trial' | 'dataset' | 'lrRangeTest', string>> = {
    alpha: { sweep: '', trial: '', dataset: '', lrRangeTest: '' },
    beta: { sweep: '', trial: '', dataset: '', lrRangeTest: '' },
  };
  let doc: Json;
  let seq = 0;

  const headersOf = (key: string | undefined): Record<string, string> =>
    key ? { authorization: `Bearer ${key}` } : {};
  const as = async (key: string | undefined, method: string, url: string, payload?: unknown) => {
    const res = await stack.app.inject({
      method: method as 'GET',
      url,
      headers: headersOf(key),
      ...(payload !== undefined && { payload: payload as Json }),
    });
    return res;
  };
  const upload = async (key: string, name: string) => {
    const res = await stack.app.inject({
      method: 'POST',
      url: `/v1/datasets?name=${name}`,
      headers: { ...headersOf(key), 'content-type': 'text/csv' },
      payload: csv(),
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as string;
  };
  const newKey = async (project: string, role: string) => {
    const res = await as(GLOBAL_KEY, 'POST', '/v1/keys', { project, role });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { key: string; id: string };
  };

  beforeAll(async () => {
    stack = await startTestApi({ env: { API_KEYS: GLOBAL_KEY } });
    base = await stack.app.listen({ port: 0, host: '127.0.0.1' });
    doc = stack.app.swagger() as Json;
    keys.read = (await newKey('alpha', 'read')).key;
    keys.write = (await newKey('alpha', 'write')).key;
    keys.admin = (await newKey('alpha', 'admin')).key;
    keys.other = (await newKey('beta', 'admin')).key;
    const betaWrite = (await newKey('beta', 'write')).key;
    for (const [project, key] of [
      ['alpha', keys.write],
      ['beta', betaWrite],
    ] as const) {
      const sweep = await as(key, 'POST', '/v1/sweeps', spec(`${project} sweep`));
      expect(sweep.statusCode, sweep.body).toBe(201);
      const trials = await as(key, 'GET', `/v1/sweeps/${sweep.json().id}/trials`);
      const test = await as(key, 'POST', '/v1/lr-range-tests', lrRangeTest);
      expect(test.statusCode, test.body).toBe(201);
      objects[project] = {
        sweep: sweep.json().id,
        trial: trials.json().items[0].id,
        // one name in both projects: names are unique within a project only
        dataset: await upload(key!, 'shared-name'),
        lrRangeTest: test.json().id,
      };
    }
  });
  afterAll(async () => {
    await stack?.close();
  });

  /** The id a path's `{id}` takes for this operation: alpha's object, a fresh one where the call deletes it. */
  async function idFor(method: string, subject: Subject | undefined): Promise<string> {
    const fresh = method === 'DELETE';
    switch (subject) {
      case 'sweep': {
        if (!fresh) return objects.alpha.sweep;
        const res = await as(keys.write, 'POST', '/v1/sweeps', spec(`doomed ${++seq}`));
        return res.json().id;
      }
      case 'trial':
        return objects.alpha.trial;
      case 'lr-range-test':
        return objects.alpha.lrRangeTest;
      case 'dataset':
        return fresh ? upload(keys.write!, `doomed-${++seq}`) : objects.alpha.dataset;
      case 'key':
        return (await newKey('alpha', 'read')).id;
      default:
        return '00000000-0000-4000-8000-000000000000';
    }
  }

  /** A request the operation accepts or refuses on its merits: its first example, a CSV, its required query. */
  function requestOf(op: Json) {
    const query = new URLSearchParams();
    for (const param of (op.parameters ?? []) as Json[]) {
      if (param.in !== 'query' || !param.required || param.schema?.default !== undefined) continue;
      query.set(param.name, param.name === 'sweeps' ? objects.alpha.sweep : `matrix-${++seq}`);
    }
    const content = (op.requestBody?.content ?? {}) as Json;
    const json = content['application/json'];
    const example = json?.examples ? (Object.values(json.examples)[0] as Json).value : undefined;
    return {
      query: query.size > 0 ? `?${query}` : '',
      payload: json ? (example ?? {}) : content['text/csv'] ? csv() : undefined,
      contentType: json ? 'application/json' : content['text/csv'] ? 'text/csv' : undefined,
    };
  }

  it('answers every operation as the rule table says, for every kind of caller', async () => {
    const failures: string[] = [];
    let cases = 0;
    for (const [path, item] of Object.entries(doc.paths as Json)) {
      for (const [method, op] of Object.entries(item as Json)) {
        const METHOD = method.toUpperCase();
        const rule = ruleOf(METHOD, path.replace('{id}', ':id').replace('{name}', ':name'));
        if (rule === undefined) {
          failures.push(`${METHOD} ${path}: no rule in access-rules.ts`);
          continue;
        }
        // The document states the same rule.
        expect(op.security, `${METHOD} ${path}`).toEqual(rule.access === 'open' ? [] : [{ bearerAuth: [] }]);
        const stream = Object.keys(op.responses?.['200']?.content ?? {}).includes('text/event-stream');
        for (const caller of CALLERS) {
          const want = expected(rule.access, rule.subject, caller);
          const id = await idFor(METHOD, rule.subject);
          const { query, payload, contentType } = requestOf(op);
          const url = `${path.replace('{id}', id).replace('{name}', 'alpha')}${query}`;
          let status: number;
          if (stream) {
            // An event stream answers its status, then stays open: read the status and leave.
            const abort = new AbortController();
            const res = await fetch(`${base}${url}`, {
              headers: headersOf(keys[caller]),
              signal: abort.signal,
            });
            status = res.status;
            abort.abort();
          } else {
            const res = await stack.app.inject({
              method: METHOD as 'GET',
              url,
              headers: { ...headersOf(keys[caller]), ...(contentType && { 'content-type': contentType }) },
              ...(payload !== undefined && {
                payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
              }),
            });
            status = res.statusCode;
          }
          cases++;
          const ok =
            want === 'allowed'
              ? status !== 401 &&
                status !== 403 &&
                !(rule.subject !== undefined && status === 404) &&
                status < 500
              : status === want;
          if (!ok) failures.push(`${METHOD} ${path} as ${caller}: ${status}, expected ${want}`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(cases).toBe(Object.values(doc.paths as Json).flatMap((item) => Object.keys(item)).length * 6);
  });

  it("lists only the caller's project: beta sees none of alpha's sweeps, lr range tests, datasets or keys", async () => {
    const sweepsOf = async (key: string | undefined) =>
      ((await as(key, 'GET', '/v1/sweeps?limit=100')).json().items as Json[]).map((s) => s.id);
    expect(await sweepsOf(keys.read)).toContain(objects.alpha.sweep);
    expect(await sweepsOf(keys.read)).not.toContain(objects.beta.sweep);
    expect(await sweepsOf(keys.other)).toContain(objects.beta.sweep);
    expect(await sweepsOf(keys.other)).not.toContain(objects.alpha.sweep);
    expect(await sweepsOf(GLOBAL_KEY)).toEqual(
      expect.arrayContaining([objects.alpha.sweep, objects.beta.sweep]),
    );

    const datasetsOf = async (key: string | undefined) =>
      ((await as(key, 'GET', '/v1/datasets')).json().items as Json[]).map((d) => d.id);
    expect(await datasetsOf(keys.other)).toContain(objects.beta.dataset);
    expect(await datasetsOf(keys.other)).not.toContain(objects.alpha.dataset);
    // the name both projects use finds each caller's own dataset
    expect((await as(keys.read, 'GET', '/v1/datasets/shared-name')).json().id).toBe(objects.alpha.dataset);
    expect((await as(keys.other, 'GET', '/v1/datasets/shared-name')).json().id).toBe(objects.beta.dataset);

    const keyProjects = ((await as(keys.other, 'GET', '/v1/keys')).json().items as Json[]).map(
      (k) => k.project,
    );
    expect(new Set(keyProjects)).toEqual(new Set(['beta']));
    const profile = await as(keys.other, 'GET', `/v1/benchmarks?sweeps=${objects.alpha.sweep}`);
    expect(profile.statusCode).toBe(404);
  });

  it('a sweep spec names only datasets of its own project', async () => {
    const model = {
      name: 'model on beta data',
      workload: {
        dataset: { id: objects.beta.dataset, target: 'y' },
        model: [{ type: 'Linear', out_features: 1 }],
        loss: { type: 'MSELoss' },
      },
      training: { epochs: 1, batchSize: 2 },
      optimizers: [{ type: 'SGD', lr: 0.01 }],
    };
    const refused = await as(keys.write, 'POST', '/v1/sweeps', model);
    expect(refused.statusCode, refused.body).toBe(400);
    expect(refused.body).toContain(objects.beta.dataset);
    const accepted = await as(keys.write, 'POST', '/v1/sweeps', {
      ...model,
      workload: { ...model.workload, dataset: { id: 'shared-name', target: 'y' } },
    });
    expect(accepted.statusCode, accepted.body).toBe(201);
  });

  it('a revoked key stops working at its next request; the audit log names who changed what', async () => {
    const { key, id } = await newKey('alpha', 'write');
    expect((await as(key, 'GET', '/v1/keys/me')).json()).toMatchObject({
      id,
      project: 'alpha',
      role: 'write',
    });
    const revoked = await as(keys.admin, 'DELETE', `/v1/keys/${id}`);
    expect(revoked.statusCode, revoked.body).toBe(200);
    expect(revoked.json().revokedAt).not.toBeNull();
    expect((await as(key, 'GET', '/v1/sweeps')).statusCode).toBe(401);

    // the entry is written once the answer has gone (onResponse): wait for it, not for a guessed time
    let audit: Json[] = [];
    for (let tries = 0; tries < 200; tries++) {
      audit = (await as(keys.admin, 'GET', '/v1/audit?limit=1000')).json().items as Json[];
      if (audit.some((e) => e.action === 'DELETE /v1/keys/:id' && e.target === id)) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(audit.find((e) => e.action === 'DELETE /v1/keys/:id' && e.target === id)).toMatchObject({
      project: 'alpha',
      status: 200,
      keyId: keys.admin!.slice(3, 11),
    });
    expect(
      audit.find((e) => e.action === 'POST /v1/sweeps' && e.target === objects.alpha.sweep),
    ).toBeDefined();
    expect(audit.every((e) => e.project === 'alpha')).toBe(true);
    expect(
      (await as(keys.other, 'GET', '/v1/audit?limit=1000'))
        .json()
        .items.every((e: Json) => e.project === 'beta'),
    ).toBe(true);
  });
});
