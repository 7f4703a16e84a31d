import { describe, expect, it } from 'vitest';
import { numpyArgsort } from '../src/numpy-argsort.js';
import { reference } from './reference.js';

describe('numpyArgsort', () => {
  it(`orders equal values as numpy.argsort (${reference.argsort.length} recorded arrays of 2 to 395 values)`, () => {
    for (const c of reference.argsort) expect(numpyArgsort(c.values)).toEqual(c.order);
  });

  it('sorts, NaN last', () => {
    const values = [3, Number.NaN, -1, 2, Number.NaN, 0];
    expect(numpyArgsort(values)).toEqual([2, 5, 3, 0, 1, 4]);
  });
});
