#!/usr/bin/env node
import { checkMigrated, checkPostgres } from '@hypersweep/db';
import { checkRedis } from '@hypersweep/queue';
import { pino } from 'pino';
import { loadWorkerConfig } from './config.js';
import { startTrialWorker } from './trial-worker.js';

async function main(): Promise<void> {
  const config = loadWorkerConfig();
  await checkPostgres(config.databaseUrl);
  await checkMigrated(config.databaseUrl);
  await checkRedis(config.redisUrl);
  const log = pino({ level: config.logLevel, base: { worker: config.workerId } });
  const worker = await startTrialWorker(config, log);
  process.send?.({ type: 'ready' }); // tells `npm start`'s supervisor this child started
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping: running trials stop at a step boundary and go back to the queue');
    // A step that never ends must not outlive the orchestrator's grace period: exit first, with a reason.
    setTimeout(() => {
      log.error(
        { shutdownMs: config.shutdownMs },
        'could not hand every trial back in time (WORKER_SHUTDOWN_MS); their leases hand them back',
      );
      process.exit(1);
    }, config.shutdownMs).unref();
    await worker.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(`hypersweep worker: ${(error as Error).message}`);
  process.exit(1);
});
