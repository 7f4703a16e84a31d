import { authHeaders, connectionAwareFetch, type HypersweepClient } from './client.js';
import { toApiError, unwrap } from './errors.js';
import type { paths } from './generated/openapi.js';

type Json<T> = T extends { content: { 'application/json': infer B } } ? B : never;

/** A stored dataset: rows, and columns (CSV, Parquet, NPY) or arrays (NPZ) with their stats. */
export type Dataset = Json<paths['/v1/datasets/{id}']['get']['responses'][200]>;
export type DatasetFormat = Dataset['format'];
export type DatasetList = Json<paths['/v1/datasets']['get']['responses'][200]>;

/** What an upload can send: the bytes, or a stream of them (a Node Readable is an AsyncIterable). */
export type DatasetBody = Uint8Array | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

function bodyOf(body: DatasetBody): Uint8Array | ReadableStream<Uint8Array> {
  if (body instanceof Uint8Array || body instanceof ReadableStream) return body;
  return ReadableStream.from(body);
}

/**
 * POST /v1/datasets: streams `body` (CSV as text/csv, other formats as application/octet-stream with
 * `format`). `created` is false when the same bytes were uploaded before: `dataset` is the stored one. A
 * refusal throws ApiError with the API's message and details (400 naming line and column or array, 409,
 * 413, 415).
 */
export async function uploadDataset(
  client: HypersweepClient,
  body: DatasetBody,
  options: { name: string; format: DatasetFormat },
): Promise<{ dataset: Dataset; created: boolean }> {
  const { baseUrl, apiKey } = client.options;
  const query = new URLSearchParams({ name: options.name, format: options.format });
  const request = new Request(`${baseUrl}/v1/datasets?${query}`, {
    method: 'POST',
    headers: {
      ...authHeaders(apiKey),
      'content-type': options.format === 'csv' ? 'text/csv' : 'application/octet-stream',
    },
    body: bodyOf(body),
    // a streamed request body (fetch needs it said)
    duplex: 'half',
  } as RequestInit);
  const response = await connectionAwareFetch(client.options)(request);
  const answer: unknown = await response.json().catch(() => undefined);
  if (!response.ok) throw toApiError(response, answer);
  return { dataset: answer as Dataset, created: response.status === 201 };
}

/** GET /v1/datasets: every dataset, newest first. */
export const listDatasets = (client: HypersweepClient): Promise<Dataset[]> =>
  unwrap(client.GET('/v1/datasets')).then((list) => list.items);

/** GET /v1/datasets/:id, by id or name (ApiError 404 when none). */
export const getDataset = (client: HypersweepClient, id: string): Promise<Dataset> =>
  unwrap(client.GET('/v1/datasets/{id}', { params: { path: { id } } }));

/** DELETE /v1/datasets/:id, by id or name (ApiError 409 naming the live sweeps that use it). */
export const deleteDataset = (client: HypersweepClient, id: string): Promise<void> =>
  unwrap(client.DELETE('/v1/datasets/{id}', { params: { path: { id } } })).then(() => undefined);
