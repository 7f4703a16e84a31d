import createClient, { type Client } from 'openapi-fetch';
import type { paths } from './generated/openapi.js';

export const DEFAULT_BASE_URL = 'http://localhost:3000';

export interface ClientOptions {
  /** Where the API listens; `http://localhost:3000` when omitted. */
  baseUrl?: string;
  /** Sent as `Authorization: Bearer <key>` (needed by mutating routes when the server runs with API_KEYS). */
  apiKey?: string;
  /** A fetch to use instead of the global one (tests route it through `app.inject`). */
  fetch?: (request: Request) => Promise<Response>;
}

export type HypersweepClient = Client<paths> & {
  /** The options it was made with, normalised (the SSE helper reuses them). */
  readonly options: Required<Pick<ClientOptions, 'baseUrl'>> & ClientOptions;
};

/** The server could not be reached at all (refused, DNS, reset): nothing to do with the request itself. */
export class ConnectionError extends Error {
  constructor(
    readonly baseUrl: string,
    override readonly cause: unknown,
  ) {
    super(`cannot reach the hypersweep API at ${baseUrl}${describeCause(cause)}`);
    this.name = 'ConnectionError';
  }
}

function describeCause(cause: unknown): string {
  // undici hides the system error (ECONNREFUSED, ENOTFOUND) one level down.
  const inner = (cause as { cause?: { code?: string } } | undefined)?.cause;
  const code = inner?.code ?? (cause as { code?: string } | undefined)?.code;
  return typeof code === 'string' ? ` (${code})` : '';
}

const isAbort = (error: unknown) => (error as { name?: string } | undefined)?.name === 'AbortError';

/** The headers every request carries. */
export function authHeaders(apiKey: string | undefined): Record<string, string> {
  return apiKey ? { authorization: `Bearer ${apiKey}` } : {};
}

/** A fetch that turns "could not connect" into a ConnectionError naming the URL; aborts stay aborts. */
export function connectionAwareFetch(options: ClientOptions & { baseUrl: string }) {
  const inner = options.fetch ?? ((request: Request) => globalThis.fetch(request));
  return async (request: Request): Promise<Response> => {
    try {
      return await inner(request);
    } catch (error) {
      if (isAbort(error)) throw error;
      throw new ConnectionError(options.baseUrl, error);
    }
  };
}

/**
 * The typed client: `client.GET('/v1/sweeps/{id}', { params: { path: { id } } })` with paths, bodies and
 * responses checked against the API's OpenAPI document (src/generated/openapi.ts).
 */
export function createHypersweepClient(options: ClientOptions = {}): HypersweepClient {
  const normalised = { ...options, baseUrl: (options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '') };
  const client = createClient<paths>({
    baseUrl: normalised.baseUrl,
    headers: authHeaders(options.apiKey),
    fetch: connectionAwareFetch(normalised),
  });
  return Object.assign(client, { options: normalised });
}
