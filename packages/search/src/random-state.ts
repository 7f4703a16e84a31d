/**
 * A seeded, portable random number generator: the Mersenne Twister MT19937 with the seeding and the
 * draws of NumPy's legacy `numpy.random.RandomState` (what Optuna 3.1's samplers use). Only 32-bit
 * integer arithmetic and exact double operations, so the same seed gives the same stream on every
 * machine and in every JavaScript engine (Math.random is neither seeded nor portable), and a stream
 * started with the seed Optuna was given reproduces Optuna's draws.
 * https://numpy.org/doc/stable/reference/random/legacy.html
 */
const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

export class RandomState {
  private readonly mt = new Uint32Array(N);
  private index = N;

  /** `RandomState(seed)` for an integer seed in [0, 2^32): MT19937's init_genrand, as NumPy's legacy seeding. */
  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`seed must be an integer between 0 and 2**32 - 1, got ${seed}`);
    }
    this.mt[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = this.mt[i - 1]!;
      const x = (prev ^ (prev >>> 30)) >>> 0;
      // 1812433253 * x + i modulo 2^32, split to stay exact in doubles.
      this.mt[i] =
        (((((x & 0xffff0000) >>> 16) * 1812433253) << 16) + (x & 0x0000ffff) * 1812433253 + i) >>> 0;
    }
    this.index = N;
  }

  /** The next 32-bit output of MT19937. */
  nextUint32(): number {
    const mt = this.mt;
    if (this.index >= N) {
      let kk = 0;
      for (; kk < N - M; kk++) {
        const y = (mt[kk]! & UPPER_MASK) | (mt[kk + 1]! & LOWER_MASK);
        mt[kk] = mt[kk + M]! ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
      }
      for (; kk < N - 1; kk++) {
        const y = (mt[kk]! & UPPER_MASK) | (mt[kk + 1]! & LOWER_MASK);
        mt[kk] = mt[kk + (M - N)]! ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
      }
      const y = (mt[N - 1]! & UPPER_MASK) | (mt[0]! & LOWER_MASK);
      mt[N - 1] = mt[M - 1]! ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
      this.index = 0;
    }
    let y = mt[this.index++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** `random_sample()`: a double in [0, 1) from 53 random bits (two 32-bit draws), as NumPy. */
  randomSample(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** `uniform(low, high)`: `low + (high - low) * random_sample()`, NumPy's legacy formula. */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.randomSample();
  }

  /** `randint(0, high)` for high <= 2^32: NumPy's legacy masked rejection sampling on 32-bit draws. */
  randint(high: number): number {
    if (!Number.isInteger(high) || high < 1 || high > 0x100000000)
      throw new RangeError(`bad randint bound ${high}`);
    const rng = high - 1;
    if (rng === 0) return 0;
    let mask = rng;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    for (;;) {
      const value = (this.nextUint32() & mask) >>> 0;
      if (value <= rng) return value;
    }
  }

  /**
   * `choice(len(p), size, p=p)`: NumPy's legacy weighted choice, the cumulative sum normalised by its
   * last element and searched (side right) with one `random_sample()` per draw.
   */
  choice(p: ArrayLike<number>, size: number): Int32Array {
    const cdf = new Float64Array(p.length);
    let sum = 0;
    for (let i = 0; i < p.length; i++) {
      sum += p[i]!;
      cdf[i] = sum;
    }
    const last = cdf[cdf.length - 1]!;
    for (let i = 0; i < cdf.length; i++) cdf[i] = cdf[i]! / last;
    const out = new Int32Array(size);
    for (let s = 0; s < size; s++) out[s] = searchSortedRight(cdf, this.randomSample());
    return out;
  }
}

/** The first index whose value is greater than x (NumPy's `searchsorted(..., side='right')`). */
function searchSortedRight(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
