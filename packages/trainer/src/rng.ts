/**
 * Seeded pseudo-random numbers for everything a trial draws: data generation and splits,
 * initial weights, the order of batches. Math.random cannot be seeded and tf.random* keeps
 * its state inside the backend, so neither can be checkpointed; this generator's whole state
 * is four 32-bit integers that go into a checkpoint as they are.
 *
 * Algorithm: xoshiro128** 1.1 (Blackman & Vigna, https://prng.di.unimi.it/xoshiro128starstar.c),
 * seeded through splitmix32 so that nearby seeds give unrelated streams.
 */
export type RngState = [number, number, number, number];

/** Independent streams of one trial seed: changing how one is used never shifts another. */
export type RngStream = 'data' | 'init' | 'order';

const STREAM_IDS: Record<RngStream, number> = { data: 1, init: 2, order: 3 };

function splitmix32(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export class Rng {
  private s: RngState;

  private constructor(state: RngState) {
    this.s = [...state];
  }

  /** The generator for one stream of a trial seed (any safe integer; negative seeds are fine). */
  static forStream(seed: number, stream: RngStream): Rng {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
    // Both halves of the seed take part, so seeds that differ above bit 32 still differ.
    const high = Math.floor(seed / 2 ** 32) >>> 0;
    const next = splitmix32(
      (seed >>> 0) ^ Math.imul(high, 0x27d4eb2f) ^ Math.imul(STREAM_IDS[stream], 0x165667b1),
    );
    const state: RngState = [next(), next(), next(), next()];
    // xoshiro's one forbidden state; splitmix32 practically never yields it.
    if (state.every((word) => word === 0)) state[0] = 1;
    return new Rng(state);
  }

  static fromState(state: RngState): Rng {
    if (
      state.length !== 4 ||
      state.some((word) => !Number.isInteger(word) || word < 0 || word > 0xffffffff)
    ) {
      throw new RangeError('RNG state must be four unsigned 32-bit integers');
    }
    return new Rng([...state]);
  }

  /** JSON-safe copy of the state; `Rng.fromState` continues the exact same sequence. */
  state(): RngState {
    const [a, b, c, d] = this.s;
    return [a >>> 0, b >>> 0, c >>> 0, d >>> 0];
  }

  /** Next unsigned 32-bit integer. */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * 67108864 + low) / 9007199254740992;
  }

  /** Uniform integer in [0, n). */
  integer(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Fills `out` with uniform values in [low, high). */
  fillUniform(out: Float32Array, low: number, high: number): Float32Array {
    for (let i = 0; i < out.length; i++) out[i] = low + (high - low) * this.uniform();
    return out;
  }

  /** Fills `out` with normal values (Box-Muller, both outputs of each pair used). */
  fillNormal(out: Float32Array, mean = 0, std = 1): Float32Array {
    for (let i = 0; i < out.length; i += 2) {
      // 1 - u lies in (0, 1], so the logarithm is finite.
      const radius = Math.sqrt(-2 * Math.log(1 - this.uniform()));
      const angle = 2 * Math.PI * this.uniform();
      out[i] = mean + std * radius * Math.cos(angle);
      if (i + 1 < out.length) out[i + 1] = mean + std * radius * Math.sin(angle);
    }
    return out;
  }

  /** A uniformly random permutation of 0..n-1 (Fisher-Yates). */
  permutation(n: number): Int32Array {
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.integer(i + 1);
      const swap = order[i]!;
      order[i] = order[j]!;
      order[j] = swap;
    }
    return order;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
