import { randomUUID } from 'node:crypto';
import { isConnectionError } from '@hypersweep/db';
import { pointer } from '@hypersweep/spec';
import type { FastifyError, FastifyInstance } from 'fastify';

/** One problem with the request: a JSON pointer into the body (or `/query/...`, `/params/...`) and what is wrong. */
export interface ErrorDetail {
  path: string;
  message: string;
}

/** An error the client caused; rendered as `{statusCode, error, message, details}`. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
  }
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export const reason = (statusCode: number) => REASONS[statusCode] ?? 'Error';

/** A path parameter naming nothing: the detail points at `/params/id`, like every other 4xx names its cause. */
export const notFound = (what: string, id: string) =>
  new HttpError(404, `${what} ${id} not found`, [{ path: '/params/id', message: `no ${what} has this id` }]);

/**
 * A 400 naming the first of `errors` and how many more there are (`invalid sweep spec: /path: message (and
 * 2 more)`), every one of them in `details`.
 */
export function invalidRequest(what: string, errors: ErrorDetail[]): HttpError {
  const first = errors[0]!;
  // Not "(and 2 more)": after a list of valid names it read as part of the list.
  const more =
    errors.length > 1
      ? `; ${errors.length - 1} more ${errors.length === 2 ? 'problem' : 'problems'} in details`
      : '';
  return new HttpError(400, `${what}: ${first.path || '/'}: ${first.message}${more}`, errors);
}

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
  /** Set on the errors of a `propertyNames` rule: the property whose name broke it. */
  propertyName?: string;
}

/** Ajv's errors as details with JSON pointers; `context` is body, querystring or params. */
function ajvDetails(errors: AjvError[], context: string): ErrorDetail[] {
  const prefix = context === 'body' ? '' : `/${context === 'querystring' ? 'query' : context}`;
  // A bad property name comes twice: the name's own problem (with propertyName) and "property name must be
  // valid"; the first says which name and why.
  return errors
    .filter((error) => error.keyword !== 'propertyNames')
    .map((error) => {
      let path = `${prefix}${error.instancePath}`;
      if (error.keyword === 'required') path += `/${String(error.params.missingProperty)}`;
      if (error.keyword === 'additionalProperties') path += `/${String(error.params.additionalProperty)}`;
      if (error.propertyName !== undefined) {
        return {
          path: `${path}${pointer(error.propertyName)}`,
          message: `the name ${JSON.stringify(error.propertyName)} ${ajvMessage(error)}`,
        };
      }
      return { path, message: ajvMessage(error) };
    });
}

/** Ajv's message, saying what would be valid where Ajv does not (the allowed values, what a full id is). */
function ajvMessage(error: AjvError): string {
  switch (error.keyword) {
    case 'additionalProperties':
      return `unknown property "${String(error.params.additionalProperty)}"`;
    case 'required':
      return 'is required';
    case 'enum': {
      const allowed = error.params.allowedValues;
      return Array.isArray(allowed)
        ? `must be one of ${allowed.map((value) => JSON.stringify(value)).join(', ')}`
        : (error.message ?? 'is invalid');
    }
    case 'format':
      if (error.params.format === 'uuid') {
        return 'must be a full id, a uuid of 36 characters (a sweep whose id starts with some characters: GET /v1/sweeps?idPrefix=...)';
      }
      return error.message ?? 'is invalid';
    default:
      return error.message ?? 'is invalid';
  }
}

/** A 415 that says what was sent and what to send instead (Fastify's says only "Unsupported Media Type"). */
function unsupportedMediaType(contentType: string | undefined): string {
  const sent = contentType ? `Content-Type ${contentType} is` : 'a body without a Content-Type header is';
  return `${sent} not accepted here; send JSON with Content-Type: application/json`;
}

function isErrorBody(payload: unknown): payload is Record<string, unknown> {
  return (
    typeof payload === 'object' &&
    payload !== null &&
    typeof (payload as { statusCode?: unknown }).statusCode === 'number' &&
    typeof (payload as { message?: unknown }).message === 'string'
  );
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The request's id: the caller's `x-request-id` where it is a plain token (letters, digits, . _ : -, at most
 * 128), so a request can be followed from a proxy or client through these logs; otherwise a fresh uuid.
 */
export function requestIdOf(request: { headers: Record<string, string | string[] | undefined> }): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * Every error leaves as `{statusCode, error, message, details, requestId}`. Client mistakes (validation, unparseable
 * JSON, oversized bodies, wrong content types) keep their 4xx; anything else is logged and becomes a 500
 * without internals.
 */
export function installErrorHandler(app: FastifyInstance): void {
  // Every answer names its request (x-request-id); every error body too, so a report can quote it.
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('preSerialization', async (request, reply, payload: unknown) =>
    reply.statusCode >= 400 && isErrorBody(payload) ? { ...payload, requestId: request.id } : payload,
  );
  app.setErrorHandler((error: FastifyError & { details?: ErrorDetail[] }, request, reply) => {
    if (error instanceof HttpError) {
      return reply.status(error.statusCode).send({
        statusCode: error.statusCode,
        error: reason(error.statusCode),
        message: error.message,
        details: error.details,
      });
    }
    if (error.validation) {
      const details = ajvDetails(error.validation as AjvError[], error.validationContext ?? 'body');
      const message = details.map((d) => `${d.path || '/'}: ${d.message}`).join('; ');
      return reply.status(400).send({ statusCode: 400, error: reason(400), message, details });
    }
    // Postgres is down or restarting: the client may retry; the pool reconnects by itself once it is back.
    if (isConnectionError(error)) {
      request.log.warn({ err: error }, 'Postgres unavailable');
      const message = 'Postgres is unavailable; retry shortly';
      return reply
        .status(503)
        .header('retry-after', '5')
        .send({ statusCode: 503, error: reason(503), message, details: [{ path: '', message }] });
    }
    // Safety net: Postgres "data exception" errors (class 22: out of range, invalid text, ...) can only
    // come from a value the client sent that validation let through; they are the client's to fix.
    const pgCode = (error as { code?: unknown }).code;
    if (typeof pgCode === 'string' && /^22[0-9A-Z]{3}$/.test(pgCode)) {
      request.log.warn({ err: error }, 'database refused a value from the request');
      const message = `a value in the request cannot be stored or compared: ${error.message}`;
      return reply
        .status(400)
        .send({ statusCode: 400, error: reason(400), message, details: [{ path: '', message }] });
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const message =
        error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError
          ? `body is not valid JSON: ${error.message}`
          : error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
            ? unsupportedMediaType(request.headers['content-type'])
            : error.message;
      return reply
        .status(status)
        .send({ statusCode: status, error: reason(status), message, details: [{ path: '', message }] });
    }
    request.log.error({ err: error }, 'request failed');
    return reply
      .status(500)
      .send({ statusCode: 500, error: reason(500), message: 'internal error', details: [] });
  });
  app.setNotFoundHandler((request, reply) => {
    const message = `route ${request.method} ${request.url.split('?')[0]} not found`;
    // The whole request line is what is wrong: the empty pointer, as for a body that is not JSON.
    return reply
      .status(404)
      .send({ statusCode: 404, error: reason(404), message, details: [{ path: '', message }] });
  });
}
