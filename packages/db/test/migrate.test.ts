import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations, readMigrations } from '../src/migrate.js';
import { checkMigrated } from '../src/preflight.js';
import { createTestDatabase, type TestDatabase } from '../src/testing.js';

describe('migration applier', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ migrate: false });
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('services refuse a database that lacks migrations, naming them', async () => {
    const names = readMigrations().map((m) => m.name);
    await expect(checkMigrated(db.url)).rejects.toThrow(
      `lacks ${names.length} migration(s) (${names.join(', ')}); apply them with: npm run db:migrate`,
    );
  });

  it('applies each migration once, even when two appliers race, and records it as Prisma does', async () => {
    const migrations = readMigrations();
    const [a, b] = await Promise.all([applyMigrations(db.url), applyMigrations(db.url)]);
    expect([...a!.applied, ...b!.applied].sort()).toEqual(migrations.map((m) => m.name));
    await expect(checkMigrated(db.url)).resolves.toBeUndefined();
    const again = await applyMigrations(db.url);
    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied).toEqual(migrations.map((m) => m.name));

    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const columns = await client.query(
        `SELECT column_name, data_type, is_nullable FROM information_schema.columns
         WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
      );
      expect(columns.rows.map((r) => `${r.column_name} ${r.data_type} ${r.is_nullable}`)).toEqual([
        'id character varying NO',
        'checksum character varying NO',
        'finished_at timestamp with time zone YES',
        'migration_name character varying NO',
        'logs text YES',
        'rolled_back_at timestamp with time zone YES',
        'started_at timestamp with time zone NO',
        'applied_steps_count integer NO',
      ]);
      const rows = await client.query(
        'SELECT migration_name, checksum, finished_at, applied_steps_count, rolled_back_at FROM _prisma_migrations',
      );
      expect(rows.rows).toHaveLength(migrations.length);
      for (const row of rows.rows) {
        const migration = migrations.find((m) => m.name === row.migration_name)!;
        expect(row.checksum).toMatch(/^[0-9a-f]{64}$/);
        expect(row.checksum).toBe(migration.checksum);
        expect(row.finished_at).toBeInstanceOf(Date);
        expect(row.applied_steps_count).toBe(1);
        expect(row.rolled_back_at).toBeNull();
      }
    } finally {
      await client.end();
    }
  });
});
