import { readFile } from 'node:fs/promises';
import { type LoadedDataset, readDataset } from '@hypersweep/data';
import type { DatasetFileRef } from '@hypersweep/spec';
import { TrainerError } from './errors.js';
import type { DatasetFiles, LoadedDatasets } from './workloads/types.js';

/** Parsed datasets a training thread keeps between trials (a sweep's trials read the same few files). */
const MAX_BYTES = 1024 * 2 ** 20;
const parsed = new Map<string, { dataset: Promise<LoadedDataset>; bytes: number }>();

function byteSize(dataset: LoadedDataset): number {
  let bytes = 0;
  for (const column of Object.values(dataset.columns ?? {})) bytes += column.byteLength;
  for (const array of Object.values(dataset.arrays ?? {})) bytes += array.values.byteLength;
  return bytes;
}

/** Least recently used out first until the parsed datasets fit MAX_BYTES (the newest always stays). */
function evict(): void {
  let total = 0;
  for (const entry of parsed.values()) total += entry.bytes;
  for (const [sha256, entry] of parsed) {
    if (total <= MAX_BYTES || parsed.size === 1) return;
    parsed.delete(sha256);
    total -= entry.bytes;
  }
}

function load(ref: DatasetFileRef, files: DatasetFiles | undefined): Promise<LoadedDataset> {
  const cached = parsed.get(ref.sha256);
  if (cached !== undefined) {
    parsed.delete(ref.sha256); // re-inserted: Map order is the recency order
    parsed.set(ref.sha256, cached);
    return cached.dataset;
  }
  const path = files?.[ref.sha256];
  if (path === undefined) {
    return Promise.reject(
      new TrainerError(
        `dataset ${ref.id} (sha256 ${ref.sha256.slice(0, 12)}) was not fetched for this trial`,
      ),
    );
  }
  const entry = { dataset: readFile(path).then((bytes) => readDataset(ref.format, bytes)), bytes: 0 };
  parsed.set(ref.sha256, entry);
  entry.dataset.then(
    (dataset) => {
      entry.bytes = byteSize(dataset);
      evict();
    },
    () => parsed.delete(ref.sha256),
  );
  return entry.dataset;
}

/** The uploaded datasets `refs` names, read from the files the worker fetched (`files`: sha256 -> path). */
export async function loadDatasets(
  refs: readonly DatasetFileRef[],
  files: DatasetFiles | undefined,
): Promise<LoadedDatasets> {
  const loaded = await Promise.all(refs.map(async (ref) => [ref.sha256, await load(ref, files)] as const));
  return new Map(loaded);
}
