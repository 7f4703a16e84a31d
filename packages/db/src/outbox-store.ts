import type { OutboxMessage, OutboxStore, StoredOutboxMessage } from '@hypersweep/core';
import { inTransaction, type Queryable, type Transactional } from './queryable.js';

/**
 * The transactional outbox (table `outbox`): a change of state appends the jobs and events it owes Redis
 * in its own transaction; relays (@hypersweep/core startOutboxRelay, one in every API and worker process)
 * send them and delete them. Returns the new messages' ids, in order.
 */
export async function appendOutbox(db: Queryable, messages: readonly OutboxMessage[]): Promise<string[]> {
  if (messages.length === 0) return [];
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO outbox (message)
     SELECT m.value FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS m ORDER BY m.ordinality
     RETURNING id::text AS id`,
    [JSON.stringify(messages)],
  );
  return rows.map((row) => row.id).sort((a, b) => Number(BigInt(a) - BigInt(b)));
}

/** The outbox as a relay drains it: batches locked by the relay that takes them (SKIP LOCKED). */
export function createOutboxStore(pool: Transactional): OutboxStore {
  return {
    drain: (limit, send) =>
      inTransaction(pool, async (db) => {
        const { rows } = await db.query<StoredOutboxMessage>(
          'SELECT id::text AS id, message FROM outbox ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED',
          [limit],
        );
        if (rows.length === 0) return 0;
        await send(rows);
        await db.query('DELETE FROM outbox WHERE id = ANY($1::bigint[])', [rows.map((row) => row.id)]);
        return rows.length;
      }),
    async pending(ids) {
      const { rows } = await pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM outbox WHERE id = ANY($1::bigint[])',
        [ids],
      );
      return rows[0]!.n;
    },
  };
}
