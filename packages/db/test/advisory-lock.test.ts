import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../src/client.js';
import { withTryAdvisoryLock } from '../src/queryable.js';
import { createTestDatabase, type TestDatabase } from '../src/testing.js';

const KEY = 61_616_161;

describe('withTryAdvisoryLock (real Postgres)', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  beforeAll(async () => {
    db = await createTestDatabase({ migrate: false });
    pool = createPool(db.url);
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  /** The sessions holding KEY, with what they are doing. */
  const holders = async () =>
    (
      await pool.query<{ pid: number; state: string }>(
        `SELECT l.pid, a.state FROM pg_locks l JOIN pg_stat_activity a USING (pid)
         WHERE l.locktype = 'advisory' AND l.objid = $1 AND l.granted`,
        [KEY],
      )
    ).rows;

  it('holds the lock in an open transaction for the pass (what a pooler in transaction mode keeps on one server connection), one pass at a time', async () => {
    const seen = await withTryAdvisoryLock(pool, KEY, async (work) => {
      const inside = await holders();
      const workPid = (await work.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      const second = await withTryAdvisoryLock(pool, KEY, async () => 'ran');
      return { inside, workPid, second };
    });
    expect(seen.locked).toBe(true);
    if (!seen.locked) return;
    // Transaction-scoped: its session sits idle in a transaction while the pass runs on other connections.
    expect(seen.value.inside).toHaveLength(1);
    expect(seen.value.inside[0]!.state).toBe('idle in transaction');
    expect(seen.value.workPid).not.toBe(seen.value.inside[0]!.pid);
    expect(seen.value.second).toEqual({ locked: false });
    // Ending the pass ends the transaction, and the lock with it.
    expect(await holders()).toEqual([]);
    expect(await withTryAdvisoryLock(pool, KEY, async () => 'next')).toEqual({ locked: true, value: 'next' });
  });

  it('releases the lock when the pass throws', async () => {
    await expect(
      withTryAdvisoryLock(pool, KEY, async () => {
        throw new Error('pass failed');
      }),
    ).rejects.toThrow('pass failed');
    expect(await holders()).toEqual([]);
  });
});
