import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../src/client.js';
import { isConnectionError, retryWhileUnreachable } from '../src/pg-errors.js';
import { createTestDatabase, type TestDatabase } from '../src/testing.js';

describe('Postgres connection errors', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ migrate: false });
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('tells a server that is not there from a statement the server refused', async () => {
    const down = createPool('postgresql://postgres@127.0.0.1:1/none');
    const up = createPool(db.url);
    try {
      const refused = await down.query('SELECT 1').catch((error: unknown) => error);
      expect(isConnectionError(refused)).toBe(true);
      const bad = await up.query('SELECT 1/0').catch((error: unknown) => error);
      expect(isConnectionError(bad)).toBe(false);
      // a connection the server ends (what a restart does to every session)
      const client = await up.connect();
      const pid = (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
      await up.query('SELECT pg_terminate_backend($1)', [pid]);
      const terminated = await client.query('SELECT 1').catch((error: unknown) => error);
      client.release(true);
      expect(isConnectionError(terminated)).toBe(true);
      // the pool lives on: the next statement gets a new connection
      expect((await up.query('SELECT 2 AS n')).rows[0].n).toBe(2);
    } finally {
      await Promise.all([down.end(), up.end()]);
    }
  });

  it('retries through connection errors, not through others, and stops when told', async () => {
    let calls = 0;
    const value = await retryWhileUnreachable(
      async () => {
        calls++;
        if (calls < 3) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
        return 'done';
      },
      { minDelayMs: 1 },
    );
    expect([value, calls]).toEqual(['done', 3]);
    await expect(
      retryWhileUnreachable(async () => {
        throw Object.assign(new Error('division by zero'), { code: '22012' });
      }),
    ).rejects.toThrow('division by zero');
    const stop = new AbortController();
    const retries: number[] = [];
    await expect(
      retryWhileUnreachable(
        async () => {
          throw Object.assign(new Error('terminating connection due to administrator command'), {
            code: '57P01',
          });
        },
        {
          signal: stop.signal,
          minDelayMs: 1,
          onRetry: (_error, attempt) => {
            retries.push(attempt);
            if (attempt === 2) stop.abort();
          },
        },
      ),
    ).rejects.toThrow('administrator command');
    expect(retries).toEqual([1, 2]);
  });
});
