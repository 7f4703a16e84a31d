const KEY_STORAGE = 'hypersweep.apiKey';

/** The API key typed into the header, kept in localStorage; sent on mutating requests only. */
export const apiKey = {
  get: () => localStorage.getItem(KEY_STORAGE) ?? '',
  set(value) {
    if (value) localStorage.setItem(KEY_STORAGE, value);
    else localStorage.removeItem(KEY_STORAGE);
  },
};

/** An error answer of the API: `message` plus `details: [{path, message}]` (JSON pointers). */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
    this.details = Array.isArray(body?.details) ? body.details : [];
  }
}

/**
 * Calls the public REST API. `body` may be a string (sent verbatim, e.g. the spec editor's text), a Blob or
 * File (sent as it is, with `contentType`: a dataset upload) or a value (sent as JSON). Resolves to the parsed
 * answer, or null for 204.
 */
export async function api(path, { method = 'GET', body, signal, contentType } = {}) {
  const headers = {};
  if (body !== undefined) headers['content-type'] = contentType ?? 'application/json';
  const key = apiKey.get();
  if (method !== 'GET' && key) headers.authorization = `Bearer ${key}`;
  const response = await fetch(path, {
    method,
    headers,
    signal,
    body:
      body === undefined
        ? undefined
        : typeof body === 'string' || body instanceof Blob
          ? body
          : JSON.stringify(body),
  });
  if (response.status === 204) return null;
  const text = await response.text();
  let data;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { message: text };
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

let catalog;
/** GET /v1/catalog, fetched once per page load. */
export function getCatalog() {
  catalog ??= api('/v1/catalog').catch((error) => {
    catalog = undefined;
    throw error;
  });
  return catalog;
}
