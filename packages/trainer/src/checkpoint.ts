import { endianness } from 'node:os';
import type { SmoothedLoss } from '@hypersweep/core';
import type { Parameter } from '@hypersweep/optim';
import * as tf from '@tensorflow/tfjs-core';
import { TrainerError } from './errors.js';
import type { RngState } from './rng.js';

/**
 * A float32 vector in JSON: the base64 of its little-endian bytes. Exact, and about 5.3 characters a
 * value where a decimal number array takes about 20 (a 784-200-10 MLP with Adam: 2.5 MB instead of 9.5).
 */
export interface PackedFloat32 {
  f32: string;
}

/**
 * Everything a trial needs to continue exactly where it stopped, as JSON-safe data (it can go to
 * Postgres and be resumed by another worker): runTrial with `resumeFrom` gives, bit for bit on the
 * same backend, the same steps an uninterrupted run would have taken. Version 2 packs every float32
 * vector (parameters, optimizer state) as {@link PackedFloat32}; version 1 (number arrays) still resumes.
 */
export interface Checkpoint {
  version: 1 | 2;
  /** Identity of the trial it belongs to; resuming another trial's checkpoint is refused. */
  workload: string;
  seed: number;
  /** Optimizer steps done (the last StepRecord.step written before it). */
  step: number;
  /** Epoch in progress (0-based) and how many of its batches are done. */
  epoch: number;
  batchInEpoch: number;
  /** Data order: the order RNG's state before it drew `epoch`'s permutation. */
  orderRng: RngState;
  /** Sum and count of `epoch`'s step losses so far, for its train_loss. */
  epochLossSum: number;
  epochSteps: number;
  /** Loss of step `step` (null before the first step). */
  lastLoss: number | null;
  best: { value: number; step: number } | null;
  /** Parameter name -> shape and row-major values. */
  params: Record<string, { shape: number[]; values: PackedFloat32 | number[] }>;
  /** Non-trainable state (BatchNorm's running statistics) by state_dict name, where the workload has any. */
  buffers?: Record<string, { shape: number[]; values: PackedFloat32 | number[] }>;
  /** The optimizer's state dict, its float32 vectors packed. */
  optimizer: unknown;
  scheduler: unknown;
  /** An lr range test's smoothed loss so far (TrialConfig.stopOnDivergence), so a resumed test stops alike. */
  smoothedLoss?: SmoothedLoss;
}

/** Parameters as they are after unpacking a checkpoint. */
export type SavedParameters = Record<string, { shape: number[]; values: Float32Array | number[] }>;

export function captureParameters(params: readonly Parameter[]): SavedParameters {
  const captured: SavedParameters = {};
  for (const param of params) {
    captured[param.name] = {
      shape: [...param.variable.shape],
      values: Float32Array.from(param.variable.dataSync()),
    };
  }
  return captured;
}

const bigEndian = endianness() === 'BE';

/** A copy of `value` in which every Float32Array is a {@link PackedFloat32}: JSON-safe and exact. */
export function packFloat32(value: unknown): unknown {
  if (value instanceof Float32Array) {
    const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    return { f32: (bigEndian ? Buffer.from(bytes).swap32() : bytes).toString('base64') };
  }
  if (Array.isArray(value)) return value.map(packFloat32);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, packFloat32(item)]));
  }
  return value;
}

/** The inverse of {@link packFloat32}: each `{ f32 }` becomes a Float32Array again. */
export function unpackFloat32(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unpackFloat32);
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === 'f32') {
    const encoded = (value as PackedFloat32).f32;
    const bytes = typeof encoded === 'string' ? Buffer.from(encoded, 'base64') : undefined;
    if (bytes === undefined || bytes.length % 4 !== 0)
      throw new TrainerError('checkpoint holds a float32 vector that is not whole 4-byte values');
    if (bigEndian) bytes.swap32();
    // A fresh, aligned buffer (a decoded Buffer may sit at any offset of Node's pool).
    return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  }
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, unpackFloat32(item)]));
}

/** Writes checkpointed values into the parameters; names and shapes must match exactly. */
export function restoreParameters(params: readonly Parameter[], saved: SavedParameters): void {
  const savedNames = Object.keys(saved);
  if (savedNames.length !== params.length) {
    throw new TrainerError(`checkpoint has ${savedNames.length} parameters, the workload ${params.length}`);
  }
  for (const param of params) {
    const entry = Object.hasOwn(saved, param.name) ? saved[param.name] : undefined;
    if (entry === undefined || entry.shape.join('x') !== param.variable.shape.join('x')) {
      throw new TrainerError(`checkpoint parameter ${param.name} is missing or has another shape`);
    }
    if (entry.values.length !== param.variable.size) {
      throw new TrainerError(
        `checkpoint parameter ${param.name} has ${entry.values.length} values, not ${param.variable.size}`,
      );
    }
    tf.tidy(() => param.variable.assign(tf.tensor(entry.values, entry.shape, 'float32')));
  }
}

/** A workload's buffers as a checkpoint keeps them (float32 values, whatever the variable's dtype). */
export function captureBuffers(buffers: Readonly<Record<string, tf.Variable>>): SavedParameters {
  const captured: SavedParameters = {};
  for (const [name, variable] of Object.entries(buffers)) {
    captured[name] = { shape: [...variable.shape], values: Float32Array.from(variable.dataSync()) };
  }
  return captured;
}

/** Writes checkpointed buffers back; the names must be the workload's, each with its shape. */
export function restoreBuffers(
  buffers: Readonly<Record<string, tf.Variable>> | undefined,
  packed: Checkpoint['buffers'],
): void {
  const names = Object.keys(buffers ?? {});
  const saved = (packed === undefined ? {} : unpackFloat32(packed)) as SavedParameters;
  if (Object.keys(saved).length !== names.length) {
    throw new TrainerError(
      `checkpoint has ${Object.keys(saved).length} buffers, the workload ${names.length}`,
    );
  }
  for (const name of names) {
    const variable = buffers![name]!;
    const entry = Object.hasOwn(saved, name) ? saved[name] : undefined;
    if (entry === undefined || entry.shape.join('x') !== variable.shape.join('x')) {
      throw new TrainerError(`checkpoint buffer ${name} is missing or has another shape`);
    }
    tf.tidy(() => variable.assign(tf.tensor(entry.values, entry.shape, variable.dtype)));
  }
}
