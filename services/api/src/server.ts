#!/usr/bin/env node
import { checkMigrated, checkPostgres } from '@hypersweep/db';
import { checkRedis } from '@hypersweep/queue';
import { buildApp } from './app.js';
import { loadApiConfig } from './config.js';

async function main(): Promise<void> {
  const config = loadApiConfig();
  await checkPostgres(config.databaseUrl);
  await checkMigrated(config.databaseUrl);
  await checkRedis(config.redisUrl);
  const app = await buildApp({ config });
  const shutdown = async (signal: string) => {
    app.log.info({ signal }, 'shutting down');
    await app.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  await app.listen({ host: config.host, port: config.port });
  app.log.info(`Swagger UI at http://localhost:${config.port}/docs`);
  if (config.apiKeys.length === 0 && !(await app.hypersweep.access.anyKeys()))
    app.log.warn(
      'open mode: no API key exists (no API_KEYS, none created), so anyone who reaches this port can read, change and delete everything; create a key (`hypersweep keys create --project P --role admin` with API_KEYS set) before sharing the service',
    );
  process.send?.({ type: 'ready' }); // tells `npm start`'s supervisor this child started
}

main().catch((error: unknown) => {
  // Unreachable services and bad configuration are one line for a person, not a stack trace.
  console.error(`hypersweep api: ${(error as Error).message}`);
  process.exit(1);
});
