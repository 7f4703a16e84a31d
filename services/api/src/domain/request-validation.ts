import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import {
  type DatasetLookup,
  datasetLookup,
  datasetReferences,
  type SubmittedSweepValidation,
  validateSubmittedSweep,
} from '@hypersweep/spec';
import type { FastifyRequest, FastifySchemaCompiler } from 'fastify';
import type { TSchema } from 'typebox';
import type { ApiContext } from '../context.js';
import { type ErrorDetail, HttpError, invalidRequest } from '../errors.js';
import { projectOfRequest } from '../plugins/auth.js';

// The two bodies Ajv does not check. A sweep spec (and the entries an extension adds) is checked by
// packages/spec's validator, whose errors name the closest valid option, the cross-field rules and the
// JSON pointer of every problem; Ajv on the generated schema says less and says it worse. The generated
// schema stays on the route for the OpenAPI document.

/** A body check: the body to hand on, or the 400 to answer instead. */
export type BodyCheck = (body: unknown) => { value: unknown } | { error: HttpError };

/**
 * A route-level validatorCompiler: the body through `check`, the other parts (path params) through
 * TypeBox's compiler of their schema, whose Ajv-shaped errors the error handler renders as Ajv's.
 */
export function bodyCheckedBy(check: BodyCheck): FastifySchemaCompiler<TSchema> {
  return (definition) => (definition.httpPart === 'body' ? check : TypeBoxValidatorCompiler(definition));
}

/** A spec the validator accepted: the normalized spec, its first trials, budget and sampled params. */
export type CheckedSweep = Extract<SubmittedSweepValidation, { ok: true }>;

// The validator's result for each body it accepted, so the handler does not validate again.
const checkedSweeps = new WeakMap<object, CheckedSweep>();

// The uploaded datasets a body names, fetched before validation (preValidation: the check itself is synchronous).
const fetchedDatasets = new WeakMap<object, DatasetLookup>();

/**
 * POST /v1/sweeps's preValidation hook: reads the datasets the body refers to (a model workload's dataset and
 * validation set, by id or name) so the spec validator can check the model against their columns and stats.
 */
export function fetchSweepDatasets(context: ApiContext) {
  return async (request: FastifyRequest) => {
    const { body } = request;
    if (typeof body !== 'object' || body === null) return;
    const references = datasetReferences(body);
    if (references.length === 0) return;
    // Only the datasets of the project the sweep goes to: another project's are unknown names.
    const found = await context.datasets.findMany(references, projectOfRequest(request));
    fetchedDatasets.set(body, datasetLookup(found));
  };
}

/** The datasets fetchSweepDatasets read for this body (none: only the built-in ones are known). */
export const datasetsOf = (body: unknown): DatasetLookup =>
  (typeof body === 'object' && body !== null ? fetchedDatasets.get(body) : undefined) ?? datasetLookup([]);

/** POST /v1/sweeps: the whole spec, with the catalog's and MAX_TRIALS's rules. */
export function sweepSpecCheck(context: ApiContext): BodyCheck {
  const limits = { workloads: context.workloads, maxTrials: context.config.maxTrials };
  return (body) => {
    const result = validateSubmittedSweep(body, { ...limits, datasets: datasetsOf(body) });
    if (!result.ok) return { error: invalidRequest('invalid sweep spec', result.errors) };
    checkedSweeps.set(body as object, result); // an accepted spec is always an object
    return { value: body };
  };
}

/** What sweepSpecCheck made of this body (the handler's request.body). */
export function checkedSweep(body: unknown): CheckedSweep {
  const result = typeof body === 'object' && body !== null ? checkedSweeps.get(body) : undefined;
  if (result === undefined) throw new Error('the sweep spec reached its handler without sweepSpecCheck');
  return result;
}

/** What an extension body may hold; the entries themselves are checked against the stored sweep. */
export type ExtendInput = {
  seeds?: unknown;
  optimizers?: unknown[];
  schedulers?: unknown[];
  trials?: number;
};
const EXTEND_FIELDS = ['seeds', 'optimizers', 'schedulers', 'trials'];

export const invalidExtension = (errors: ErrorDetail[]) => invalidRequest('invalid extension', errors);

/**
 * POST /v1/sweeps/:id/extend: the envelope, an object whose only fields are seeds, optimizers, schedulers
 * and trials. What they may add depends on the stored sweep, so the handler's domain code checks that.
 */
export const extensionEnvelopeCheck: BodyCheck = (body) => {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    const message = 'the body is an object with seeds, optimizers, schedulers (or trials for a search)';
    return { error: new HttpError(400, message, [{ path: '', message }]) };
  }
  const details = Object.keys(body)
    .filter((key) => !EXTEND_FIELDS.includes(key))
    .map((key) => ({
      path: `/${key}`,
      message: `unknown property "${key}"; an extension has ${EXTEND_FIELDS.join(', ')}`,
    }));
  const input = body as ExtendInput;
  for (const field of ['optimizers', 'schedulers'] as const) {
    const list = input[field];
    if (list !== undefined && (!Array.isArray(list) || list.length === 0)) {
      details.push({ path: `/${field}`, message: `${field} must be a non-empty list of entries to add` });
    }
  }
  if (input.trials !== undefined && !(Number.isInteger(input.trials) && input.trials >= 1)) {
    details.push({ path: '/trials', message: 'trials must be a positive integer' });
  }
  return details.length > 0 ? { error: invalidExtension(details) } : { value: body };
};
