import { describe, expect, it } from 'vitest';
import { compareValues, countsAsValue, isBetter, updateBest } from '../src/objective.js';

describe('the objective', () => {
  it('only finite values count', () => {
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, null, undefined])
      expect(countsAsValue(value)).toBe(false);
    expect(countsAsValue(0)).toBe(true);
  });
  it('better is strict, by the mode; anything that counts beats null', () => {
    expect(isBetter('min', 1, 2)).toBe(true);
    expect(isBetter('min', 2, 2)).toBe(false);
    expect(isBetter('max', 3, 2)).toBe(true);
    expect(isBetter('max', 1, null)).toBe(true);
    expect(isBetter('min', Number.NEGATIVE_INFINITY, 1)).toBe(false);
    expect(isBetter('max', Number.NaN, null)).toBe(false);
  });
  it('best so far keeps the earlier of equal values and skips NaN and Infinity', () => {
    let best = updateBest(null, 'min', Number.POSITIVE_INFINITY, 1);
    expect(best).toBeNull();
    best = updateBest(best, 'min', 0.5, 2);
    best = updateBest(best, 'min', 0.5, 3);
    best = updateBest(best, 'min', Number.NaN, 4);
    expect(best).toEqual({ value: 0.5, step: 2 });
    expect(updateBest(best, 'min', 0.25, 5)).toEqual({ value: 0.25, step: 5 });
  });
  it('sorts best first, values that do not count last', () => {
    const values = [3, null, 1, Number.NaN, 2];
    expect([...values].sort(compareValues('min')).slice(0, 3)).toEqual([1, 2, 3]);
    expect([...values].sort(compareValues('max')).slice(0, 3)).toEqual([3, 2, 1]);
  });
});
