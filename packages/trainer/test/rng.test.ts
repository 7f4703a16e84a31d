import { describe, expect, it } from 'vitest';
import { Rng } from '../src/rng.js';

describe('Rng', () => {
  it('gives the same sequence for the same seed and stream, and different ones otherwise', () => {
    const draw = (rng: Rng) => Array.from({ length: 8 }, () => rng.nextUint32());
    expect(draw(Rng.forStream(7, 'init'))).toEqual(draw(Rng.forStream(7, 'init')));
    expect(draw(Rng.forStream(7, 'init'))).not.toEqual(draw(Rng.forStream(8, 'init')));
    expect(draw(Rng.forStream(7, 'init'))).not.toEqual(draw(Rng.forStream(7, 'order')));
    expect(draw(Rng.forStream(2 ** 40, 'init'))).not.toEqual(draw(Rng.forStream(0, 'init')));
    expect(draw(Rng.forStream(-1, 'data'))).not.toEqual(draw(Rng.forStream(1, 'data')));
  });

  it('continues exactly from a saved state that survived JSON', () => {
    const rng = Rng.forStream(3, 'order');
    rng.permutation(100);
    const saved = JSON.parse(JSON.stringify(rng.state()));
    const expected = rng.permutation(50);
    expect(Rng.fromState(saved).permutation(50)).toEqual(expected);
    expect(() => Rng.fromState([1, 2, 3] as never)).toThrow(/four unsigned/);
  });

  it('draws uniform values in [0, 1) and normal values with mean 0 and variance 1', () => {
    const rng = Rng.forStream(11, 'data');
    const uniform = rng.fillUniform(new Float32Array(20_000), 0, 1);
    expect(Math.min(...uniform)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...uniform)).toBeLessThan(1);
    expect(mean(uniform)).toBeCloseTo(0.5, 2);
    const normal = rng.fillNormal(new Float32Array(20_001));
    expect(mean(normal)).toBeCloseTo(0, 1);
    expect(mean(normal.map((v) => v * v))).toBeCloseTo(1, 1);
  });

  it('draws permutations of 0..n-1', () => {
    const order = Rng.forStream(5, 'order').permutation(1000);
    expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect([...order]).not.toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });
});

function mean(values: Float32Array): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}
