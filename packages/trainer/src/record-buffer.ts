/**
 * Collects records and hands them to an async sink in batches: when `records` are buffered or
 * `ms` have passed since the last flush. The sink is awaited, so a slow database slows training
 * instead of letting memory grow (backpressure).
 */
export class RecordBuffer<T> {
  private buffer: T[] = [];
  private lastFlush = Date.now();

  constructor(
    private readonly sink: (records: T[]) => Promise<void> | void,
    private readonly limits: { records: number; ms: number },
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

  /** Hands every buffered record to the sink (nothing when empty). */
  async flush(): Promise<void> {
    this.lastFlush = Date.now();
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    await this.sink(batch);
  }
}
