import type { LoadedDataset } from '@hypersweep/data';
import { type ResolvedDataset, splitCounts } from '@hypersweep/spec';
import { TrainerError } from '../errors.js';
import { Rng } from '../rng.js';
import type { Examples, SupervisedData } from './supervised.js';

/** The values of `names` (columns, or one array) as a row-major [rows, width] float32 matrix. */
function matrix(
  data: LoadedDataset,
  names: readonly string[],
  what: string,
): { values: Float32Array; width: number } {
  if (data.arrays !== undefined) {
    if (names.length !== 1)
      throw new TrainerError(`${what} of an NPZ dataset is one array, got ${names.length}`);
    const array = data.arrays[names[0]!];
    if (array === undefined) throw new TrainerError(`the dataset has no array "${names[0]}" (${what})`);
    const width = array.shape.slice(1).reduce((a, b) => a * b, 1);
    return { values: Float32Array.from(array.values), width };
  }
  const columns = names.map((name) => {
    const column = data.columns?.[name];
    if (column === undefined) throw new TrainerError(`the dataset has no column "${name}" (${what})`);
    return column;
  });
  const width = columns.length;
  const values = new Float32Array(data.rows * width);
  for (let row = 0; row < data.rows; row++) {
    for (let j = 0; j < width; j++) values[row * width + j] = columns[j]![row]!;
  }
  return { values, width };
}

/** Rows `order[start..end)` of a [rows, width] matrix. */
function take(values: Float32Array, width: number, order: ArrayLike<number>, start: number, end: number) {
  const out = new Float32Array((end - start) * width);
  for (let i = start; i < end; i++) {
    const row = order[i]!;
    out.set(values.subarray(row * width, (row + 1) * width), (i - start) * width);
  }
  return out;
}

function examples(
  data: LoadedDataset,
  dataset: ResolvedDataset,
): { x: Float32Array; y: Float32Array; rows: number; features: number; targets: number } {
  const x = matrix(data, dataset.features, 'features');
  const y = matrix(data, dataset.target, 'target');
  return { x: x.values, y: y.values, rows: data.rows, features: x.width, targets: y.width };
}

/**
 * A model workload's examples: the dataset's feature and target columns (or arrays) as float32 matrices,
 * split into training and validation rows by a permutation from the trial's data seed (`val.fraction`;
 * every trial with that seed gets the same split) or taken from the validation dataset, then, with
 * `standardize`, scaled by the training rows' per-feature mean and population std (a std of 0 counts as 1).
 */
export function modelExamples(
  dataset: ResolvedDataset,
  seed: number,
  load: (ref: { id: string; sha256: string }) => LoadedDataset,
): SupervisedData {
  const all = examples(load(dataset), dataset);
  let train: Examples;
  let val: Examples | undefined;
  const { val: source } = dataset;
  if (source !== null && 'fraction' in source) {
    const counts = splitCounts(all.rows, source.fraction);
    const order = Rng.forStream(seed, 'data').permutation(all.rows);
    train = {
      count: counts.train,
      x: take(all.x, all.features, order, 0, counts.train),
      y: take(all.y, all.targets, order, 0, counts.train),
    };
    val = {
      count: counts.val,
      x: take(all.x, all.features, order, counts.train, all.rows),
      y: take(all.y, all.targets, order, counts.train, all.rows),
    };
  } else {
    train = { count: all.rows, x: all.x, y: all.y };
    if (source !== null) {
      const other = examples(load(source), dataset);
      if (other.features !== all.features || other.targets !== all.targets) {
        throw new TrainerError('the validation dataset has another number of features or targets');
      }
      val = { count: other.rows, x: other.x, y: other.y };
    }
  }
  if (dataset.standardize) standardize(train, val, all.features);
  return val === undefined ? { train } : { train, val };
}

/** In place: every feature of both splits minus the training mean, over the training population std. */
function standardize(train: Examples, val: Examples | undefined, features: number): void {
  const mean = new Float64Array(features);
  const square = new Float64Array(features);
  for (let row = 0; row < train.count; row++) {
    for (let j = 0; j < features; j++) mean[j]! += train.x[row * features + j]!;
  }
  for (let j = 0; j < features; j++) mean[j]! /= train.count;
  for (let row = 0; row < train.count; row++) {
    for (let j = 0; j < features; j++) square[j]! += (train.x[row * features + j]! - mean[j]!) ** 2;
  }
  const scale = Array.from(square, (sum) => {
    const std = Math.sqrt(sum / train.count);
    return std > 0 ? std : 1;
  });
  for (const split of val === undefined ? [train] : [train, val]) {
    for (let row = 0; row < split.count; row++) {
      for (let j = 0; j < features; j++) {
        const i = row * features + j;
        split.x[i] = (split.x[i]! - mean[j]!) / scale[j]!;
      }
    }
  }
}
