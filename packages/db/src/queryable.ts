import type pg from 'pg';

/** Anything that runs one statement: a pool, a checked-out client, or a client inside a transaction. */
export type Queryable = Pick<pg.Pool, 'query'>;

/** A pool that can also lend a client, for statements that must share a transaction. */
export type Transactional = Queryable & Pick<pg.Pool, 'connect'>;

/** Runs `work` inside one transaction on a client of its own; rolls back when it throws. */
export async function inTransaction<T>(pool: Transactional, work: (db: Queryable) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** One round trip: resolves when Postgres answers. */
export async function pingPostgres(db: Queryable): Promise<void> {
  await db.query('SELECT 1');
}

/**
 * Runs `work` while holding the session advisory lock `key` on a client of its own, or returns
 * `{ locked: false }` at once when another session holds it (workers use it so one of them does a pass).
 */
export async function withTryAdvisoryLock<T>(
  pool: Transactional,
  key: number,
  work: (db: Queryable) => Promise<T>,
): Promise<{ locked: true; value: T } | { locked: false }> {
  const client = await pool.connect();
  try {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [
      key,
    ]);
    if (!rows[0]!.locked) return { locked: false };
    try {
      return { locked: true, value: await work(client) };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [key]).catch(() => {});
    }
  } finally {
    client.release();
  }
}
