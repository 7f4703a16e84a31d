import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { isUuid } from '@hypersweep/core';
import { DatasetError, type DatasetFormat } from '@hypersweep/data';
import { DatasetNameTakenError } from '@hypersweep/db';
import { BUILTIN_DATASET_DESCRIPTIONS, BUILTIN_DATASETS, builtinDataset } from '@hypersweep/spec';
import type { FastifyRequest } from 'fastify';
import { HttpError, invalidRequest, notFound } from '../../errors.js';
import { projectOfRequest, scopeOf } from '../../plugins/auth.js';
import { datasetBytesLeft, overLimit } from '../../plugins/limits.js';
import {
  DATASET_CONTENT_TYPES,
  deleteDatasetSchema,
  getDatasetSchema,
  listDatasetsSchema,
  uploadDatasetSchema,
} from './schemas.js';

const accepted = DATASET_CONTENT_TYPES.join(' or ');

/** A built-in dataset (packages/spec BUILTIN_DATASETS) as the datasets routes show it. */
function builtinView(info: (typeof BUILTIN_DATASETS)[number]) {
  return { ...info, builtin: true, description: BUILTIN_DATASET_DESCRIPTIONS[info.name] };
}

/** The answer to an upload that failed: the file's fault (400, 413), the name's (409), the client leaving. */
function uploadError(error: unknown, request: FastifyRequest): unknown {
  if (error instanceof DatasetError) {
    const detail = [{ path: '/body', message: error.message }];
    return error.status === 413
      ? new HttpError(413, error.message, detail)
      : invalidRequest('invalid dataset', detail);
  }
  if (error instanceof DatasetNameTakenError) {
    const { existing } = error;
    return new HttpError(409, error.message, [
      { path: '/query/name', message: `taken by dataset ${existing.id} (sha256 ${existing.sha256})` },
    ]);
  }
  // The client went away mid-upload: nobody reads this answer; it is not the server's failure either.
  if (request.raw.destroyed || (error as { code?: string }).code === 'ECONNRESET')
    return new HttpError(400, 'the upload was interrupted before its end', [
      { path: '/body', message: 'the connection closed before the whole file arrived' },
    ]);
  return error;
}

/**
 * POST /v1/datasets (the file's bytes as the body, streamed into Postgres while they are validated),
 * GET /v1/datasets, GET and DELETE /v1/datasets/:id (a uuid or a name). The body parsers here hand the
 * request stream to the handler and hold for this plugin only: the rest of the API keeps its JSON bodies
 * and BODY_LIMIT; an upload is bounded by DATASET_MAX_BYTES, counted as it streams.
 */
export const datasetRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const context = app.hypersweep;

  app.removeAllContentTypeParsers();
  app.addContentTypeParser([...DATASET_CONTENT_TYPES], (_request, payload, done) => done(null, payload));
  app.addContentTypeParser('*', (request, _payload, done) => {
    const type = request.headers['content-type'];
    done(
      new HttpError(
        415,
        `a dataset is uploaded as ${accepted}, not ${type ?? 'a body without a content type'}`,
        [{ path: '/headers/content-type', message: `send ${accepted}` }],
      ),
      undefined,
    );
  });

  app.post('/v1/datasets', { schema: uploadDatasetSchema }, async (request, reply) => {
    const { name, format: asked } = request.query;
    if (isUuid(name))
      throw invalidRequest('invalid query', [
        { path: '/query/name', message: 'a name may not be a uuid: ids are' },
      ]);
    const builtin = builtinDataset(name);
    if (builtin !== undefined)
      throw new HttpError(409, `"${name}" is the name of a built-in dataset`, [
        { path: '/query/name', message: `taken by the built-in dataset ${builtin.id}: choose another name` },
      ]);
    const csv = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase() === 'text/csv';
    if (csv && asked !== undefined && asked !== 'csv')
      throw invalidRequest('invalid query', [
        { path: '/query/format', message: `the body is text/csv; format says ${asked}` },
      ]);
    const format: DatasetFormat | undefined = csv ? 'csv' : asked;
    if (format === undefined)
      throw invalidRequest('invalid query', [
        {
          path: '/query/format',
          message: 'is required with application/octet-stream: npy, npz, parquet or csv',
        },
      ]);
    const body = request.body as AsyncIterable<Uint8Array> | undefined;
    if (body === undefined || body === null)
      throw invalidRequest('invalid dataset', [
        { path: '/body', message: "is empty: send the file's bytes" },
      ]);
    const bytesLeft = await datasetBytesLeft(app, request);
    try {
      const { dataset, created } = await context.datasets.upload({
        name,
        format,
        body,
        // the smaller of one upload's limit and what the project's datasets may still take
        maxBytes: Math.min(context.config.datasetMaxBytes, bytesLeft),
        project: projectOfRequest(request),
      });
      return reply.status(created ? 201 : 200).send(dataset);
    } catch (error) {
      // Refused before the end of the body: close the connection rather than read the rest of it.
      if (!request.raw.complete) reply.header('connection', 'close');
      // Past what the project's datasets may still take, not past one upload's limit: name the project's.
      if (
        error instanceof DatasetError &&
        error.status === 413 &&
        bytesLeft < context.config.datasetMaxBytes
      ) {
        const limit = await app.limitsOf(projectOfRequest(request));
        const over = overLimit('datasetBytes', limit.datasetBytes, projectOfRequest(request), error.message);
        throw new HttpError(413, over.message, over.details);
      }
      throw uploadError(error, request);
    }
  });

  app.get('/v1/datasets', { schema: listDatasetsSchema }, async (request) => ({
    items: [...(await context.datasets.list(scopeOf(request))), ...BUILTIN_DATASETS.map(builtinView)],
  }));

  // Found as a spec finds a dataset: an uploaded one first, then a built-in one.
  app.get('/v1/datasets/:id', { schema: getDatasetSchema }, async (request) => {
    const { id } = request.params;
    const dataset = id.startsWith('builtin:') ? null : await context.datasets.get(id, scopeOf(request));
    const builtin = dataset === null ? builtinDataset(id) : undefined;
    if (builtin !== undefined) return builtinView(builtin);
    if (!dataset) throw notFound('dataset', id);
    return dataset;
  });

  app.delete('/v1/datasets/:id', { schema: deleteDatasetSchema }, async (request, reply) => {
    const { id } = request.params;
    const builtin = builtinDataset(id);
    const scope = scopeOf(request);
    if (builtin !== undefined && (id === builtin.id || (await context.datasets.get(id, scope)) === null))
      throw invalidRequest('invalid dataset', [
        {
          path: '/params/id',
          message: `${builtin.id} is built in: it ships with the service and cannot be deleted`,
        },
      ]);
    const outcome = await context.datasets.delete(id, scope);
    if ('notFound' in outcome) throw notFound('dataset', id);
    if ('inUseBy' in outcome) {
      const sweeps = outcome.inUseBy.join(', ');
      throw new HttpError(409, `dataset ${id} is used by queued or running sweeps: ${sweeps}`, [
        { path: '/params/id', message: `used by sweeps ${sweeps}` },
      ]);
    }
    return reply.status(204).send(null);
  });
};
