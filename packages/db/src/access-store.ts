import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { apiKeyId, type Principal, type Role } from '@hypersweep/core';
import { inTransaction, type Queryable, type Transactional } from './queryable.js';

/** A stored key as `keys ls` shows it: never its secret. */
export interface ApiKeyInfo {
  id: string;
  /** `hs_<id>_`: what the key starts with, to recognise it. */
  prefix: string;
  /** null: a global admin. */
  project: string | null;
  role: Role;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** One change made through the API (audit_log). */
export interface AuditEntry {
  id: number;
  at: Date;
  keyId: string | null;
  project: string;
  action: string;
  target: string | null;
  status: number;
  requestId: string;
}

export type NewAuditEntry = Omit<AuditEntry, 'id' | 'at'>;

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const sha256 = (value: string) => createHash('sha256').update(value).digest();

/** 8 characters of [a-z0-9] (41 bits): the public id part of a key. */
function newKeyId(): string {
  const bytes = randomBytes(8);
  return Array.from(bytes, (b) => ID_ALPHABET[b % ID_ALPHABET.length]).join('');
}

const KEY_COLUMNS = `id, 'hs_' || id || '_' AS prefix, project, role, created_at AS "createdAt",
  last_used_at AS "lastUsedAt", revoked_at AS "revokedAt"`;

/** How often (at most) one API process writes a key's last_used_at. */
export const LAST_USED_EVERY_MS = 60_000;

/**
 * API keys, projects and the audit log (issue 23). A key is `hs_<id>_<secret>` (32 bytes of randomness in
 * base64url); only the sha256 of the whole key is stored. A presented key is found by its id and compared
 * digest to digest in constant time. Nothing is cached: a revoked key fails on every API process at its next
 * request.
 */
export function createAccessStore(pool: Transactional) {
  const lastWritten = new Map<string, number>();
  let keysExist = false;

  function touch(id: string, now = Date.now()): void {
    if (now - (lastWritten.get(id) ?? 0) < LAST_USED_EVERY_MS) return;
    lastWritten.set(id, now);
    pool.query('UPDATE api_keys SET last_used_at = now() WHERE id = $1', [id]).catch(() => {});
  }

  return {
    /**
     * Creates a key (and its project, when it is the project's first). Returns the key itself: shown once,
     * never stored.
     */
    async createKey(input: {
      project: string | null;
      role: Role;
    }): Promise<{ key: string; info: ApiKeyInfo }> {
      return inTransaction(pool, async (db) => {
        if (input.project !== null) {
          await db.query('INSERT INTO projects (name) VALUES ($1) ON CONFLICT (name) DO NOTHING', [
            input.project,
          ]);
        }
        for (;;) {
          const id = newKeyId();
          const key = `hs_${id}_${randomBytes(32).toString('base64url')}`;
          const { rows } = await db.query<ApiKeyInfo>(
            `INSERT INTO api_keys (id, project, role, secret_sha256) VALUES ($1, $2, $3, $4)
             ON CONFLICT (id) DO NOTHING RETURNING ${KEY_COLUMNS}`,
            [id, input.project, input.role, sha256(key)],
          );
          if (rows[0]) {
            keysExist = true;
            return { key, info: rows[0] };
          }
        }
      });
    },

    /** The principal a presented key stands for, or null (unknown, wrong secret, revoked). */
    async authenticate(key: string): Promise<Principal | null> {
      const id = apiKeyId(key);
      if (id === null) return null;
      const { rows } = await pool.query<{
        project: string | null;
        role: Role;
        secret: Buffer;
        revoked: boolean;
      }>(
        'SELECT project, role, secret_sha256 AS secret, revoked_at IS NOT NULL AS revoked FROM api_keys WHERE id = $1',
        [id],
      );
      const row = rows[0];
      if (!row || row.revoked || !timingSafeEqual(row.secret, sha256(key))) return null;
      touch(id);
      return { keyId: id, role: row.role, project: row.project };
    },

    /** Sets last_used_at, at most once a LAST_USED_EVERY_MS per key from this process (not awaited). */
    touch,

    /** Whether any key was ever stored (revoked ones too: revoking every key does not reopen the service). */
    async anyKeys(): Promise<boolean> {
      if (keysExist) return true; // keys are never deleted: once true, always true
      const { rows } = await pool.query<{ any: boolean }>('SELECT EXISTS (SELECT 1 FROM api_keys) AS any');
      keysExist = rows[0]!.any;
      return keysExist;
    },

    /** Keys of one project (with `project`), or of every project and the global ones (null), newest first. */
    async listKeys(scope: string | null): Promise<ApiKeyInfo[]> {
      const { rows } = await pool.query<ApiKeyInfo>(
        `SELECT ${KEY_COLUMNS} FROM api_keys WHERE $1::text IS NULL OR project = $1 ORDER BY created_at DESC, id`,
        [scope],
      );
      return rows;
    },

    /** One key as listed, or null. */
    async getKey(id: string): Promise<ApiKeyInfo | null> {
      const { rows } = await pool.query<ApiKeyInfo>(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE id = $1`, [
        id,
      ]);
      return rows[0] ?? null;
    },

    /** Revokes a key at once (a second revocation keeps the first time); null when no key has this id. */
    async revokeKey(id: string): Promise<ApiKeyInfo | null> {
      const { rows } = await pool.query<ApiKeyInfo>(
        `UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING ${KEY_COLUMNS}`,
        [id],
      );
      return rows[0] ?? null;
    },

    /** A project's limit overrides ({} when it has none or does not exist). */
    async projectLimits(project: string): Promise<Record<string, number>> {
      const { rows } = await pool.query<{ limits: Record<string, number> }>(
        'SELECT limits FROM projects WHERE name = $1',
        [project],
      );
      return rows[0]?.limits ?? {};
    },

    /** Replaces a project's limit overrides, creating the project if needed. */
    async setProjectLimits(project: string, limits: Record<string, number>): Promise<void> {
      await pool.query(
        `INSERT INTO projects (name, limits) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET limits = $2`,
        [project, JSON.stringify(limits)],
      );
    },

    async appendAudit(entry: NewAuditEntry, db: Queryable = pool): Promise<void> {
      await db.query(
        `INSERT INTO audit_log (key_id, project, action, target, status, request_id) VALUES ($1, $2, $3, $4, $5, $6)`,
        [entry.keyId, entry.project, entry.action, entry.target, entry.status, entry.requestId],
      );
    },

    /** The newest entries first, of one project or (null) all; `before` pages on by id. */
    async listAudit(scope: string | null, page: { limit: number; before?: number }): Promise<AuditEntry[]> {
      const { rows } = await pool.query<AuditEntry>(
        `SELECT id::float8 AS id, at, key_id AS "keyId", project, action, target, status, request_id AS "requestId"
         FROM audit_log WHERE ($1::text IS NULL OR project = $1) AND ($2::bigint IS NULL OR id < $2)
         ORDER BY id DESC LIMIT $3`,
        [scope, page.before ?? null, page.limit],
      );
      return rows;
    },
  };
}

export type AccessStore = ReturnType<typeof createAccessStore>;

/** The project of a sweep (an lr range test is one), or null when no sweep has this id. */
export async function sweepProject(db: Queryable, sweepId: string): Promise<string | null> {
  const { rows } = await db.query<{ project: string }>('SELECT project FROM sweeps WHERE id = $1', [sweepId]);
  return rows[0]?.project ?? null;
}

/** The project of a trial (its sweep's), or null when no trial has this id. */
export async function trialProject(db: Queryable, trialId: string): Promise<string | null> {
  const { rows } = await db.query<{ project: string }>(
    'SELECT s.project FROM trials t JOIN sweeps s ON s.id = t.sweep_id WHERE t.id = $1',
    [trialId],
  );
  return rows[0]?.project ?? null;
}
