import { randomBytes } from 'node:crypto';
import { DEFAULT_DATABASE_URL, withDatabase } from './config.js';
import { dropDatabase, ensureDatabase } from './create-database.js';
import { applyMigrations } from './migrate.js';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database of its own for one test file (`hypersweep_test_<random>`), on the server of
 * TEST_DATABASE_URL / DATABASE_URL (default localhost). `drop()` removes it.
 */
export async function createTestDatabase(
  options: { migrate?: boolean; migrationsDir?: string } = {},
): Promise<TestDatabase> {
  const server = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  const url = withDatabase(server, `hypersweep_test_${randomBytes(6).toString('hex')}`);
  await ensureDatabase(url);
  if (options.migrate !== false) {
    await applyMigrations(url, options.migrationsDir ? { migrationsDir: options.migrationsDir } : {});
  }
  return { url, drop: () => dropDatabase(url) };
}
