import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inspectDataset } from '../src/index.js';
import { chunked } from './support.js';

describe("the repository's example data", () => {
  it('examples/data/digits.csv: 1797 rows, p0..p63 integers 0..16, label 0..9', async () => {
    const bytes = new Uint8Array(readFileSync(new URL('../../../examples/data/digits.csv', import.meta.url)));
    const { rows, columns } = await inspectDataset('csv', chunked(bytes, 65536), { maxBytes: 1 << 20 });
    expect(rows).toBe(1797);
    expect(columns!.map((c) => c.name)).toEqual([...Array.from({ length: 64 }, (_, k) => `p${k}`), 'label']);
    for (const column of columns!) {
      expect(column.type).toBe('integer');
      expect(column.stats.min).toBeGreaterThanOrEqual(0);
      expect(column.stats.max).toBeLessThanOrEqual(16);
    }
    expect(columns!.at(-1)!.stats).toMatchObject({ min: 0, max: 9 });
  });
});
