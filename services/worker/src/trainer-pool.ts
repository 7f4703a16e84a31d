import { Worker as Thread } from 'node:worker_threads';
import {
  type BackendChoice,
  type BackendName,
  type Checkpoint,
  type EpochRecord,
  packKey,
  type StepRecord,
  type TrialConfig,
  type TrialResult,
} from '@hypersweep/trainer';
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

/** How a pool groups trials into packs (runPackedTrials). */
export interface Packing {
  /** The most trials one thread trains as one batched program; 1: every trial runs alone. */
  size: number;
  /**
   * How long a trial that can pack waits for others of its kind (the same packKey) before its thread starts
   * with those there are. Jobs of a sweep arrive within milliseconds of each other, so this is short.
   */
  waitMs: number;
}

interface Request {
  config: TrialConfig;
  options: PoolRunOptions;
  hooks: PoolHooks;
  /** Trials with equal keys can pack; null: this one runs alone. */
  key: string | null;
  since: number;
  resolve(result: TrialResult): void;
  reject(error: Error): void;
}

const THREAD_ENTRY = new URL('./trial-thread.js', import.meta.url);

/**
 * The trial's packKey; null (it runs alone) also when its config is invalid, so that the training thread
 * reports the error as it does for any trial, and the processor fails the trial for good.
 */
function keyOf(config: TrialConfig, options: PoolRunOptions): string | null {
  try {
    return packKey(config, {
      backend: options.backend as BackendChoice,
      ...(options.resumeFrom ? { resumeFrom: options.resumeFrom } : {}),
    });
  } catch {
    return null;
  }
}

/**
 * A fixed set of training threads, each running one trial, or one pack of trials, at a time. Trials wait
 * in order for a free thread (at most the BullMQ worker's concurrency of them, so the wait list is
 * bounded); with packing on, a free thread takes the oldest waiting trial and up to `size - 1` others with
 * its packKey. Threads live as long as the worker: a trial pays no thread start or TensorFlow.js start-up.
 * To the caller every trial is its own `run`, with its own hooks, abort and result, packed or not.
 */
export class TrainerPool {
  private readonly idle: Thread[] = [];
  private readonly all = new Set<Thread>();
  private readonly waiting: Request[] = [];
  private packing: Packing = { size: 1, waitMs: 0 };
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  /**
   * @param onDispatch told the size of each run a thread starts (1 for a trial alone).
   * @param entry the training thread's module (tests running this file from source pass the built one).
   */
  constructor(
    private readonly size: number,
    private readonly onDispatch?: (trials: number) => void,
    private readonly entry: URL = THREAD_ENTRY,
  ) {}

  /** Packs of up to `packing.size` trials from now on (default: none). */
  setPacking(packing: Packing): void {
    this.packing = packing;
  }

  /**
   * Starts one thread on `backend` and returns the backend it runs (what `auto` chose) and what its WebGPU
   * probe found (the adapter, or why there is none); a backend that cannot start is an error here, at
   * start-up, instead of in every trial.
   */
  async start(backend: string): Promise<{ backend: BackendName; webgpu: string }> {
    const thread = this.spawn();
    try {
      const reply = await new Promise<FromThread>((resolve, reject) => {
        const exited = (code: number) => reject(new Error(`training thread exited with code ${code}`));
        thread.once('message', (message: FromThread) => {
          thread.off('error', reject).off('exit', exited);
          resolve(message);
        });
        thread.once('error', reject).once('exit', exited);
        thread.postMessage({ type: 'start', backend } satisfies ToThread);
      });
      if (reply.type === 'error') throw new TrialThreadError(reply.name, reply.message);
      if (reply.type !== 'started')
        throw new Error(`unexpected ${reply.type} from a starting training thread`);
      this.idle.push(thread);
      return { backend: reply.backend, webgpu: reply.webgpu };
    } catch (error) {
      await thread.terminate();
      throw error;
    }
  }

  /** Trains one trial, alone or in a pack; resolves with its result, as runTrial would. */
  run(config: TrialConfig, options: PoolRunOptions, hooks: PoolHooks): Promise<TrialResult> {
    if (this.closed) return Promise.reject(new Error('the training threads are closed'));
    return new Promise<TrialResult>((resolve, reject) => {
      const key = this.packing.size > 1 ? keyOf(config, options) : null;
      this.waiting.push({ config, options, hooks, key, since: Date.now(), resolve, reject });
      // Stopped while waiting for its pack (a cancel, a shutdown): it need not wait out the window.
      hooks.signal.addEventListener('abort', () => this.dispatch(), { once: true });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    for (const request of this.waiting.splice(0))
      request.reject(new Error('the training threads are closed'));
    await Promise.all([...this.all].map((thread) => thread.terminate()));
  }

  private spawn(): Thread {
    const thread = new Thread(this.entry);
    this.all.add(thread);
    thread.once('exit', () => {
      this.forget(thread);
      this.dispatch();
    });
    return thread;
  }

  private forget(thread: Thread): void {
    this.all.delete(thread);
    const i = this.idle.indexOf(thread);
    if (i >= 0) this.idle.splice(i, 1);
  }

  private get threadFree(): boolean {
    return this.idle.length > 0 || this.all.size < this.size;
  }

  /** Starts every waiting run a free thread can take now, in order; a pack still filling waits its time. */
  private dispatch(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.closed) return;
    const now = Date.now();
    let wakeAt = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.waiting.length && this.threadFree; ) {
      const first = this.waiting[i]!;
      let group = [first];
      if (first.key !== null && !first.hooks.signal.aborted) {
        group = this.waiting
          .filter((request) => request.key === first.key && !request.hooks.signal.aborted)
          .slice(0, this.packing.size);
        const until = first.since + this.packing.waitMs;
        if (group.length < this.packing.size && now < until) {
          wakeAt = Math.min(wakeAt, until);
          i += 1;
          continue;
        }
      }
      for (const request of group) this.waiting.splice(this.waiting.indexOf(request), 1);
      this.launch(this.idle.pop() ?? this.spawn(), group);
    }
    if (wakeAt < Number.POSITIVE_INFINITY && this.threadFree)
      this.timer = setTimeout(() => this.dispatch(), wakeAt - now);
  }

  /** Runs `group` on `thread`: one trial with runTrial, several as one pack. */
  private launch(thread: Thread, group: Request[]): void {
    this.onDispatch?.(group.length);
    const post = (message: ToThread) => thread.postMessage(message);
    const aborts = group.map(
      (request, index) => () =>
        post({ type: 'abort', index, reason: String(request.hooks.signal.reason ?? 'aborted') }),
    );
    const finish = (keep: boolean) => {
      for (const [index, request] of group.entries())
        request.hooks.signal.removeEventListener('abort', aborts[index]!);
      thread.off('message', onMessage);
      thread.off('error', onCrash);
      thread.off('exit', onExit);
      if (keep) this.idle.push(thread);
      else void thread.terminate();
      this.dispatch();
    };
    const onMessage = (message: FromThread) => {
      if (message.type === 'done') {
        finish(true);
        for (const [index, outcome] of message.outcomes.entries()) {
          if (outcome.ok) group[index]!.resolve(outcome.result);
          else group[index]!.reject(new TrialThreadError(outcome.name, outcome.message));
        }
      } else if (message.type === 'call') {
        const { hooks } = group[message.index]!;
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
    const crashed = (error: Error) => {
      finish(false);
      for (const request of group) request.reject(error);
    };
    const onCrash = (error: Error) => crashed(error);
    const onExit = (code: number) => crashed(new Error(`training thread exited with code ${code}`));
    thread.on('message', onMessage);
    thread.once('error', onCrash);
    thread.once('exit', onExit);
    post({ type: 'run', trials: group.map(({ config, options }) => ({ config, options })) });
    // after 'run', so the thread has trials to abort
    for (const [index, request] of group.entries()) {
      if (request.hooks.signal.aborted) aborts[index]!();
      else request.hooks.signal.addEventListener('abort', aborts[index]!, { once: true });
    }
  }
}
