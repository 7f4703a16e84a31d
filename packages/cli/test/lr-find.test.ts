import { describe, expect, it } from 'vitest';
import { renderLrRangeTest } from '../src/commands/lr-find.js';

type Test = Parameters<typeof renderLrRangeTest>[0];

// lr_i = 10^(i − 5): one point per decade from 1e-5 to 1e4; the smoothed loss falls, bottoms out, blows up
const smoothed = [2.3, 2.3, 2.2, 1.5, 0.6, 0.4, 0.5, 1.2, 3.0, 9.0];
const test: Test = {
  id: '6f1d4a52-2a7e-4d0f-9a43-1b8e2d6c9f01',
  name: 'lr range test: SGD on mnist-mlp',
  status: 'completed',
  settings: { start_lr: 1e-5, end_lr: 1e5, steps: 10, mode: 'exp', smoothing: 0.98 },
  trial: {
    id: '0b7c9f3e-54d1-4c2a-8e6f-7a9d1c3b5e20',
    status: 'completed',
    stepsDone: 10,
    error: null,
    backend: 'wasm',
  },
  stoppedEarly: false,
  curve: smoothed.map((s, i) => ({ step: i + 1, lr: 10 ** (i - 5), loss: s, smoothed: s })),
  suggestions: { steep: 0.01, minimum: 0.1, lrAtMinimum: 1 },
  createdAt: '2026-12-06T14:00:00.000Z',
  finishedAt: '2026-12-06T14:00:09.000Z',
};

describe('lr-find output', () => {
  it('draws the smoothed loss, marks steep (^) and the lowest loss (v) under their points, and says the lrs', () => {
    const lines = renderLrRangeTest(test, 40);
    expect(lines[0]).toBe('lr range test 6f1d4a52  lr range test: SGD on mnist-mlp');
    expect(lines[1]).toBe('exp ramp 0.00001 -> 100000 in 10 steps: completed');
    // ten points, ten characters: min 0.4 at point 5 is the lowest bar, 9.0 at point 9 the highest
    const spark = lines[3]!.trim();
    expect(spark).toHaveLength(10);
    expect(spark[5]).toBe('▁');
    expect(spark[9]).toBe('█');
    // steep 0.01 is point 3 (1e-2), the minimum's lr 1 is point 5 (1e0)
    expect(lines[4]!.slice(2, 8)).toBe('   ^ v');
    // the lrs at the two ends, apart even when the line is short
    expect(lines[5]).toBe('  0.00001  10000');
    expect(lines.at(-1)).toMatch(
      /^suggested lr: 0.01 \(steepest descent\) +0.1 \(lowest loss at 1, \/ 10\)$/,
    );
  });

  it('says where it stopped, and when there is nothing to suggest', () => {
    const stopped = renderLrRangeTest({ ...test, stoppedEarly: true, curve: test.curve.slice(0, 9) }, 40);
    expect(stopped[1]).toMatch(/stopped at step 9 \(smoothed loss above 4x its best\)$/);
    const empty = renderLrRangeTest(
      {
        ...test,
        status: 'queued',
        curve: [],
        suggestions: { steep: null, minimum: null, lrAtMinimum: null },
      },
      40,
    );
    expect(empty.at(-1)).toBe('no steps recorded');
  });
});
