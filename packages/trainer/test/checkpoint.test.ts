import { describe, expect, it } from 'vitest';
import { packFloat32, unpackFloat32 } from '../src/checkpoint.js';
import { type Checkpoint, selectBackend, type TrialConfig } from '../src/index.js';
import { mnistTrial, record } from './helpers.js';

await selectBackend('wasm');

/** Every float32 vector of an unpacked value as a plain number array: the version 1 layout. */
const toNumberArrays = (value: unknown): unknown =>
  value instanceof Float32Array
    ? Array.from(value)
    : Array.isArray(value)
      ? value.map(toNumberArrays)
      : value !== null && typeof value === 'object'
        ? Object.fromEntries(Object.entries(value).map(([key, item]) => [key, toNumberArrays(item)]))
        : value;

/** A version 2 checkpoint rewritten as a worker before version 2 stored it. */
const asVersion1 = (checkpoint: Checkpoint): Checkpoint =>
  JSON.parse(
    JSON.stringify({
      ...checkpoint,
      version: 1,
      params: toNumberArrays(unpackFloat32(checkpoint.params)),
      optimizer: toNumberArrays(unpackFloat32(checkpoint.optimizer)),
    }),
  );

describe('checkpoint float32 packing', () => {
  it('round-trips every float32 bit pattern through JSON, inside nested state', () => {
    const bits = new Uint32Array([0x7fc00000, 0x80000000, 0x00000001, 0x7f7fffff, 0xff800000, 0x3f800000]);
    const values = new Float32Array(bits.buffer);
    const state = { a: [values, null, 3], b: { c: values.subarray(2), n: 0.1 }, empty: new Float32Array(0) };
    const back = unpackFloat32(JSON.parse(JSON.stringify(packFloat32(state)))) as typeof state;
    expect(new Uint32Array((back.a[0] as Float32Array).buffer)).toEqual(bits);
    expect(Array.from(back.b.c)).toEqual(Array.from(values.subarray(2)));
    expect(back.b.n).toBe(0.1);
    expect(back.a.slice(1)).toEqual([null, 3]);
    expect(back.empty).toEqual(new Float32Array(0));
  });

  it('refuses a packed vector that is not whole float32 values', () => {
    expect(() => unpackFloat32({ f32: Buffer.from([1, 2, 3]).toString('base64') })).toThrow(/4-byte/);
  });

  it.each<[string, TrialConfig]>([
    ['Adam', mnistTrial()],
    ['LBFGS', mnistTrial({ optimizer: { type: 'LBFGS', options: { lr: 0.5, history_size: 3 } } })],
  ])(
    'a version 1 checkpoint (number arrays) resumes exactly as the version 2 one (%s)',
    async (_name, config) => {
      const full = await record(config, { checkpointEvery: 5 });
      const saved = full.checkpoints.find((c) => c.step === 5)!;
      expect(saved.version).toBe(2);
      const fromV2 = await record(config, { resumeFrom: saved });
      const fromV1 = await record(config, { resumeFrom: asVersion1(saved) });
      expect(fromV2.steps).toEqual(full.steps.slice(5));
      expect(fromV1.steps).toEqual(fromV2.steps);
      expect(fromV1.epochs).toEqual(fromV2.epochs);
    },
  );

  it('stores about 4/3 bytes per parameter byte (base64), not a decimal per value', async () => {
    const { checkpoints } = await record(mnistTrial(), { checkpointEvery: 10 });
    const checkpoint = checkpoints[0]!;
    // Parameters plus Adam's exp_avg and exp_avg_sq: three float32 vectors per parameter.
    const params = unpackFloat32(checkpoint.params) as Record<string, { values: Float32Array }>;
    const floats = 3 * Object.values(params).reduce((sum, p) => sum + p.values.length, 0);
    const bytes = JSON.stringify(checkpoint).length;
    expect(bytes).toBeGreaterThan((4 * floats * 4) / 3);
    expect(bytes).toBeLessThan((4 * floats * 4) / 3 + 4096);
  });
});
