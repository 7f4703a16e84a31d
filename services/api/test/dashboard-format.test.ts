import { describe, expect, it } from 'vitest';

// The dashboard's own module (plain ES module without types, no build step), as the browser loads it.
const dashboardFormat = new URL('../public/format.js', import.meta.url).href;
const { formatDuration } = (await import(dashboardFormat)) as { formatDuration(ms: number | null): string };

describe("the dashboard's durations", () => {
  it('round the whole duration once, then split it: never "8 min 60 s"', () => {
    expect(formatDuration(null)).toBe('—');
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(1_000)).toBe('1.0 s');
    expect(formatDuration(59_940)).toBe('59.9 s');
    expect(formatDuration(59_960)).toBe('1 min 0 s');
    expect(formatDuration(539_600)).toBe('9 min 0 s');
    expect(formatDuration(539_400)).toBe('8 min 59 s');
    expect(formatDuration(3_599_600)).toBe('1 h 0 min');
    expect(formatDuration(3_600_000 + 59 * 60_000 + 40_000)).toBe('2 h 0 min');
    expect(formatDuration(2 * 3_600_000 + 5 * 60_000)).toBe('2 h 5 min');
  });
});
