import { createHash, randomUUID } from 'node:crypto';
import { isUuid, liveSweepStatuses } from '@hypersweep/core';
import {
  concatBytes,
  type DatasetArray,
  type DatasetColumn,
  type DatasetFormat,
  inspectDataset,
  limitBytes,
} from '@hypersweep/data';
import type { Queryable, Transactional } from './queryable.js';

/** A stored dataset: what packages/data found in it, and where it is (structurally @hypersweep/spec DatasetInfo). */
export interface StoredDataset {
  id: string;
  name: string;
  /** Hex sha256 of the file's bytes. */
  sha256: string;
  format: DatasetFormat;
  bytes: number;
  rows: number;
  columns?: DatasetColumn[];
  arrays?: DatasetArray[];
  createdAt: string;
}

/** The name is taken by a dataset with other bytes (a 409). */
export class DatasetNameTakenError extends Error {
  override readonly name = 'DatasetNameTakenError';
  constructor(readonly existing: StoredDataset) {
    super(`a dataset named "${existing.name}" already exists with other content (sha256 ${existing.sha256})`);
  }
}

export interface DatasetUpload {
  name: string;
  /** The project it goes to (default: `default`): names and contents are unique within a project. */
  project?: string;
  format: DatasetFormat;
  body: AsyncIterable<Uint8Array>;
  maxBytes: number;
}

export type DeleteDatasetOutcome = { deleted: StoredDataset } | { notFound: true } | { inUseBy: string[] };

/** Bytes per dataset_chunks row. */
export const DATASET_CHUNK_BYTES = 1024 * 1024;
/** Chunk rows written per INSERT, and read per SELECT: what the store holds of a file at once. */
const CHUNKS_PER_STATEMENT = 4;

const COLUMNS = `id, name, sha256, format, bytes::float8 AS bytes, rows, description, created_at AS "createdAt"`;

type Row = Omit<StoredDataset, 'columns' | 'arrays' | 'createdAt'> & {
  description: { columns?: DatasetColumn[]; arrays?: DatasetArray[] };
  createdAt: Date;
};

const toDataset = (row: Row): StoredDataset => ({
  id: row.id,
  name: row.name,
  sha256: row.sha256,
  format: row.format,
  bytes: row.bytes,
  rows: row.rows,
  ...row.description,
  createdAt: row.createdAt.toISOString(),
});

/**
 * The project a lookup is confined to: a project's name, or null for every project (a global admin, open
 * mode, the workers). Another project's dataset is not found, as if it did not exist.
 */
export type ProjectScope = string | null;

/** `WHERE` for a uuid or a name ($1). */
const byIdOrName = (value: string) =>
  isUuid(value) ? 'id = $1::text::uuid OR name = $1::text' : 'name = $1::text';

/**
 * Writes a file's bytes as DATASET_CHUNK_BYTES rows, CHUNKS_PER_STATEMENT rows per INSERT, holding at most
 * that many chunks between statements.
 */
function chunkWriter(db: Queryable, datasetId: string) {
  let parts: Uint8Array[] = [];
  let held = 0;
  let seq = 0;
  const insert = async (chunks: Uint8Array[]) => {
    const values = chunks.map((_, k) => `($1, $${2 * k + 2}::int, $${2 * k + 3}::bytea)`).join(', ');
    const params = chunks.flatMap((chunk) => [
      seq++,
      Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength),
    ]);
    await db.query(`INSERT INTO dataset_chunks (dataset_id, seq, data) VALUES ${values}`, [
      datasetId,
      ...params,
    ]);
  };
  const cut = (final: boolean) => {
    const all = concatBytes(parts, held);
    const chunks: Uint8Array[] = [];
    let at = 0;
    for (; all.length - at >= DATASET_CHUNK_BYTES; at += DATASET_CHUNK_BYTES)
      chunks.push(all.subarray(at, at + DATASET_CHUNK_BYTES));
    if (final && at < all.length) {
      chunks.push(all.subarray(at));
      at = all.length;
    }
    parts = at < all.length ? [all.subarray(at)] : [];
    held = all.length - at;
    return chunks;
  };
  return {
    async add(chunk: Uint8Array) {
      parts.push(chunk);
      held += chunk.length;
      if (held >= CHUNKS_PER_STATEMENT * DATASET_CHUNK_BYTES) await insert(cut(false));
    },
    async finish() {
      const chunks = cut(true);
      for (let k = 0; k < chunks.length; k += CHUNKS_PER_STATEMENT)
        await insert(chunks.slice(k, k + CHUNKS_PER_STATEMENT));
    },
  };
}

const isUniqueViolation = (error: unknown, constraint: string) =>
  (error as { code?: string; constraint?: string }).code === '23505' &&
  (error as { constraint?: string }).constraint === constraint;

export interface DatasetStoreOptions {
  /**
   * The pool uploads hold a connection of for their whole transaction (default: `pool`). The API gives
   * them one of their own, so that slow uploads queue among themselves instead of starving other routes.
   */
  uploadPool?: Transactional;
}

/** Uploaded datasets: their bytes in dataset_chunks, their description in datasets, their sweeps. */
export function createDatasetStore(pool: Transactional, options: DatasetStoreOptions = {}) {
  const uploadPool = options.uploadPool ?? pool;
  async function findBySha(sha256: string, project: string): Promise<StoredDataset | null> {
    const { rows } = await pool.query<Row>(
      `SELECT ${COLUMNS} FROM datasets WHERE sha256 = $1 AND project = $2`,
      [sha256, project],
    );
    return rows[0] ? toDataset(rows[0]) : null;
  }

  async function get(idOrName: string, scope: ProjectScope = null): Promise<StoredDataset | null> {
    const { rows } = await pool.query<Row>(
      `SELECT ${COLUMNS} FROM datasets WHERE (${byIdOrName(idOrName)}) AND ($2::text IS NULL OR project = $2)
       ORDER BY (id::text = $1::text) DESC LIMIT 1`,
      [idOrName, scope],
    );
    return rows[0] ? toDataset(rows[0]) : null;
  }

  return {
    /**
     * Stores an upload in one transaction: its row, its bytes as chunk rows as they stream in, their
     * sha256, and packages/data's description, read from the same stream as it passes (the parser pulls;
     * each chunk is hashed and written before it is handed on, so a slow database slows the upload rather
     * than filling memory). Bytes uploaded before (same sha256) answer the stored dataset, `created:
     * false`. A name taken by other bytes throws DatasetNameTakenError; a bad file a DatasetError (status
     * 400, or 413 past maxBytes). Whatever fails (the file, the limit, the client going away, Postgres),
     * the transaction rolls back: no row and no chunk stay behind.
     */
    async upload(upload: DatasetUpload): Promise<{ dataset: StoredDataset; created: boolean }> {
      const project = upload.project ?? 'default';
      const client = await uploadPool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const id = randomUUID();
        // Placeholders until the bytes are known: the real name is set last, so that two uploads of one
        // name do not wait on each other's unique-index entry while they stream.
        await client.query(
          `INSERT INTO datasets (id, name, sha256, format, bytes, rows, description, project)
           VALUES ($1, $2, $2, $3, 0, 0, '{}', $4)`,
          [id, `upload in progress ${id}`, upload.format, project],
        );
        const hash = createHash('sha256');
        const writer = chunkWriter(client, id);
        let bytes = 0;
        let drained = false;
        const tapped = (async function* () {
          for await (const chunk of limitBytes(upload.body, upload.maxBytes)) {
            bytes += chunk.length;
            hash.update(chunk);
            await writer.add(chunk);
            yield chunk;
          }
          await writer.finish();
          drained = true;
        })();
        const { rows, ...description } = await inspectDataset(upload.format, tapped, upload);
        if (!drained) throw new Error(`the ${upload.format} reader stopped before the end of the upload`);
        const sha256 = hash.digest('hex');

        const same = await findBySha(sha256, project);
        if (same) {
          await client.query('ROLLBACK');
          return { dataset: same, created: false };
        }
        try {
          const { rows: stored } = await client.query<Row>(
            `UPDATE datasets SET name = $2, sha256 = $3, bytes = $4, rows = $5, description = $6
             WHERE id = $1 RETURNING ${COLUMNS}`,
            [id, upload.name, sha256, bytes, rows, JSON.stringify(description)],
          );
          await client.query('COMMIT');
          return { dataset: toDataset(stored[0]!), created: true };
        } catch (error) {
          // Another upload committed these bytes, or this name, while this one streamed.
          const sha = isUniqueViolation(error, 'datasets_project_sha256_key');
          if (!sha && !isUniqueViolation(error, 'datasets_project_name_key')) throw error;
          await client.query('ROLLBACK');
          const taken = sha ? await findBySha(sha256, project) : await get(upload.name, project);
          if (taken?.sha256 === sha256) return { dataset: taken, created: false };
          if (taken) throw new DatasetNameTakenError(taken);
          throw error;
        }
      } catch (error) {
        await client.query('ROLLBACK').catch((rollback: Error) => {
          broken = rollback;
        });
        throw error;
      } finally {
        client.release(broken);
      }
    },

    /** linkSweepDatasets: inside the sweep-creation transaction. */
    linkSweep: linkSweepDatasets,

    /** Every dataset of the scope, newest first. */
    async list(scope: ProjectScope = null): Promise<StoredDataset[]> {
      const { rows } = await pool.query<Row>(
        `SELECT ${COLUMNS} FROM datasets WHERE $1::text IS NULL OR project = $1 ORDER BY created_at DESC, name`,
        [scope],
      );
      return rows.map(toDataset);
    },

    /** The dataset with this id or name (in the scope), or null. */
    get,

    /** The datasets with these ids or names (each found once, in the order asked; the missing left out). */
    async findMany(idsOrNames: readonly string[], scope: ProjectScope = null): Promise<StoredDataset[]> {
      if (idsOrNames.length === 0) return [];
      const ids = idsOrNames.filter((value) => isUuid(value));
      const { rows } = await pool.query<Row>(
        `SELECT ${COLUMNS} FROM datasets WHERE (id = ANY($1::uuid[]) OR name = ANY($2::text[]))
           AND ($3::text IS NULL OR project = $3)`,
        [ids, idsOrNames, scope],
      );
      const found = rows.map(toDataset);
      const seen = new Set<string>();
      return idsOrNames.flatMap((value) => {
        const hit = found.find((d) => d.id === value) ?? found.find((d) => d.name === value);
        if (!hit || seen.has(hit.id)) return [];
        seen.add(hit.id);
        return [hit];
      });
    },

    /**
     * Deletes a dataset (its chunks and links go with it), unless a live sweep (queued or running) uses
     * it: then `inUseBy` names those sweeps. The row is locked first, so a sweep cannot link it meanwhile.
     */
    async delete(idOrName: string, scope: ProjectScope = null): Promise<DeleteDatasetOutcome> {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const { rows } = await client.query<Row>(
          `SELECT ${COLUMNS} FROM datasets WHERE (${byIdOrName(idOrName)}) AND ($2::text IS NULL OR project = $2)
           ORDER BY (id::text = $1::text) DESC LIMIT 1 FOR UPDATE`,
          [idOrName, scope],
        );
        const row = rows[0];
        if (!row) {
          await client.query('ROLLBACK');
          return { notFound: true };
        }
        const { rows: users } = await client.query<{ id: string }>(
          `SELECT s.id FROM sweep_datasets l JOIN sweeps s ON s.id = l.sweep_id
           WHERE l.dataset_id = $1 AND s.status::text = ANY($2::text[]) ORDER BY s.created_at`,
          [row.id, [...liveSweepStatuses]],
        );
        if (users.length > 0) {
          await client.query('ROLLBACK');
          return { inUseBy: users.map((u) => u.id) };
        }
        await client.query('DELETE FROM datasets WHERE id = $1', [row.id]);
        await client.query('COMMIT');
        return { deleted: toDataset(row) };
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },

    /**
     * A dataset's bytes in order, CHUNKS_PER_STATEMENT chunk rows per query (memory stays bounded
     * whatever the file's size). Throws when no dataset has this id.
     */
    async *readChunks(id: string): AsyncGenerator<Uint8Array> {
      let seq = 0;
      for (;;) {
        const { rows } = await pool.query<{ seq: number; data: Buffer }>(
          'SELECT seq, data FROM dataset_chunks WHERE dataset_id = $1 AND seq >= $2 ORDER BY seq LIMIT $3',
          [id, seq, CHUNKS_PER_STATEMENT],
        );
        if (seq === 0 && rows.length === 0)
          throw new Error(`dataset ${id} has no stored bytes (no such dataset)`);
        for (const row of rows) {
          if (row.seq !== seq) throw new Error(`dataset ${id}: chunk ${seq} is missing`);
          seq += 1;
          yield row.data;
        }
        if (rows.length < CHUNKS_PER_STATEMENT) return;
      }
    },
  };
}

export type DatasetStore = ReturnType<typeof createDatasetStore>;

/**
 * Records that `sweepId` uses `datasetIds`: call it inside the transaction that creates the sweep (`db`
 * is that transaction's client), so that a dataset cannot be deleted while a live sweep uses it.
 */
export async function linkSweepDatasets(
  db: Queryable,
  sweepId: string,
  datasetIds: readonly string[],
): Promise<void> {
  if (datasetIds.length === 0) return;
  await db.query(
    `INSERT INTO sweep_datasets (sweep_id, dataset_id) SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING`,
    [sweepId, datasetIds],
  );
}

/**
 * The datasets a sweep was created with (sweep_datasets): what its later trials must read too. A search's
 * proposer and a grid's extension resolve the spec's dataset names against these, never against a dataset
 * uploaded since under the same name. A dataset deleted since is missing here.
 */
export async function datasetsOfSweep(db: Queryable, sweepId: string): Promise<StoredDataset[]> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM datasets WHERE id IN (SELECT dataset_id FROM sweep_datasets WHERE sweep_id = $1)`,
    [sweepId],
  );
  return rows.map(toDataset);
}
