/** One problem with a request: a JSON pointer into it and what is wrong (the API's error `details`). */
export interface ErrorDetail {
  path: string;
  message: string;
}

/** The API answered with an error status; `details` name every problem with a JSON pointer. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: ErrorDetail[] = [],
    /** The request's id (the answer's `requestId`): what the server's log lines of it carry. */
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function toApiError(response: Response, body: unknown): ApiError {
  const error = body as { message?: unknown; details?: unknown; requestId?: unknown } | undefined;
  const message =
    typeof error?.message === 'string' ? error.message : `${response.status} ${response.statusText}`.trim();
  const details = Array.isArray(error?.details) ? (error.details as ErrorDetail[]) : [];
  const requestId =
    typeof error?.requestId === 'string'
      ? error.requestId
      : (response.headers.get('x-request-id') ?? undefined);
  return new ApiError(response.status, message, details, requestId);
}

/**
 * The data of an openapi-fetch result, or an ApiError carrying the API's message and details:
 * `const sweep = await unwrap(client.GET('/v1/sweeps/{id}', ...))`.
 */
export async function unwrap<D>(
  pending: Promise<{ data?: D; error?: unknown; response: Response }>,
): Promise<D> {
  const { data, error, response } = await pending;
  if (!response.ok) throw toApiError(response, error);
  return data as D;
}
