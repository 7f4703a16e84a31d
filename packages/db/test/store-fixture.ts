import type pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { createPool } from '../src/client.js';
import { insertSweep, type NewSweep } from '../src/sweep-store.js';
import { createTestDatabase, type TestDatabase } from '../src/testing.js';

/** A migrated database of its own and a pool on it, for the store tests. */
export async function openStoreDatabase(): Promise<{
  db: TestDatabase;
  pool: pg.Pool;
  close(): Promise<void>;
}> {
  const db = await createTestDatabase();
  const pool = createPool(db.url);
  return {
    db,
    pool,
    async close() {
      await pool.end();
      await db.drop();
    },
  };
}

/**
 * A store database for the calling describe block: opened before its tests (then handed to `opened`),
 * dropped after them.
 */
export function useStoreDatabase(opened: (store: { db: TestDatabase; pool: pg.Pool }) => void): void {
  let store: Awaited<ReturnType<typeof openStoreDatabase>> | undefined;
  beforeAll(async () => {
    store = await openStoreDatabase();
    opened(store);
  });
  afterAll(async () => {
    await store?.close();
  });
}

export const newSweep = (trials: number, overrides: Partial<NewSweep> = {}): NewSweep => ({
  name: 'store test',
  spec: { workload: 'rosenbrock', note: 'verbatim' },
  objective: { metric: 'val_loss', mode: 'min' },
  pruner: null,
  trials: Array.from({ length: trials }, (_, i) => ({ config: { seed: i }, configHash: `h${i}` })),
  ...overrides,
});

export async function seedSweep(pool: pg.Pool, trials: number, overrides: Partial<NewSweep> = {}) {
  return insertSweep(pool, newSweep(trials, overrides));
}

/** A seeded generator (mulberry32), so a failure can be replayed. */
export function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
