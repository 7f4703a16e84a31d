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
 * Runs `work` while holding the advisory lock `key`, or returns `{ locked: false }` at once when another
 * session holds it (workers use it so one of them does a pass). The lock is transaction-scoped, held by a
 * transaction left open on a client of its own for the pass and rolled back after it (it writes nothing,
 * and in READ COMMITTED an idle transaction holds no snapshot); `work` runs its statements on the pool.
 * A session lock would not survive a pooler in transaction mode (PgBouncer): there the lock, the pass and
 * the unlock can each land on another server connection, the unlock fails, and the lock stays held by an
 * idle server connection, so every later pass on every worker is refused. An open transaction keeps one
 * server connection for the lock, and ending it always releases the lock.
 */
export async function withTryAdvisoryLock<T>(
  pool: Transactional,
  key: number,
  work: (db: Queryable) => Promise<T>,
): Promise<{ locked: true; value: T } | { locked: false }> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{ locked: boolean }>(
      'SELECT pg_try_advisory_xact_lock($1) AS locked',
      [key],
    );
    if (!rows[0]!.locked) return { locked: false };
    return { locked: true, value: await work(pool) };
  } finally {
    await client.query('ROLLBACK').catch((error: Error) => {
      broken = error; // the connection is gone, and the lock with it: never lend it again
    });
    client.release(broken);
  }
}
