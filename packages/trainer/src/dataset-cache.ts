import * as tf from '@tensorflow/tfjs-core';

/** Tensors a workload builds from its options and seed and only reads while training. */
export type CachedTensors = Readonly<Record<string, tf.Tensor>>;

/** A row-major matrix in host memory. */
export interface HostMatrix {
  values: Float32Array;
  rows: number;
  columns: number;
}

/** A workload's data: on the backend (`tensors`) and, where batches are gathered on the host, `arrays`. */
export interface CachedData {
  tensors: CachedTensors;
  arrays: Readonly<Record<string, HostMatrix>>;
}

interface Entry extends CachedData {
  bytes: number;
  users: number;
}

/**
 * Keeps workloads' datasets (on the backend, or as host arrays) between trials of one training thread, so a sweep's trials
 * of the same workload options and seed load and upload their data once (an MNIST split is ~31 MB of
 * floats to copy and upload per trial otherwise). Bounded: when the cached bytes exceed `maxBytes`, the
 * least recently used entries no trial is using are disposed.
 */
export class DatasetCache {
  private readonly entries = new Map<string, Entry>();

  constructor(readonly maxBytes: number = 512 * 2 ** 20) {}

  /** Number of cached datasets. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * The data under `key`, built with `build` if absent. Until `release` is called it stays; the
   * caller must not dispose its tensors nor write to its arrays.
   */
  acquire(key: string, build: () => CachedData): CachedData & { release(): void } {
    let entry = this.entries.get(key);
    if (entry === undefined) {
      const { tensors, arrays } = build();
      for (const tensor of Object.values(tensors)) tf.keep(tensor);
      entry = { tensors, arrays, bytes: byteSize(tensors, arrays), users: 0 };
    } else {
      this.entries.delete(key); // re-inserted below: Map order is the recency order
    }
    this.entries.set(key, entry);
    entry.users += 1;
    const held = entry;
    let released = false;
    return {
      tensors: held.tensors,
      arrays: held.arrays,
      release: () => {
        if (released) return;
        released = true;
        held.users -= 1;
        this.evict();
      },
    };
  }

  /** Disposes every entry no trial is using. */
  clear(): void {
    for (const [key, entry] of this.entries) {
      if (entry.users === 0) this.drop(key, entry);
    }
  }

  private evict(): void {
    let total = 0;
    for (const entry of this.entries.values()) total += entry.bytes;
    for (const [key, entry] of this.entries) {
      if (total <= this.maxBytes) return;
      if (entry.users > 0) continue;
      total -= entry.bytes;
      this.drop(key, entry);
    }
  }

  private drop(key: string, entry: Entry): void {
    this.entries.delete(key);
    tf.dispose(Object.values(entry.tensors));
  }
}

function byteSize(tensors: CachedTensors, arrays: CachedData['arrays']): number {
  let bytes = 0;
  for (const tensor of Object.values(tensors)) bytes += tensor.size * 4;
  for (const array of Object.values(arrays)) bytes += array.values.byteLength;
  return bytes;
}
