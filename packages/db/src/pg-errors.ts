/** Socket errors: the server is down, restarting or unreachable. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** SQLSTATEs of a server going away or not taking connections yet (class 08: connection exception). */
const SERVER_CODES = new Set(['57P01', '57P02', '57P03', '53300']);
/** node-postgres says these in words, without a code. */
const PG_MESSAGES = [
  /^Connection terminated/,
  /timeout exceeded when trying to connect/,
  /Client has encountered a connection error and is not queryable/,
  /Client was closed and is not queryable/,
  /the database system is (starting up|shutting down|in recovery mode)/,
];

/**
 * True when `error` says Postgres could not be reached or dropped the connection (a restart, a failover,
 * a network blip), as opposed to a statement it refused. Such errors are worth waiting out: the same
 * statement succeeds once the server is back.
 */
export function isConnectionError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message, errors, cause } = error as {
    code?: unknown;
    message?: unknown;
    errors?: unknown;
    cause?: unknown;
  };
  if (typeof code === 'string' && (SOCKET_CODES.has(code) || SERVER_CODES.has(code) || code.startsWith('08')))
    return true;
  if (typeof message === 'string' && PG_MESSAGES.some((pattern) => pattern.test(message))) return true;
  // Node's AggregateError (every address refused) and wrapped causes
  if (Array.isArray(errors) && errors.some(isConnectionError)) return true;
  return cause !== undefined && cause !== error && isConnectionError(cause);
}

export interface RetryOptions {
  /** Stop waiting (rethrow the last connection error) once this aborts, e.g. on shutdown. */
  signal?: AbortSignal;
  /** Told of each connection error before the wait that follows it. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  minDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * Runs `run` until it stops failing with a connection error, waiting 100 ms, 200 ms, ... (at most 5 s)
 * between tries. Any other error is thrown at once. For idempotent statements only: a statement that
 * committed just before its connection dropped runs again.
 */
export async function retryWhileUnreachable<T>(
  run: () => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const minDelay = options.minDelayMs ?? 100;
  const maxDelay = options.maxDelayMs ?? 5000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (!isConnectionError(error) || options.signal?.aborted) throw error;
      const delay = Math.min(maxDelay, minDelay * 2 ** Math.min(attempt - 1, 16));
      options.onRetry?.(error, attempt, delay);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, delay);
        function done() {
          clearTimeout(timer);
          options.signal?.removeEventListener('abort', done);
          resolve();
        }
        options.signal?.addEventListener('abort', done, { once: true });
      });
    }
  }
}
