import type { LoadedDataset } from '@hypersweep/data';
import type { JsonSchema, Parameter } from '@hypersweep/optim';
import type { DatasetFileRef } from '@hypersweep/spec';
import type * as tf from '@tensorflow/tfjs-core';
import type { DatasetCache } from '../dataset-cache.js';

/**
 * A training problem a sweep can pick by name. The registry entry is plain data (the API lists it
 * in its catalog) plus `create`, which builds the data and the initial parameters for one trial.
 */
export interface WorkloadDefinition {
  name: string;
  /** One line. */
  description: string;
  /** Option name -> JSON Schema with `default` and `description`. */
  options: Record<string, JsonSchema>;
  /** Named parameter groups a sweep's `param_groups[].params` may refer to. */
  paramGroups: string[];
  /** Whether epochs report val_loss / val_accuracy; without it only train_loss exists. */
  hasValidation: boolean;
  /**
   * Options whose shape a JSON Schema per option does not describe (a model's dataset, layers and loss): the
   * spec resolved and checked them, and this returns them as the workload reads them, or throws. With it
   * `options` is not consulted and `hasValidation` means "may have" (see `validates`).
   */
  resolveOptions?(options: Record<string, unknown>): Record<string, unknown>;
  /** Whether these (resolved) options give a validation set; default `hasValidation`. */
  validates?(options: Record<string, unknown>): boolean;
  /** The uploaded dataset files these (resolved) options read (a model's dataset and validation set). */
  datasetFiles?(options: Record<string, unknown>): DatasetFileRef[];
  /**
   * Whether K trials of this workload can train as one batched program (runPackedTrials): its instances
   * have `packed`. Known from the definition, so a worker can group trials without building them.
   */
  packable: boolean;
  /** Of a packable workload: why trials with these (resolved) options cannot pack after all, or null. */
  unpackable?(options: Record<string, unknown>): string | null;
  /**
   * Training examples for these (possibly partial) options, so the sweep service can count
   * batches per epoch without building the workload; data-free workloads report 1 (one step per epoch).
   */
  trainExamples(options?: Record<string, unknown>): number;
  /**
   * Builds the workload for one trial. `options` are already validated with defaults filled in;
   * every random draw comes from `seed`, so the same seed gives the same data and weights. With
   * `datasets`, the data tensors come from (and stay in) that cache instead of living for one trial.
   */
  create(
    options: Record<string, number>,
    seed: number,
    datasets?: DatasetCache,
    loaded?: LoadedDatasets,
  ): WorkloadInstance;
}

/** Uploaded dataset files on this machine, by sha256 (a worker fetches them into DATASET_CACHE_DIR). */
export type DatasetFiles = Readonly<Record<string, string>>;

/** The uploaded datasets a trial reads, read from their files, by sha256. */
export type LoadedDatasets = ReadonlyMap<string, LoadedDataset>;

export type { ForwardMode } from '../nn/index.js';

/** A training batch: inputs and targets, owned (and disposed) by the training loop. */
export interface Batch {
  x: tf.Tensor;
  y: tf.Tensor;
}

export interface WorkloadInstance {
  readonly params: Parameter[];
  /** Group name -> names of the parameters in it (every name in `WorkloadDefinition.paramGroups`). */
  readonly groups: Readonly<Record<string, readonly string[]>>;
  /** Number of training examples, or null for a data-free objective (one step per epoch). */
  readonly trainSize: number | null;
  /** The batch of these training examples (null for data-free workloads). */
  batch(indices: Int32Array | null): Batch | null;
  /** The training loss of `batch` under the current parameters, at optimizer step `step` (1-based). */
  loss(batch: Batch | null, step?: number): tf.Scalar;
  /** Non-trainable state a checkpoint keeps (BatchNorm's running statistics), by state_dict name. */
  readonly buffers?: Readonly<Record<string, tf.Variable>>;
  /**
   * Present on workloads K trials of which can train as one program (runPackedTrials): the network and loss
   * on batches and parameters stacked along a new first axis of K (see SupervisedModel).
   */
  readonly packed?: PackedModel;
  /**
   * Validation loss (same reduction as training) and accuracy where it means something. Asynchronous: the
   * webgpu backend in Node reads tensors back only with data().
   */
  validate?(): Promise<{ loss: number; accuracy?: number }>;
  /** Frees the data tensors and the parameters' variables. */
  dispose(): void;
}

/** A workload's network on K trials at once: x [K, batch, ...], weights [K, ...]; loss [K]. */
export interface PackedModel {
  forward(x: tf.Tensor, weights: readonly tf.Tensor[]): tf.Tensor;
  loss(output: tf.Tensor, y: tf.Tensor): tf.Tensor;
}
