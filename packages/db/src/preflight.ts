import pg from 'pg';
import { redactUrl } from './config.js';
import { readMigrations } from './migrate.js';

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

/**
 * Resolves when every migration under prisma/migrations has been applied to the database at `url`;
 * otherwise rejects with one line naming what is missing and how to apply it. Services check this at
 * start-up, so a worker on another machine never writes to an older schema.
 */
export async function checkMigrated(url: string, migrationsDir?: string): Promise<void> {
  const expected = readMigrations(migrationsDir).map((m) => m.name);
  const client = new pg.Client({ connectionString: url });
  let applied: string[] = [];
  try {
    await client.connect();
    const { rows } = await client.query<{ migration_name: string }>(
      'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
    );
    applied = rows.map((row) => row.migration_name);
  } catch (error) {
    const code = (error as { code?: string }).code;
    // 3D000: no database yet; 42P01: no _prisma_migrations table yet. Both mean: not migrated.
    if (code !== '3D000' && code !== '42P01') throw error;
  } finally {
    await client.end().catch(() => {});
  }
  const missing = expected.filter((name) => !applied.includes(name));
  if (missing.length > 0) {
    throw new UnreachableError(
      `the database at ${redactUrl(url)} lacks ${missing.length} migration(s) (${missing.join(', ')}); apply them with: npm run db:migrate`,
    );
  }
}

/**
 * Waits until every migration is applied (what a Kubernetes init container runs while the migration Job
 * works), checking every `everyMs`; rejects with checkMigrated's last reason after `timeoutMs`.
 */
export async function waitForMigrations(
  url: string,
  options: { everyMs?: number; timeoutMs?: number; onWait?: (reason: string) => void } = {},
): Promise<void> {
  const { everyMs = 2000, timeoutMs = 600_000, onWait } = options;
  const deadline = Date.now() + timeoutMs;
  let lastReason = '';
  for (;;) {
    try {
      await checkMigrated(url);
      return;
    } catch (error) {
      const reason = (error as Error).message;
      if (Date.now() >= deadline) throw new UnreachableError(`gave up waiting for migrations: ${reason}`);
      if (reason !== lastReason) onWait?.(reason);
      lastReason = reason;
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
