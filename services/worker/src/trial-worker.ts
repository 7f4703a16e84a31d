import { startOutboxRelay, trialOperations } from '@hypersweep/core';
import {
  createDatasetStore,
  createOutboxStore,
  createPool,
  createTrialStore,
  heartbeat,
  retryWhileUnreachable,
} from '@hypersweep/db';
import {
  cancelChannel,
  createOutboxSink,
  createRedis,
  createTrialQueue,
  publishEvent,
  rowsWrittenKey,
  TRIAL_QUEUE_NAME,
  type TrialJobData,
} from '@hypersweep/queue';
import { packedByDefault } from '@hypersweep/trainer';
import { Worker } from 'bullmq';
import type { Logger } from 'pino';
import { AUTO_PACK_SIZE, type WorkerConfig } from './config.js';
import { createDatasetFiles } from './dataset-files.js';
import { foreignJobs, sharingWarning } from './queue-sharing.js';
import { startReconciler } from './reconciler.js';
import { RunningTrials, StopReason } from './running-trials.js';
import { settleOrLeave, sweepSettler } from './search-proposer.js';
import { TrainerPool } from './trainer-pool.js';
import { createTrialProcessor, retryRunner } from './trial-processor.js';

export interface RunningWorker {
  close(): Promise<void>;
}

/**
 * A worker process's parts wired together: the BullMQ consumer running the trial processor on a pool of
 * training threads, the cancel subscription, the heartbeat of its running trials and the reconciler.
 * Every connection survives its store restarting.
 */
export async function startTrialWorker(config: WorkerConfig, log: Logger): Promise<RunningWorker> {
  // The first training thread starts the backend: one that cannot start stops the worker here.
  const trainers = new TrainerPool(config.concurrency, (trials) => {
    if (trials > 1) log.debug({ trials }, 'training a pack');
  });
  const { backend, webgpu } = await trainers.start(config.backend);
  const packSize =
    config.packSize === 'auto' ? (packedByDefault[backend] ? AUTO_PACK_SIZE : 1) : config.packSize;
  trainers.setPacking({ size: packSize, waitMs: config.packWaitMs });
  // Each thread trains up to packSize trials at once, each its own job.
  const slots = config.concurrency * packSize;
  const connection = createRedis(config.redisUrl);
  // Events and counters must never hold a trial up: with Redis down they fail at once and are dropped.
  const publisher = createRedis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  const subscriber = createRedis(config.redisUrl);
  const producer = createRedis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  for (const redis of [connection, publisher, subscriber, producer])
    redis.on('error', (error: Error) => log.debug({ err: error }, 'redis connection error'));
  const pool = createPool(config.databaseUrl, {
    max: slots + 3,
    onError: (error) => log.warn({ err: error }, 'Postgres connection lost; the pool reconnects'),
  });
  const running = new RunningTrials();
  const stopping = new AbortController();

  await subscriber.subscribe(cancelChannel(config.queuePrefix));
  subscriber.on('message', (_channel: string, sweepId: string) =>
    running.stopSweep(sweepId, StopReason.cancelled),
  );

  const queue = createTrialQueue(producer, config.queuePrefix);
  queue.on('error', () => {});
  // Best effort, before taking jobs: a neighbour on the same Redis and QUEUE_PREFIX would lose its jobs to us.
  await foreignJobs(queue, pool)
    .then((found) => {
      const warning = sharingWarning(config.queuePrefix, found);
      if (warning !== null) log.warn({ queuePrefix: config.queuePrefix, ...found }, warning);
    })
    .catch((error: unknown) => log.debug({ err: error }, 'could not look at the queue at start-up'));

  // The jobs and events of every change of state go through the outbox; this worker's relay sends them
  // (and those any other process left behind).
  const relay = startOutboxRelay({
    store: createOutboxStore(pool),
    sink: createOutboxSink({ queue, redis: producer, prefix: config.queuePrefix }),
    onError: (error) => log.debug({ err: error }, 'outbox relay: Redis or Postgres unavailable; retrying'),
  });
  /** Every lifecycle statement waits out a Postgres restart (no BullMQ attempt is spent). */
  const retry = retryRunner(stopping.signal, log);
  // Random / tpe sweeps create their next trials as trials end; every sweep completes when nothing is left.
  const settle = sweepSettler({ pool, relay, log, run: retry });
  const lifecycle = trialOperations({
    store: createTrialStore(pool, retry),
    relay,
    settle: settleOrLeave(settle, log),
    // Live events must never hold a trial up: with Redis down they fail at once and are dropped.
    publishLive: (event) => {
      publishEvent(publisher, config.queuePrefix, event).catch(() => {});
    },
    ...(config.maxLost !== undefined ? { maxLost: config.maxLost } : {}),
  });
  // Uploaded datasets cross the network once per machine: fetched from Postgres into DATASET_CACHE_DIR.
  const datasetStore = createDatasetStore(pool);
  const datasetFiles = createDatasetFiles({
    dir: config.datasetCacheDir,
    maxBytes: config.datasetCacheMaxBytes,
    fetch: (ref) => datasetStore.readChunks(ref.id),
  });
  const processTrial = createTrialProcessor({
    lifecycle,
    datasetFiles: async (refs) =>
      Object.fromEntries(
        await Promise.all(
          refs.map(async (ref) => [ref.sha256, await retry(() => datasetFiles.path(ref))] as const),
        ),
      ),
    db: pool,
    trainers,
    running,
    onRowsWritten: (rows) => {
      publisher.incrby(rowsWrittenKey(config.queuePrefix), rows).catch(() => {});
    },
    workerId: config.workerId,
    backend: config.backend,
    checkpointEvery: config.checkpointEvery,
    stopping: stopping.signal,
    log,
  });

  const worker = new Worker<TrialJobData>(TRIAL_QUEUE_NAME, processTrial, {
    connection,
    prefix: config.queuePrefix,
    concurrency: slots,
    lockDuration: config.lockDurationMs,
    stalledInterval: Math.min(30_000, config.lockDurationMs),
  });
  worker.on('error', (error) => log.warn({ err: error }, 'queue error'));
  await worker.waitUntilReady();

  // Heartbeat of every running trial in one statement (one at a time: while Postgres is down the beat in
  // flight waits for it); a trial another worker holds now is stopped here.
  let beating = false;
  const beat = setInterval(
    () => {
      const ids = running.ids();
      if (ids.length === 0 || beating) return;
      beating = true;
      retryWhileUnreachable(() => heartbeat(pool, config.workerId, ids), {
        signal: stopping.signal,
        maxDelayMs: 1000,
      })
        .then((held) => {
          for (const id of ids) if (!held.includes(id)) running.stop(id, StopReason.lost);
        })
        .catch((error: unknown) => log.warn({ err: error }, 'heartbeat failed'))
        .finally(() => {
          beating = false;
        });
    },
    Math.max(250, Math.floor(config.trialLeaseMs / 4)),
  );

  const reconciler = startReconciler({
    pool,
    queue,
    leaseMs: config.trialLeaseMs,
    maxLost: config.maxLost,
    everyMs: config.reconcileEveryMs,
    log,
    settle,
  });
  // Redis came back (possibly empty: a restart without persistence loses every job): reconcile now.
  let connectedOnce = producer.status === 'ready';
  producer.on('ready', () => {
    if (connectedOnce) {
      reconciler.trigger('redis reconnected');
      relay.kick();
    }
    connectedOnce = true;
  });
  log.info({ concurrency: config.concurrency, backend, webgpu, packSize }, 'worker ready');

  return {
    async close() {
      stopping.abort();
      running.stopAll(StopReason.shutdown);
      clearInterval(beat);
      await reconciler.close();
      await worker.close();
      await relay.close();
      await trainers.close();
      await datasetFiles.close();
      await queue.close().catch(() => {});
      for (const redis of [subscriber, publisher, producer, connection]) redis.disconnect();
      await pool.end();
    },
  };
}
