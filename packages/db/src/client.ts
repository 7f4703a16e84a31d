import pg from 'pg';

export type { EpochMetric, StepMetric, Sweep, Trial } from './generated/prisma/client.js';
export { ObjectiveMode, SweepStatus, TrialStatus } from './generated/prisma/enums.js';

export interface ConnectionOptions {
  max?: number;
  /**
   * Told of errors on idle connections (a Postgres restart ends every one of them). Without a listener
   * node-postgres re-throws them as an unhandled 'error' event and the process dies; with one, the pool
   * drops the connection and opens a new one for the next statement.
   */
  onError?: (error: Error) => void;
  /** How long a statement waits for a connection before failing (so a dead server fails fast). */
  connectionTimeoutMillis?: number;
}

const DEFAULT_CONNECTION_TIMEOUT_MS = 5000;

/** A node-postgres pool that survives lost connections (see ConnectionOptions.onError). */
export function createPool(databaseUrl: string, options: ConnectionOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? DEFAULT_CONNECTION_TIMEOUT_MS,
  });
  const onError = options.onError ?? (() => {});
  pool.on('error', onError);
  // A checked-out client between two statements (inside a transaction) has no pool listener: its own.
  pool.on('connect', (client) => client.on('error', onError));
  return pool;
}
