import type { JsonSchema } from '@hypersweep/optim';
import { LAYER_TYPES, type LayerType, LOSS_TYPES, type LossType } from './types.js';

/**
 * The torch.nn layers and losses a spec's model may use, with their torch 1.13 constructor arguments as
 * JSON Schema (default, description, bounds): the one declaration the validator reads and GET /v1/catalog
 * lists. Int-or-tuple arguments (`kernel_size: 3` or `[3, 3]`) are resolved to arrays of the layer's
 * spatial rank.
 */
export interface ModelCatalogEntry {
  type: string;
  description: string;
  /** Link to the PyTorch 1.13 documentation page. */
  reference: string;
  options: Record<string, JsonSchema>;
  /** Arguments without a default that must be given. */
  required: string[];
  /** Arguments filled from the shape flowing in when left out (in_features, in_channels, num_features). */
  inferred: string[];
}

/** Spatial rank of the layers whose tuple arguments are per spatial dimension. */
export const SPATIAL_RANK: Partial<Record<LayerType, number>> = {
  Conv1d: 1,
  Conv2d: 2,
  MaxPool2d: 2,
  AvgPool2d: 2,
  AdaptiveAvgPool2d: 2,
};

/** Arguments that are an int or a tuple of the spatial rank. */
export const TUPLE_OPTIONS = new Set(['kernel_size', 'stride', 'padding', 'dilation', 'output_size']);

/** Largest size (features, channels, kernel) accepted: far beyond what a worker can train. */
const MAX_SIZE = 1_000_000;

const size = (description: string, minimum = 1): JsonSchema => ({
  type: 'integer',
  minimum,
  maximum: MAX_SIZE,
  description,
});

const tuple = (rank: number, description: string, minimum: number, extra: JsonSchema[] = []): JsonSchema => ({
  description,
  anyOf: [
    { type: 'integer', minimum, maximum: MAX_SIZE },
    {
      type: 'array',
      items: { type: 'integer', minimum, maximum: MAX_SIZE },
      minItems: rank,
      maxItems: rank,
    },
    ...extra,
  ],
});

const bias: JsonSchema = {
  type: 'boolean',
  default: true,
  description: 'Whether the layer learns an additive bias.',
};

const docs = (type: string) => `https://pytorch.org/docs/1.13/generated/torch.nn.${type}.html`;

function conv(rank: number): Omit<ModelCatalogEntry, 'type' | 'reference'> {
  const padding = tuple(
    rank,
    'Zero padding added to both sides of each spatial dimension, or "same" / "valid".',
    0,
    [{ type: 'string', enum: ['same', 'valid'] }],
  );
  return {
    description: `A ${rank}-D convolution over an input of shape [C, ${rank === 1 ? 'L' : 'H, W'}].`,
    options: {
      in_channels: size('Channels of the input; inferred from the shape flowing in when left out.'),
      out_channels: size('Channels produced by the convolution.'),
      kernel_size: tuple(rank, 'Size of the convolving kernel.', 1),
      stride: { ...tuple(rank, 'Stride of the convolution.', 1), default: 1 },
      padding: { ...padding, default: 0 },
      dilation: { ...tuple(rank, 'Spacing between kernel elements.', 1), default: 1 },
      groups: { ...size('Blocked connections from input to output channels; divides both.'), default: 1 },
      bias,
      padding_mode: {
        type: 'string',
        enum: ['zeros', 'reflect', 'replicate', 'circular'],
        default: 'zeros',
        description: 'Padding mode; only "zeros" is supported.',
      },
    },
    required: ['out_channels', 'kernel_size'],
    inferred: ['in_channels'],
  };
}

const eps: JsonSchema = {
  type: 'number',
  exclusiveMinimum: 0,
  default: 1e-5,
  description: 'A value added to the denominator for numerical stability.',
};

function batchNorm(input: string): Omit<ModelCatalogEntry, 'type' | 'reference'> {
  return {
    description: `Batch normalization over an input of shape ${input}.`,
    options: {
      num_features: size('C of the input; inferred from the shape flowing in when left out.'),
      eps,
      momentum: {
        anyOf: [{ type: 'number', minimum: 0, maximum: 1 }, { type: 'null' }],
        default: 0.1,
        description: 'The running statistics momentum; null for a cumulative moving average.',
      },
      affine: {
        type: 'boolean',
        default: true,
        description: 'Whether the layer learns a scale and a shift.',
      },
      track_running_stats: {
        type: 'boolean',
        default: true,
        description: 'Whether running statistics are kept for evaluation.',
      },
    },
    required: [],
    inferred: ['num_features'],
  };
}

function pool(kind: 'max' | 'avg'): Omit<ModelCatalogEntry, 'type' | 'reference'> {
  const options: Record<string, JsonSchema> = {
    kernel_size: tuple(2, 'Size of the window.', 1),
    stride: {
      ...tuple(2, 'Stride of the window; null (the default) is kernel_size.', 1, [{ type: 'null' }]),
      default: null,
    },
    padding: { ...tuple(2, 'Implicit padding on both sides (at most half the kernel).', 0), default: 0 },
  };
  if (kind === 'max')
    options['dilation'] = { ...tuple(2, 'Spacing between the elements of the window.', 1), default: 1 };
  options['ceil_mode'] = {
    type: 'boolean',
    default: false,
    description: 'Use ceil instead of floor for the output size (a last window must start inside the input).',
  };
  if (kind === 'avg') {
    options['count_include_pad'] = {
      type: 'boolean',
      default: true,
      description: 'Whether the zero padding counts in the average.',
    };
    options['divisor_override'] = {
      anyOf: [{ type: 'integer', minimum: 1, maximum: MAX_SIZE }, { type: 'null' }],
      default: null,
      description: 'The divisor of the average, instead of the window size.',
    };
  }
  return {
    description: `2-D ${kind === 'max' ? 'max' : 'average'} pooling over an input of shape [C, H, W].`,
    options,
    required: ['kernel_size'],
    inferred: [],
  };
}

const activation = (description: string, options: Record<string, JsonSchema> = {}) => ({
  description,
  options,
  required: [],
  inferred: [],
});

const LAYERS: Record<LayerType, Omit<ModelCatalogEntry, 'type' | 'reference'>> = {
  Linear: {
    description: 'y = x Aᵀ + b over the last dimension of the input.',
    options: {
      in_features: size(
        'Size of the last input dimension; inferred from the shape flowing in when left out.',
      ),
      out_features: size('Size of each output.'),
      bias,
    },
    required: ['out_features'],
    inferred: ['in_features'],
  },
  Conv1d: conv(1),
  Conv2d: conv(2),
  MaxPool2d: pool('max'),
  AvgPool2d: pool('avg'),
  AdaptiveAvgPool2d: {
    description: 'Average pooling of an input of shape [C, H, W] to [C, output_size].',
    options: { output_size: tuple(2, 'Target output size [H, W] (an int for a square).', 1) },
    required: ['output_size'],
    inferred: [],
  },
  Flatten: {
    description: 'Flattens a range of dimensions of the batched tensor (dim 0 is the batch).',
    options: {
      start_dim: {
        type: 'integer',
        minimum: -32,
        maximum: 32,
        default: 1,
        description: 'First dim to flatten.',
      },
      end_dim: {
        type: 'integer',
        minimum: -32,
        maximum: 32,
        default: -1,
        description: 'Last dim to flatten.',
      },
    },
    required: [],
    inferred: [],
  },
  Dropout: activation('Zeroes elements with probability p during training.', {
    p: {
      type: 'number',
      minimum: 0,
      maximum: 1,
      default: 0.5,
      description: 'Probability of an element to be zeroed.',
    },
  }),
  BatchNorm1d: batchNorm('[C] or [C, L]'),
  BatchNorm2d: batchNorm('[C, H, W]'),
  LayerNorm: {
    description: 'Layer normalization over the trailing dimensions normalized_shape.',
    options: {
      normalized_shape: {
        description: 'The trailing dimensions to normalize over: an int or a list.',
        anyOf: [
          { type: 'integer', minimum: 1, maximum: MAX_SIZE },
          {
            type: 'array',
            items: { type: 'integer', minimum: 1, maximum: MAX_SIZE },
            minItems: 1,
            maxItems: 8,
          },
        ],
      },
      eps,
      elementwise_affine: {
        type: 'boolean',
        default: true,
        description: 'Whether the layer learns a per-element scale and shift.',
      },
    },
    required: ['normalized_shape'],
    inferred: [],
  },
  Embedding: {
    description: 'A lookup table of num_embeddings vectors of size embedding_dim; takes integer indices.',
    options: {
      num_embeddings: size('Size of the dictionary: indices run 0..num_embeddings-1.'),
      embedding_dim: size('Size of each embedding vector.'),
      padding_idx: {
        anyOf: [{ type: 'integer', minimum: -MAX_SIZE, maximum: MAX_SIZE }, { type: 'null' }],
        default: null,
        description: 'An index whose vector gets no gradient; null for none.',
      },
    },
    required: ['num_embeddings', 'embedding_dim'],
    inferred: [],
  },
  ReLU: activation('max(0, x).'),
  LeakyReLU: activation('max(0, x) + negative_slope * min(0, x).', {
    negative_slope: { type: 'number', default: 0.01, description: 'Slope for negative inputs.' },
  }),
  ELU: activation('x for x > 0, alpha * (exp(x) - 1) otherwise.', {
    alpha: { type: 'number', default: 1.0, description: 'The alpha of the ELU formulation.' },
  }),
  GELU: activation('x * Φ(x).', {
    approximate: {
      type: 'string',
      enum: ['none', 'tanh'],
      default: 'none',
      description: 'The approximation: "none" (exact) or "tanh".',
    },
  }),
  SiLU: activation('x * sigmoid(x).'),
  Tanh: activation('tanh(x).'),
  Sigmoid: activation('1 / (1 + exp(-x)).'),
  Softplus: activation('log(1 + exp(beta * x)) / beta.', {
    beta: { type: 'number', exclusiveMinimum: 0, default: 1, description: 'The beta of the formulation.' },
    threshold: {
      type: 'number',
      default: 20,
      description: 'Above beta * x > threshold the layer is linear.',
    },
  }),
  Identity: activation('Passes its input through.'),
};

const reduction: JsonSchema = {
  type: 'string',
  enum: ['mean', 'sum'],
  default: 'mean',
  description: 'How per-element losses are reduced to the training loss.',
};

const weights = (description: string): JsonSchema => ({
  anyOf: [
    { type: 'array', items: { type: 'number', minimum: 0 }, minItems: 1, maxItems: MAX_SIZE },
    { type: 'null' },
  ],
  default: null,
  description,
});

const LOSSES: Record<LossType, Omit<ModelCatalogEntry, 'type' | 'reference'>> = {
  CrossEntropyLoss: {
    description: 'Softmax cross entropy of the output [C] against a class index 0..C-1.',
    options: {
      weight: weights('A weight per class (C of them), or null.'),
      ignore_index: {
        type: 'integer',
        minimum: -MAX_SIZE,
        maximum: MAX_SIZE,
        default: -100,
        description: 'A target value that is ignored.',
      },
      reduction,
      label_smoothing: {
        type: 'number',
        minimum: 0,
        maximum: 1,
        default: 0,
        description: 'Amount of smoothing of the target distribution, in [0, 1].',
      },
    },
    required: [],
    inferred: [],
  },
  MSELoss: { description: 'Mean squared error.', options: { reduction }, required: [], inferred: [] },
  L1Loss: { description: 'Mean absolute error.', options: { reduction }, required: [], inferred: [] },
  SmoothL1Loss: {
    description: 'Squared error below beta, absolute error above.',
    options: {
      reduction,
      beta: { type: 'number', minimum: 0, default: 1.0, description: 'Where the loss turns from L2 to L1.' },
    },
    required: [],
    inferred: [],
  },
  HuberLoss: {
    description: 'Squared error below delta, delta-scaled absolute error above.',
    options: {
      reduction,
      delta: {
        type: 'number',
        exclusiveMinimum: 0,
        default: 1.0,
        description: 'Where the loss turns from L2 to L1.',
      },
    },
    required: [],
    inferred: [],
  },
  BCEWithLogitsLoss: {
    description: 'Sigmoid and binary cross entropy of each output against a 0/1 target.',
    options: {
      weight: weights('A weight per output (broadcast over the batch), or null.'),
      reduction,
      pos_weight: weights('A weight of the positive examples per output, or null.'),
    },
    required: [],
    inferred: [],
  },
};

const withType = <T extends string>(
  entries: Record<T, Omit<ModelCatalogEntry, 'type' | 'reference'>>,
  types: readonly T[],
): Record<T, ModelCatalogEntry> =>
  Object.fromEntries(
    types.map((type) => [type, { type, reference: docs(type), ...entries[type] }]),
  ) as unknown as Record<T, ModelCatalogEntry>;

export const layerEntries: Record<LayerType, ModelCatalogEntry> = withType(LAYERS, LAYER_TYPES);
export const lossEntries: Record<LossType, ModelCatalogEntry> = withType(LOSSES, LOSS_TYPES);

/** The layers a model may use, in LAYER_TYPES order, for GET /v1/catalog. */
export function layerCatalog(): ModelCatalogEntry[] {
  return LAYER_TYPES.map((type) => structuredClone(layerEntries[type]));
}

/** The losses a model may use, in LOSS_TYPES order, for GET /v1/catalog. */
export function lossCatalog(): ModelCatalogEntry[] {
  return LOSS_TYPES.map((type) => structuredClone(lossEntries[type]));
}
