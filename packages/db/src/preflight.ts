import pg from 'pg';
import { redactUrl } from './config.js';

export const POSTGRES_START_HINT =
  'start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start (or docker compose up -d postgres)';

/** Error whose message is one line meant for a person at a terminal: print it, no stack. */
export class UnreachableError extends Error {
  override readonly name = 'UnreachableError';
}

/** Resolves when Postgres answers at `url`; otherwise rejects with one line naming the URL and how to start it. */
export async function checkPostgres(url: string, timeoutMs = 3000): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    const code = (error as { code?: string }).code;
    // 3D000: the server answers but the database does not exist yet; db:migrate creates it.
    if (code === '3D000') return;
    throw new UnreachableError(
      `cannot reach Postgres at ${redactUrl(url)} (${(error as Error).message || code}); ${POSTGRES_START_HINT}`,
    );
  } finally {
    await client.end().catch(() => {});
  }
}
