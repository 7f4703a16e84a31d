// Reads the torch.nn reference files (test/reference/nn, README.md there) and compares against them.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import type { Network } from '../src/nn/index.js';

export const NN_REFERENCE_DIR = fileURLToPath(new URL('./reference/nn', import.meta.url));

export interface Flat {
  shape: number[];
  values: number[];
}

export function readReference<T>(name: string): T {
  return JSON.parse(readFileSync(join(NN_REFERENCE_DIR, `${name}.json`), 'utf8')) as T;
}

/** The reference cases whose file name starts with `prefix`, by file name without `.json`. */
export function referenceNames(prefix: string): string[] {
  return readdirSync(NN_REFERENCE_DIR)
    .filter((file) => file.startsWith(prefix) && file.endsWith('.json'))
    .map((file) => file.slice(0, -'.json'.length))
    .sort();
}

export function tensorOf(flat: Flat, dtype: 'float32' | 'int32' = 'float32'): tf.Tensor {
  return tf.tensor(flat.values, flat.shape, dtype);
}

/**
 * The reference tolerance rule (packages/optim/test/reference/README.md, applied per recorded array):
 * |got - want| <= rtol * max(1e-3, |want|), rtol ten times torch's own float32-vs-float64 gap (at least 1e-4).
 * Appends a line to `problems` for a wrong shape and for the first value out of tolerance.
 */
export function compare(problems: string[], label: string, got: tf.Tensor, want: Flat, rtol: number): void {
  if (JSON.stringify(got.shape) !== JSON.stringify(want.shape)) {
    problems.push(`${label}: shape ${JSON.stringify(got.shape)}, want ${JSON.stringify(want.shape)}`);
    return;
  }
  const values = got.dataSync();
  const index = want.values.findIndex(
    (b, i) => !(Math.abs(values[i]! - b) <= rtol * Math.max(1e-3, Math.abs(b))),
  );
  if (index >= 0)
    problems.push(`${label}[${index}]: got ${values[index]}, want ${want.values[index]} (rtol ${rtol})`);
}

/** Loads a torch state_dict (parameters and buffers, by name) into a network. */
export function loadStateDict(network: Network, state: Record<string, Flat>): void {
  const names = new Set([...network.params.map((param) => param.name), ...Object.keys(network.buffers)]);
  const missing = [...names].filter((name) => state[name] === undefined);
  const extra = Object.keys(state).filter((name) => !names.has(name));
  if (missing.length > 0 || extra.length > 0)
    throw new Error(`state_dict mismatch: missing ${missing.join(', ')}; unexpected ${extra.join(', ')}`);
  for (const param of network.params) {
    tf.tidy(() => param.variable.assign(tf.reshape(tensorOf(state[param.name]!), param.shape)));
  }
  for (const [name, buffer] of Object.entries(network.buffers)) {
    tf.tidy(() =>
      buffer.assign(tf.reshape(tensorOf(state[name]!, buffer.dtype as 'float32' | 'int32'), buffer.shape)),
    );
  }
}
