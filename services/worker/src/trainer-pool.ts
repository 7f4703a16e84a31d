import { Worker as Thread } from 'node:worker_threads';
import type { Checkpoint, EpochRecord, StepRecord, TrialConfig, TrialResult } from '@hypersweep/trainer';
import type { FromThread, PoolRunOptions, ToThread } from './thread-protocol.js';

export interface PoolHooks {
  sink(records: StepRecord[]): Promise<void>;
  onEpoch(record: EpochRecord): Promise<void>;
  onCheckpoint(checkpoint: Checkpoint): Promise<void>;
  signal: AbortSignal;
}

/** An error raised inside a training thread, with the trainer's error name (TrainerError, OptimError, ...). */
export class TrialThreadError extends Error {
  constructor(
    override readonly name: string,
    message: string,
  ) {
    super(message);
  }
}

const THREAD_ENTRY = new URL('./trial-thread.js', import.meta.url);

/**
 * A fixed set of training threads, one trial each at a time. The BullMQ worker's concurrency equals the
 * pool size, so a free thread is always there when a job arrives. Threads live as long as the worker:
 * a trial pays no thread start or TensorFlow.js start-up.
 */
export class TrainerPool {
  private readonly idle: Thread[] = [];
  private readonly all = new Set<Thread>();

  constructor(private readonly size: number) {}

  private spawn(): Thread {
    const thread = new Thread(THREAD_ENTRY);
    this.all.add(thread);
    thread.once('exit', () => {
      this.all.delete(thread);
      const i = this.idle.indexOf(thread);
      if (i >= 0) this.idle.splice(i, 1);
    });
    return thread;
  }

  private take(): Thread {
    const thread = this.idle.pop();
    if (thread) return thread;
    if (this.all.size >= this.size) throw new Error(`all ${this.size} training threads are busy`);
    return this.spawn();
  }

  run(config: TrialConfig, options: PoolRunOptions, hooks: PoolHooks): Promise<TrialResult> {
    const thread = this.take();
    return new Promise<TrialResult>((resolve, reject) => {
      const post = (message: ToThread) => thread.postMessage(message);
      const onAbort = () => post({ type: 'abort', reason: String(hooks.signal.reason ?? 'aborted') });
      const finish = (keep: boolean) => {
        hooks.signal.removeEventListener('abort', onAbort);
        thread.off('message', onMessage);
        thread.off('error', onCrash);
        thread.off('exit', onExit);
        if (keep) this.idle.push(thread);
        else void thread.terminate();
      };
      const onMessage = (message: FromThread) => {
        if (message.type === 'done') {
          finish(true);
          resolve(message.result);
        } else if (message.type === 'error') {
          finish(true);
          reject(new TrialThreadError(message.name, message.message));
        } else {
          const handler =
            message.hook === 'sink'
              ? hooks.sink(message.payload)
              : message.hook === 'epoch'
                ? hooks.onEpoch(message.payload)
                : hooks.onCheckpoint(message.payload);
          handler.then(
            () => post({ type: 'ack', callId: message.callId }),
            (error: Error) => post({ type: 'ack', callId: message.callId, error: error.message }),
          );
        }
      };
      const onCrash = (error: Error) => {
        finish(false);
        reject(error);
      };
      const onExit = (code: number) => {
        finish(false);
        reject(new Error(`training thread exited with code ${code}`));
      };
      thread.on('message', onMessage);
      thread.once('error', onCrash);
      thread.once('exit', onExit);
      post({ type: 'run', config, options });
      // after 'run', so the thread has a trial to abort
      if (hooks.signal.aborted) onAbort();
      else hooks.signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.all].map((thread) => thread.terminate()));
  }
}
