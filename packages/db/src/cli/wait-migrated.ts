#!/usr/bin/env node
// The init container of the API and worker pods (deploy/kubernetes): exits 0 once the migration Job has
// applied every migration this image knows, so no service starts on an older schema.
import { databaseUrlFromEnv, redactUrl } from '../config.js';
import { waitForMigrations } from '../preflight.js';

const url = databaseUrlFromEnv();
const timeoutMs = Number(process.env.MIGRATION_WAIT_MS || 600_000);
waitForMigrations(url, {
  timeoutMs: Number.isFinite(timeoutMs) && timeoutMs > 0 ? timeoutMs : 600_000,
  onWait: (reason) => console.log(`waiting for migrations: ${reason}`),
}).then(
  () => console.log(`migrations applied (${redactUrl(url)})`),
  (error: unknown) => {
    console.error((error as Error).message);
    process.exit(1);
  },
);
