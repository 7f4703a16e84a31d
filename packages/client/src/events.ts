import type { SweepEvent } from '@hypersweep/core';
import { createParser } from 'eventsource-parser';
import {
  authHeaders,
  type ClientOptions,
  ConnectionError,
  connectionAwareFetch,
  DEFAULT_BASE_URL,
} from './client.js';
import { ApiError, toApiError } from './errors.js';

export type { SweepEvent };

export interface SweepEventsOptions {
  signal?: AbortSignal;
  /** Failed connection attempts in a row before the stream gives up and throws (default 5). */
  maxRetries?: number;
  /** Wait before reconnecting until the server sends its own `retry:` (default 3000 ms). */
  retryMs?: number;
  /** Told before each reconnect: the attempt (1, 2, ...) and why the last connection ended. */
  onReconnect?: (attempt: number, reason: unknown) => void;
}

/** The server's `retry:` field overrides this; it says 3000 ms today. */
const DEFAULT_RETRY_MS = 3000;

const isAbort = (error: unknown) => (error as { name?: string } | undefined)?.name === 'AbortError';

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * The live events of a sweep (`GET /v1/sweeps/:id/events`) as an async iterable. A dropped connection is
 * reopened after the server's `retry:` delay, as a browser's EventSource would; the server sends a `sweep`
 * snapshot first on every connection, so a consumer that refetches state on `sweep` events misses nothing.
 * A 4xx (unknown sweep, bad key) is thrown as an ApiError at once; ending the loop or aborting `signal`
 * closes the connection.
 */
export async function* sweepEvents(
  client: ClientOptions | { options: ClientOptions },
  sweepId: string,
  options: SweepEventsOptions = {},
): AsyncGenerator<SweepEvent> {
  const clientOptions = 'options' in client ? client.options : client;
  const baseUrl = (clientOptions.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
  const fetchEvents = connectionAwareFetch({ ...clientOptions, baseUrl });
  const url = `${baseUrl}/v1/sweeps/${encodeURIComponent(sweepId)}/events`;
  const { signal, maxRetries = 5 } = options;
  let retryMs = options.retryMs ?? DEFAULT_RETRY_MS;
  let failures = 0;
  while (!signal?.aborted) {
    let reason: unknown;
    try {
      const response = await fetchEvents(
        new Request(url, {
          headers: { accept: 'text/event-stream', ...authHeaders(clientOptions.apiKey) },
          ...(signal ? { signal } : {}),
        }),
      );
      if (!response.ok || !response.body) {
        const body: unknown = await response.json().catch(() => undefined);
        throw toApiError(response, body);
      }
      failures = 0;
      const pending: SweepEvent[] = [];
      const parser = createParser({
        onEvent: (message) => {
          if (message.data) pending.push(JSON.parse(message.data) as SweepEvent);
        },
        onRetry: (ms) => {
          retryMs = ms;
        },
      });
      for await (const chunk of response.body.pipeThrough(new TextDecoderStream())) {
        parser.feed(chunk);
        // Drained after every chunk: the buffer never holds more than one chunk's events.
        while (pending.length > 0) yield pending.shift()!;
      }
      reason = new Error('the server closed the event stream');
    } catch (error) {
      if (isAbort(error) || signal?.aborted) return;
      // A 4xx (unknown sweep, bad key) cannot get better by retrying; outages and dropped streams can.
      const retryable =
        error instanceof ConnectionError ||
        error instanceof TypeError ||
        (error instanceof ApiError && error.status >= 500);
      if (!retryable) throw error;
      failures += 1;
      if (failures > maxRetries) throw error;
      reason = error;
    }
    options.onReconnect?.(failures || 1, reason);
    await sleep(retryMs, signal);
  }
}
