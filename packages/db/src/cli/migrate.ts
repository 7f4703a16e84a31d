#!/usr/bin/env node
// `npm run db:migrate`: creates the database if needed, then applies pending migrations — with
// `prisma migrate deploy` where Prisma's schema engine is installed, otherwise with our applier, which
// records its work in `_prisma_migrations` exactly as Prisma does.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { databaseUrlFromEnv, redactUrl } from '../config.js';
import { ensureDatabase } from '../create-database.js';
import { applyMigrations } from '../migrate.js';
import { checkPostgres, UnreachableError } from '../preflight.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

function prismaEngineAvailable(): boolean {
  const configured = process.env.PRISMA_SCHEMA_ENGINE_BINARY;
  if (configured) return existsSync(configured);
  const enginesDir = join(root, 'node_modules/@prisma/engines');
  return existsSync(enginesDir) && readdirSync(enginesDir).some((file) => file.startsWith('schema-engine'));
}

async function main(): Promise<void> {
  const url = databaseUrlFromEnv();
  await checkPostgres(url);
  if (await ensureDatabase(url)) console.log(`created database ${redactUrl(url)}`);
  if (prismaEngineAvailable() && process.env.HYPERSWEEP_MIGRATOR !== 'builtin') {
    const run = spawnSync(
      process.execPath,
      [join(root, 'packages/db/scripts/prisma.mjs'), 'migrate', 'deploy'],
      {
        stdio: 'inherit',
        env: { ...process.env, DATABASE_URL: url },
      },
    );
    process.exit(run.status ?? 1);
  }
  const result = await applyMigrations(url, { log: (line) => console.log(line) });
  console.log(
    `migrations: ${result.applied.length} applied, ${result.alreadyApplied.length} already applied (${redactUrl(url)})`,
  );
}

main().catch((error: unknown) => {
  console.error(
    error instanceof UnreachableError ? error.message : `db:migrate failed: ${(error as Error).message}`,
  );
  process.exit(1);
});
