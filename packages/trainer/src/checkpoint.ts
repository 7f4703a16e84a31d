import type { Parameter } from '@hypersweep/optim';
import * as tf from '@tensorflow/tfjs-core';
import { TrainerError } from './errors.js';
import type { RngState } from './rng.js';

/**
 * Everything a trial needs to continue exactly where it stopped, as JSON-safe data (it can go to
 * Postgres and be resumed by another worker): runTrial with `resumeFrom` gives, bit for bit on the
 * same backend, the same steps an uninterrupted run would have taken.
 */
export interface Checkpoint {
  version: 1;
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
  params: Record<string, { shape: number[]; values: number[] }>;
  optimizer: unknown;
  scheduler: unknown;
}

export function captureParameters(params: readonly Parameter[]): Checkpoint['params'] {
  const captured: Checkpoint['params'] = {};
  for (const param of params) {
    captured[param.name] = {
      shape: [...param.variable.shape],
      values: Array.from(param.variable.dataSync()),
    };
  }
  return captured;
}

/** Writes checkpointed values into the parameters; names and shapes must match exactly. */
export function restoreParameters(params: readonly Parameter[], saved: Checkpoint['params']): void {
  const savedNames = Object.keys(saved);
  if (savedNames.length !== params.length) {
    throw new TrainerError(`checkpoint has ${savedNames.length} parameters, the workload ${params.length}`);
  }
  for (const param of params) {
    const entry = Object.hasOwn(saved, param.name) ? saved[param.name] : undefined;
    if (entry === undefined || entry.shape.join('x') !== param.variable.shape.join('x')) {
      throw new TrainerError(`checkpoint parameter ${param.name} is missing or has another shape`);
    }
    tf.tidy(() => param.variable.assign(tf.tensor(entry.values, entry.shape, 'float32')));
  }
}
