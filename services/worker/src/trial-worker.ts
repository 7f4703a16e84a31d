import { createRedis, TRIAL_QUEUE_NAME, type TrialJobData } from '@hypersweep/queue';
import { Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { WorkerConfig } from './config.js';

export interface RunningWorker {
  close(): Promise<void>;
}

export async function startTrialWorker(config: WorkerConfig, log: Logger): Promise<RunningWorker> {
  const connection = createRedis(config.redisUrl);
  const worker = new Worker<TrialJobData>(
    TRIAL_QUEUE_NAME,
    async (job) => {
      log.info({ trialId: job.data.trialId }, 'trial received');
    },
    {
      connection,
      prefix: config.queuePrefix,
      concurrency: config.concurrency,
      lockDuration: config.lockDurationMs,
    },
  );
  await worker.waitUntilReady();
  log.info({ concurrency: config.concurrency }, 'worker ready');
  return {
    async close() {
      await worker.close();
      connection.disconnect();
    },
  };
}
