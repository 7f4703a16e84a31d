#!/usr/bin/env node
// Runs the Prisma CLI from the repository root. The CLI downloads its native schema engine at start-up
// unless PRISMA_SCHEMA_ENGINE_BINARY names one; `prisma generate` never uses the engine, so where none is
// installed we point the variable at a placeholder and generation works offline.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const cli = createRequire(join(root, 'package.json')).resolve('prisma/build/index.js');
const env = { ...process.env };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY || !existsSync(env.PRISMA_SCHEMA_ENGINE_BINARY)) {
  if (process.argv[2] === 'generate') env.PRISMA_SCHEMA_ENGINE_BINARY = process.execPath;
}
const run = spawnSync(process.execPath, [cli, ...process.argv.slice(2)], {
  cwd: root,
  env,
  stdio: 'inherit',
});
process.exit(run.status ?? 1);
