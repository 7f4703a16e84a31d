import { childPointer } from '../json-pointer.js';
import { DATASET_PATH, type ReadDataset, rowLabel, sourceLabel, type ValueSource } from './dataset.js';
import { formatShape } from './shapes.js';
import type { ResolvedLayer, ResolvedLoss } from './types.js';

/** A problem of one variant: where (a layer index, -1 the loss, or a dataset field) and what. */
export interface VariantProblem {
  /** Layer index; -1 for the loss (after every layer). */
  owner: number;
  /** The option at fault, whose written value is pointed at; else `path`. */
  option?: string;
  /** The natural pointer when the fault is no option of the owner (a dataset field, the layer itself). */
  path: string;
  message: string;
}

const LOSS_PATH = '/workload/loss';
const TARGET_PATH = childPointer(DATASET_PATH, 'target');
const FEATURES_PATH = childPointer(DATASET_PATH, 'features');

/** The first value of `sources` outside [low, high] (by the stats' min and max), with its row. */
function outside(
  sources: readonly ValueSource[],
  low: number,
  high: number,
  allowed?: number,
): { source: ValueSource; row: number; value: number } | undefined {
  for (const source of sources) {
    const { min, max, minRow, maxRow } = source.stats;
    if (min < low && min !== allowed) return { source, row: minRow, value: min };
    if (max > high && max !== allowed) return { source, row: maxRow, value: max };
  }
  return undefined;
}

const notInteger = (sources: readonly ValueSource[]) => sources.find((s) => !s.stats.integer);

function valueAt(dataset: ReadDataset, found: { source: ValueSource; row: number; value: number }): string {
  return `${rowLabel(found.source.dataset, found.row)} of ${sourceLabel(found.source, dataset.info)} is ${found.value}`;
}

function nonIntegerAt(dataset: ReadDataset, source: ValueSource): string {
  const row = source.stats.firstNonIntegerRow ?? 0;
  return `${rowLabel(source.dataset, row)} of ${sourceLabel(source, dataset.info)} is not an integer`;
}

/** A model starting with Embedding: its inputs must be integer indices below num_embeddings. */
export function checkInputs(
  dataset: ReadDataset,
  embedding: ResolvedLayer,
): Omit<VariantProblem, 'owner'> | undefined {
  const count = embedding['num_embeddings'] as number;
  const fractional = notInteger(dataset.inputs);
  if (fractional !== undefined) {
    return {
      path: FEATURES_PATH,
      message: `Embedding takes integer indices, but ${nonIntegerAt(dataset, fractional)}`,
    };
  }
  const found = outside(dataset.inputs, 0, count - 1);
  if (found !== undefined) {
    return {
      path: '/workload/model/0',
      option: 'num_embeddings',
      message: `${valueAt(dataset, found)}; Embedding with num_embeddings ${count} takes indices 0..${count - 1}`,
    };
  }
  if (dataset.standardize) {
    return {
      path: childPointer(DATASET_PATH, 'standardize'),
      message: "standardize would scale Embedding's integer indices; set it to false",
    };
  }
  return undefined;
}

/** The loss against the model's output shape and the dataset's target. */
export function checkLoss(
  dataset: ReadDataset,
  loss: ResolvedLoss,
  output: readonly number[],
  layerCount: number,
): VariantProblem | undefined {
  const last = layerCount - 1;
  const lastPath = childPointer('/workload/model', last);
  const atLoss = (option: string, message: string): VariantProblem => ({
    owner: -1,
    path: LOSS_PATH,
    option,
    message,
  });
  const atTarget = (message: string): VariantProblem => ({ owner: -1, path: TARGET_PATH, message });
  const outputs = `layer ${last} outputs ${formatShape(output)}`;
  const targetText =
    dataset.info.arrays !== undefined
      ? `the target ${JSON.stringify(dataset.target[0])} is ${formatShape(dataset.targetShape)} per example`
      : `the target is ${formatShape(dataset.targetShape)} (${dataset.target.length} column${dataset.target.length === 1 ? '' : 's'})`;
  const perOutput = (option: string, size: number, what: string) => {
    const weights = loss[option];
    if (!Array.isArray(weights) || weights.length === size) return undefined;
    return atLoss(option, `${option} has ${weights.length} values; ${loss.type} ${what} needs ${size}`);
  };
  if (loss.type === 'CrossEntropyLoss') {
    if (output.length !== 1) {
      return {
        owner: last,
        path: lastPath,
        message: `CrossEntropyLoss takes class scores [C]; ${outputs} (add a Flatten and a Linear with out_features C)`,
      };
    }
    const classes = output[0]!;
    if (dataset.target.length !== 1 || dataset.targetShape.length !== 1 || dataset.targetShape[0] !== 1)
      return atTarget(`CrossEntropyLoss takes one class index per example; ${targetText}`);
    const fractional = notInteger(dataset.targets);
    if (fractional !== undefined)
      return atTarget(
        `CrossEntropyLoss takes integer class indices, but ${nonIntegerAt(dataset, fractional)}`,
      );
    const found = outside(dataset.targets, 0, classes - 1, loss['ignore_index'] as number);
    if (found !== undefined) {
      return {
        owner: last,
        path: TARGET_PATH,
        message: `${valueAt(dataset, found)}; CrossEntropyLoss over ${classes} classes (${outputs}) needs class indices 0..${classes - 1}`,
      };
    }
    return perOutput('weight', classes, `over ${classes} classes`);
  }
  if (formatShape(output) !== formatShape(dataset.targetShape)) {
    return {
      owner: last,
      path: lastPath,
      ...(lastOption(dataset, output) === undefined ? {} : { option: lastOption(dataset, output) }),
      message: `${loss.type} compares the output with the target: ${outputs} but ${targetText}`,
    };
  }
  if (loss.type === 'BCEWithLogitsLoss') {
    const found = outside(dataset.targets, 0, 1);
    if (found !== undefined)
      return atTarget(`${valueAt(dataset, found)}; BCEWithLogitsLoss takes targets between 0 and 1`);
    const size = output.at(-1)!;
    return (
      perOutput('pos_weight', size, `over ${size} outputs`) ??
      perOutput('weight', size, `over ${size} outputs`)
    );
  }
  return undefined;
}

/** The option of the last layer that sets the output's size, when the output is one dim off. */
function lastOption(dataset: ReadDataset, output: readonly number[]): string | undefined {
  return output.length === dataset.targetShape.length ? 'out_features' : undefined;
}
