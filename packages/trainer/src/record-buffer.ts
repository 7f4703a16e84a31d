/**
 * Runs storage tasks (record batches, checkpoints) one at a time in the order they were queued, while
 * the caller goes on: `enqueue` returns at once unless more than `window` tasks are unacknowledged, and
 * then waits for the oldest to finish (backpressure, so memory stays bounded by `window` tasks). After a
 * task fails, none of the later ones runs (a checkpoint never lands after a batch that was not stored) and
 * the failure is thrown by the next `enqueue` or `drain`.
 */
export class StoragePipeline {
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;
  private failure: { error: unknown } | null = null;
  private readonly waiters: Array<() => void> = [];

  constructor(readonly window: number) {
    if (!Number.isInteger(window) || window < 0)
      throw new RangeError('the storage window must be an integer >= 0');
  }

  /** Tasks queued or running, not yet finished. */
  get unacknowledged(): number {
    return this.pending;
  }

  /** Queues `task` after every earlier one; returns once at most `window` tasks are unfinished. */
  async enqueue(task: () => Promise<void> | void): Promise<void> {
    this.throwIfFailed();
    this.pending += 1;
    this.tail = this.tail.then(async () => {
      try {
        if (this.failure === null) await task();
      } catch (error) {
        this.failure = { error };
      } finally {
        this.pending -= 1;
        this.waiters.shift()?.();
      }
    });
    while (this.pending > this.window) await new Promise<void>((resolve) => this.waiters.push(resolve));
    this.throwIfFailed();
  }

  /** Waits for every queued task; throws the first failure. */
  async drain(): Promise<void> {
    await this.tail;
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure !== null) throw this.failure.error;
  }
}

/**
 * Collects records and hands them to an async sink in batches: when `records` are buffered or
 * `ms` have passed since the last flush. Batches go through a StoragePipeline: the sink gets them
 * one at a time and in order, and a push waits only when the sink is more than the pipeline's window
 * of batches behind (backpressure), so a slow database slows training instead of letting memory grow.
 */
export class RecordBuffer<T> {
  private buffer: T[] = [];
  private lastFlush = Date.now();

  constructor(
    private readonly sink: (records: T[]) => Promise<void> | void,
    private readonly limits: { records: number; ms: number },
    private readonly pipeline: StoragePipeline = new StoragePipeline(0),
  ) {
    if (!(limits.records >= 1) || !(limits.ms >= 0)) {
      throw new RangeError('flushEvery needs records >= 1 and ms >= 0');
    }
  }

  get size(): number {
    return this.buffer.length;
  }

  /** Adds a record; flushes when a limit is reached. */
  async push(record: T): Promise<void> {
    this.buffer.push(record);
    if (this.buffer.length >= this.limits.records || Date.now() - this.lastFlush >= this.limits.ms) {
      await this.flush();
    }
  }

  /** Queues every buffered record for the sink (nothing when empty); see `stored` to wait for them. */
  async flush(): Promise<void> {
    this.lastFlush = Date.now();
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    await this.pipeline.enqueue(() => this.sink(batch));
  }

  /** Flushes and waits until the sink has stored every record pushed so far. */
  async stored(): Promise<void> {
    await this.flush();
    await this.pipeline.drain();
  }
}
