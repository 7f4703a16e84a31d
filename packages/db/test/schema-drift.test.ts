import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MIGRATIONS_DIR } from '../src/migrate.js';
import {
  type Datamodel,
  describeDatabase,
  diffSchemas,
  expectedSchema,
  loadDatamodel,
} from '../src/schema-check.js';
import { createTestDatabase, type TestDatabase } from '../src/testing.js';

// Prisma's schema engine (migrate diff) cannot run here, so this test is what keeps the SQL migrations
// and schema.prisma in step: it builds a database from the migrations and compares it with Prisma's own
// reading of the schema, column by column, key by key, index by index.
describe('migrations match schema.prisma', () => {
  let datamodel: Datamodel;
  let db: TestDatabase;
  beforeAll(async () => {
    datamodel = loadDatamodel();
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('every model, column, type, nullability, default, key, index and enum', async () => {
    const expected = expectedSchema(datamodel);
    expect(Object.keys(expected.columns).length).toBeGreaterThan(30);
    expect(diffSchemas(expected, await describeDatabase(db.url))).toEqual([]);
  });

  it('names the difference when a migration drops a column', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'migrations-'));
    cpSync(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
    const file = join(dir, '20261124190000_init', 'migration.sql');
    const sql = readFileSync(file, 'utf8');
    const edited = sql.replace('    "final_loss" DOUBLE PRECISION,\n', '');
    expect(edited).not.toEqual(sql);
    writeFileSync(file, edited);
    const broken = await createTestDatabase({ migrationsDir: dir });
    try {
      expect(diffSchemas(expectedSchema(datamodel), await describeDatabase(broken.url))).toEqual([
        'columns trials.final_loss: in schema.prisma but missing from the database ("double precision null")',
      ]);
    } finally {
      await broken.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the difference when an index or a NOT NULL is missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'migrations-'));
    cpSync(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
    const file = join(dir, '20261124190000_init', 'migration.sql');
    const sql = readFileSync(file, 'utf8')
      .replace('CREATE INDEX "trials_sweep_id_status_idx" ON "trials"("sweep_id", "status");', '')
      .replace('"epoch" INTEGER NOT NULL,\n    "loss"', '"epoch" INTEGER,\n    "loss"');
    writeFileSync(file, sql);
    const broken = await createTestDatabase({ migrationsDir: dir });
    try {
      expect(diffSchemas(expectedSchema(datamodel), await describeDatabase(broken.url))).toEqual([
        'columns step_metrics.epoch: schema.prisma says "integer not null", the database has "integer null"',
        'indexes trials.trials_sweep_id_status_idx: in schema.prisma but missing from the database ("index (sweep_id, status)")',
      ]);
    } finally {
      await broken.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
