import { layerEntries, SPATIAL_RANK, TUPLE_OPTIONS } from './catalog.js';
import type { LayerType, ResolvedLayer } from './types.js';

// The per-example shape (no batch axis) carried through the layers with torch 1.13's formulas, each
// inferred size (in_features, in_channels, num_features) filled on the way.

/** What is wrong with a layer: the option at fault (none: the layer as a whole) and why. */
export interface LayerProblem {
  option?: string;
  message: string;
}

export type LayerStep = { layer: ResolvedLayer; output: number[] } | { problem: LayerProblem };

/** `[16, 4, 4]`. */
export const formatShape = (shape: readonly number[]) => `[${shape.join(', ')}]`;

export const product = (shape: readonly number[]) => shape.reduce((p, n) => p * n, 1);

/**
 * A layer as given (type, name, one value per option) with the catalog's defaults filled and the tuple
 * arguments as arrays of the layer's spatial rank; the inferred sizes are filled by carryShape.
 */
export function withDefaults(given: Record<string, unknown>): ResolvedLayer {
  const type = given['type'] as LayerType;
  const entry = layerEntries[type];
  const layer: ResolvedLayer = { type };
  if (typeof given['name'] === 'string') layer.name = given['name'];
  const rank = SPATIAL_RANK[type];
  for (const [option, schema] of Object.entries(entry.options)) {
    let value = Object.hasOwn(given, option) ? given[option] : structuredClone(schema.default);
    if (value === undefined) continue;
    if (rank !== undefined && TUPLE_OPTIONS.has(option) && typeof value === 'number')
      value = Array.from({ length: rank }, () => value);
    if (option === 'normalized_shape' && typeof value === 'number') value = [value];
    layer[option] = typeof value === 'object' && value !== null ? structuredClone(value) : value;
  }
  if ((type === 'MaxPool2d' || type === 'AvgPool2d') && layer['stride'] === null)
    layer['stride'] = [...(layer['kernel_size'] as number[])];
  return layer;
}

/** Where the shape flowing into a layer comes from, for messages: `layer 3 (Flatten) outputs [256]`. */
export function shapeSource(
  index: number,
  previous: ResolvedLayer | undefined,
  input: readonly number[],
): string {
  return previous === undefined
    ? `the dataset's examples are ${formatShape(input)}`
    : `layer ${index - 1} (${previous.type}) outputs ${formatShape(input)}`;
}

const ints = (value: unknown) => value as number[];

/**
 * The output of a resolved layer for `input`, with its inferred sizes set (the layer is updated), or
 * what is wrong. `source` says where the input comes from.
 */
export function carryShape(layer: ResolvedLayer, input: readonly number[], source: string): LayerStep {
  const problem = (message: string, option?: string): LayerStep => ({
    problem: option === undefined ? { message } : { option, message },
  });
  const needs = (expected: string) =>
    problem(`${source}; ${layer.type} takes ${expected} per example (without the batch axis)`);
  const inferred = (option: string, actual: number, what: string): LayerStep | undefined => {
    const given = layer[option];
    if (given === undefined) {
      layer[option] = actual;
      return undefined;
    }
    if (given === actual) return undefined;
    const noun = actual === 1 ? what.replace(/s$/, '') : what;
    return problem(`${source}: ${actual} ${noun}; ${option} is ${given}`, option);
  };
  switch (layer.type) {
    case 'Linear': {
      const features = input.at(-1)!;
      const bad = inferred('in_features', features, 'features');
      if (bad && 'problem' in bad && input.length > 1) {
        bad.problem.message += ` (Linear acts on the last dimension; a Flatten before it would give ${product(input)} features)`;
      }
      if (bad) return bad;
      return { layer, output: [...input.slice(0, -1), layer['out_features'] as number] };
    }
    case 'Conv1d':
    case 'Conv2d':
      return convolution(layer, input, source, problem, needs, inferred);
    case 'MaxPool2d':
    case 'AvgPool2d':
      return pooling(layer, input, source, problem, needs);
    case 'AdaptiveAvgPool2d': {
      if (input.length !== 3) return needs('[C, H, W]');
      return { layer, output: [input[0]!, ...ints(layer['output_size'])] };
    }
    case 'Flatten':
      return flatten(layer, input, source, problem);
    case 'BatchNorm1d':
    case 'BatchNorm2d': {
      const ok = layer.type === 'BatchNorm1d' ? input.length === 1 || input.length === 2 : input.length === 3;
      if (!ok) return needs(layer.type === 'BatchNorm1d' ? '[C] or [C, L]' : '[C, H, W]');
      const bad = inferred('num_features', input[0]!, 'channels');
      return bad ?? { layer, output: [...input] };
    }
    case 'LayerNorm': {
      const shape = ints(layer['normalized_shape']);
      const trailing = input.slice(-shape.length);
      if (shape.length > input.length || formatShape(trailing) !== formatShape(shape)) {
        return problem(
          `${source}; normalized_shape ${formatShape(shape)} must equal its trailing dimensions`,
          'normalized_shape',
        );
      }
      return { layer, output: [...input] };
    }
    case 'Embedding': {
      const count = layer['num_embeddings'] as number;
      const padding = layer['padding_idx'];
      if (typeof padding === 'number') {
        if (padding < -count || padding >= count)
          return problem(
            `Padding_idx must be within num_embeddings (${count}), got ${padding}`,
            'padding_idx',
          );
        if (padding < 0) layer['padding_idx'] = padding + count;
      }
      return { layer, output: [...input, layer['embedding_dim'] as number] };
    }
    default:
      return { layer, output: [...input] };
  }
}

type Problem = (message: string, option?: string) => LayerStep;

function convolution(
  layer: ResolvedLayer,
  input: readonly number[],
  source: string,
  problem: Problem,
  needs: (expected: string) => LayerStep,
  inferred: (option: string, actual: number, what: string) => LayerStep | undefined,
): LayerStep {
  const rank = SPATIAL_RANK[layer.type]!;
  if (input.length !== rank + 1) return needs(rank === 1 ? '[C, L]' : '[C, H, W]');
  if (layer['padding_mode'] !== 'zeros') {
    return problem(
      `padding_mode ${JSON.stringify(layer['padding_mode'])} is not supported; only "zeros" is`,
      'padding_mode',
    );
  }
  const bad = inferred('in_channels', input[0]!, 'channels');
  if (bad) return bad;
  const groups = layer['groups'] as number;
  const inChannels = layer['in_channels'] as number;
  const outChannels = layer['out_channels'] as number;
  if (inChannels % groups !== 0)
    return problem(`in_channels (${inChannels}) must be divisible by groups (${groups})`, 'groups');
  if (outChannels % groups !== 0)
    return problem(`out_channels (${outChannels}) must be divisible by groups (${groups})`, 'groups');
  const kernel = ints(layer['kernel_size']);
  const stride = ints(layer['stride']);
  const dilation = ints(layer['dilation']);
  const padding = layer['padding'];
  if (padding === 'same' && stride.some((s) => s !== 1))
    return problem("padding='same' is not supported for strided convolutions", 'padding');
  const spatial = input.slice(1);
  if (padding === 'same') return { layer, output: [outChannels, ...spatial] };
  const pads = padding === 'valid' ? spatial.map(() => 0) : ints(padding);
  const output = [outChannels];
  for (const [i, size] of spatial.entries()) {
    const span = dilation[i]! * (kernel[i]! - 1) + 1;
    const padded = size + 2 * pads[i]!;
    if (padded < span) {
      return problem(
        `${source}: padded input size ${formatShape(spatial.map((s, j) => s + 2 * pads[j]!))}; kernel_size ${formatShape(kernel)} (dilation ${formatShape(dilation)}) spans ${span} along spatial dim ${i}, more than the input: the output would be empty`,
        'kernel_size',
      );
    }
    output.push(Math.floor((padded - span) / stride[i]!) + 1);
  }
  return { layer, output };
}

/** torch's pooling_output_shape: a last window must start inside the input or the left padding. */
export function poolingOutputSize(
  size: number,
  kernel: number,
  pad: number,
  stride: number,
  dilation: number,
  ceilMode: boolean,
): number {
  let out =
    Math.floor((size + 2 * pad - dilation * (kernel - 1) - 1 + (ceilMode ? stride - 1 : 0)) / stride) + 1;
  if (ceilMode && (out - 1) * stride >= size + pad) out--;
  return out;
}

function pooling(
  layer: ResolvedLayer,
  input: readonly number[],
  source: string,
  problem: Problem,
  needs: (expected: string) => LayerStep,
): LayerStep {
  if (input.length !== 3) return needs('[C, H, W]');
  const kernel = ints(layer['kernel_size']);
  const stride = ints(layer['stride']);
  const padding = ints(layer['padding']);
  const dilation = layer.type === 'MaxPool2d' ? ints(layer['dilation']) : [1, 1];
  for (let i = 0; i < 2; i++) {
    const half = layer.type === 'MaxPool2d' ? ((kernel[i]! - 1) * dilation[i]! + 1) / 2 : kernel[i]! / 2;
    if (padding[i]! > half) {
      return problem(
        layer.type === 'MaxPool2d'
          ? `pad should be at most half of effective kernel size, but got pad=${padding[i]}, kernel_size=${kernel[i]} and dilation=${dilation[i]}`
          : `pad should be smaller than or equal to half of kernel size, but got pad=${padding[i]}, kernel_size=${kernel[i]}`,
        'padding',
      );
    }
  }
  const spatial = input.slice(1);
  const output = spatial.map((size, i) =>
    poolingOutputSize(size, kernel[i]!, padding[i]!, stride[i]!, dilation[i]!, layer['ceil_mode'] === true),
  );
  if (output.some((size) => size < 1)) {
    return problem(
      `${source}: the output would be ${formatShape([input[0]!, ...output])} with kernel_size ${formatShape(kernel)}, stride ${formatShape(stride)} and padding ${formatShape(padding)}; output size is too small`,
      'kernel_size',
    );
  }
  return { layer, output: [input[0]!, ...output] };
}

function flatten(
  layer: ResolvedLayer,
  input: readonly number[],
  source: string,
  problem: Problem,
): LayerStep {
  const batched = [0, ...input];
  const rank = batched.length;
  const dims: number[] = [];
  for (const option of ['start_dim', 'end_dim']) {
    const given = layer[option] as number;
    if (given < -rank || given >= rank) {
      return problem(
        `${source}, ${rank}-D with the batch axis; ${option} ${given} is out of range (expected to be in range of [${-rank}, ${rank - 1}])`,
        option,
      );
    }
    dims.push(given < 0 ? given + rank : given);
  }
  const [start, end] = dims as [number, number];
  if (start === 0) {
    return problem(
      'start_dim 0 flattens the batch axis into the features; dims count the batch axis as 0, so start_dim must be at least 1',
      'start_dim',
    );
  }
  if (start > end)
    return problem('flatten() has invalid args: start_dim cannot come after end_dim', 'start_dim');
  const merged = product(batched.slice(start, end + 1));
  return { layer, output: [...batched.slice(1, start), merged, ...batched.slice(end + 1)] };
}

/** Learnable parameters of a resolved layer (as torchinfo counts them; BatchNorm's running stats are buffers). */
export function layerParams(layer: ResolvedLayer): number {
  const n = (option: string) => layer[option] as number;
  const bias = layer['bias'] === true;
  switch (layer.type) {
    case 'Linear':
      return n('in_features') * n('out_features') + (bias ? n('out_features') : 0);
    case 'Conv1d':
    case 'Conv2d':
      return (
        n('out_channels') * (n('in_channels') / n('groups')) * product(ints(layer['kernel_size'])) +
        (bias ? n('out_channels') : 0)
      );
    case 'BatchNorm1d':
    case 'BatchNorm2d':
      return layer['affine'] === true ? 2 * n('num_features') : 0;
    case 'LayerNorm':
      return layer['elementwise_affine'] === true ? 2 * product(ints(layer['normalized_shape'])) : 0;
    case 'Embedding':
      return n('num_embeddings') * n('embedding_dim');
    default:
      return 0;
  }
}

export interface ModelSummaryRow {
  index: number;
  type: string;
  name?: string;
  outputShape: number[];
  params: number;
}

export interface ModelSummary {
  rows: ModelSummaryRow[];
  totalParams: number;
}

/**
 * A torchinfo-like summary of a resolved model: each layer's output shape (per example, without the
 * batch axis) and learnable parameters. Throws on a model the spec would refuse (it resolved them all).
 */
export function summarizeModel(
  layers: readonly ResolvedLayer[],
  inputShape: readonly number[],
): ModelSummary {
  let shape = [...inputShape];
  const rows = layers.map((given, index) => {
    const layer = structuredClone(given);
    const step = carryShape(layer, shape, shapeSource(index, layers[index - 1], shape));
    if ('problem' in step) throw new Error(`layer ${index} (${layer.type}): ${step.problem.message}`);
    shape = step.output;
    const row: ModelSummaryRow = {
      index,
      type: layer.type,
      outputShape: step.output,
      params: layerParams(layer),
    };
    if (layer.name !== undefined) row.name = layer.name;
    return row;
  });
  return { rows, totalParams: rows.reduce((sum, row) => sum + row.params, 0) };
}
