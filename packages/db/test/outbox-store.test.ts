import type { OutboxMessage } from '@hypersweep/core';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../src/client.js';
import { appendOutbox, createOutboxStore } from '../src/outbox-store.js';
import { inTransaction } from '../src/queryable.js';
import { createTestDatabase, type TestDatabase } from '../src/testing.js';

const event = (n: number): OutboxMessage => ({
  kind: 'event',
  event: { type: 'sweep', sweepId: `s${n}`, status: 'running' },
});

describe('outbox store (real Postgres)', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  beforeAll(async () => {
    db = await createTestDatabase();
    pool = createPool(db.url);
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('keeps messages only if their transaction commits', async () => {
    await expect(
      inTransaction(pool, async (q) => {
        await appendOutbox(q, [event(0)]);
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    const ids = await inTransaction(pool, (q) => appendOutbox(q, [event(1), event(2)]));
    expect(ids).toHaveLength(2);
    const store = createOutboxStore(pool);
    expect(await store.pending(ids)).toBe(2);
    const sent: OutboxMessage[] = [];
    expect(await store.drain(10, async (messages) => void sent.push(...messages.map((m) => m.message)))).toBe(
      2,
    );
    expect(sent).toEqual([event(1), event(2)]);
    expect(await store.pending(ids)).toBe(0);
  });

  it('keeps a batch whose send failed, in order, for the next try', async () => {
    const ids = await appendOutbox(pool, [event(3), event(4), event(5)]);
    const store = createOutboxStore(pool);
    await expect(
      store.drain(2, async () => {
        throw new Error('Redis is down');
      }),
    ).rejects.toThrow('Redis is down');
    expect(await store.pending(ids)).toBe(3);
    const sent: OutboxMessage[] = [];
    const take = () => store.drain(2, async (messages) => void sent.push(...messages.map((m) => m.message)));
    expect(await take()).toBe(2);
    expect(await take()).toBe(1);
    expect(await take()).toBe(0);
    expect(sent).toEqual([event(3), event(4), event(5)]);
  });

  it('gives a batch to one relay at a time: another skips the messages it holds', async () => {
    const ids = await appendOutbox(pool, [event(6), event(7)]);
    const store = createOutboxStore(pool);
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const first = store.drain(1, async () => {
      entered();
      await held;
    });
    await inside;
    const second: OutboxMessage[] = [];
    expect(
      await store.drain(10, async (messages) => void second.push(...messages.map((m) => m.message))),
    ).toBe(1);
    expect(second).toEqual([event(7)]);
    release();
    expect(await first).toBe(1);
    expect(await store.pending(ids)).toBe(0);
  });
});
