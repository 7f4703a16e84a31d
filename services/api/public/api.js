const KEY_STORAGE = 'hypersweep.apiKey';

/** The API key typed into the header, kept in localStorage; sent with every request once keys exist. */
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
  const headers = authHeaders();
  if (body !== undefined) headers['content-type'] = contentType ?? 'application/json';
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

/** `Authorization: Bearer <key>` when a key is set (every route but /health and /ready needs one once keys exist). */
export function authHeaders() {
  const key = apiKey.get();
  return key ? { authorization: `Bearer ${key}` } : {};
}

/**
 * A sweep's Server-Sent Events read with fetch (EventSource cannot send the Authorization header):
 * `onOpen` once the stream answered 200, `onEvent(type)` per event, `onEnd(refused)` once it ends (refused:
 * it never opened). `close()` stops it without calling onEnd.
 */
export function openEventStream(path, { onOpen, onEvent, onEnd }) {
  const controller = new AbortController();
  let opened = false;
  (async () => {
    const response = await fetch(path, { headers: authHeaders(), signal: controller.signal });
    if (!response.ok || !response.body) return;
    opened = true;
    onOpen();
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffered = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffered += value;
      let end = buffered.indexOf('\n\n');
      while (end >= 0) {
        const type = /^event: (.+)$/m.exec(buffered.slice(0, end))?.[1];
        if (type) onEvent(type);
        buffered = buffered.slice(end + 2);
        end = buffered.indexOf('\n\n');
      }
    }
  })()
    .catch(() => {})
    .finally(() => {
      if (!controller.signal.aborted) onEnd(!opened);
    });
  return { close: () => controller.abort() };
}

/**
 * A link that downloads from the API (a CSV export): a plain link in open mode; with a key the file is
 * fetched with it and saved from a blob URL, since a link cannot send the Authorization header.
 */
export function apiDownload(link) {
  link.addEventListener('click', async (event) => {
    if (!apiKey.get()) return;
    event.preventDefault();
    const response = await fetch(link.href, { headers: authHeaders() });
    if (!response.ok) return;
    const url = URL.createObjectURL(await response.blob());
    const save = document.createElement('a');
    save.href = url;
    save.download = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1] ?? '';
    save.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  });
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
