import { describe, expect, it } from 'vitest';
import { RecordBuffer } from '../src/record-buffer.js';

describe('RecordBuffer', () => {
  it('hands records to the sink in batches of the configured size, in order, with the rest on flush', async () => {
    const calls: number[][] = [];
    const buffer = new RecordBuffer<number>(
      (records) => {
        calls.push(records);
      },
      { records: 4, ms: 60_000 },
    );
    for (let i = 0; i < 10; i++) await buffer.push(i);
    expect(calls).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
    ]);
    await buffer.flush();
    await buffer.flush();
    expect(calls).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
  });

  it('flushes by time when records trickle in', async () => {
    const calls: number[][] = [];
    const buffer = new RecordBuffer<number>(
      (records) => {
        calls.push(records);
      },
      { records: 1000, ms: 20 },
    );
    await buffer.push(1);
    await new Promise((resolve) => setTimeout(resolve, 30));
    await buffer.push(2);
    expect(calls).toEqual([[1, 2]]);
  });

  it('awaits the sink before accepting more records (backpressure)', async () => {
    let inSink = 0;
    let maxConcurrent = 0;
    const buffer = new RecordBuffer<number>(
      async () => {
        inSink += 1;
        maxConcurrent = Math.max(maxConcurrent, inSink);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inSink -= 1;
      },
      { records: 1, ms: 0 },
    );
    for (let i = 0; i < 5; i++) await buffer.push(i);
    expect(maxConcurrent).toBe(1);
  });
});
