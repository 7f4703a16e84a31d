// The model workload as a trial config stores it: torch.nn's constructor arguments with every default filled
// and every inferred size (in_features, in_channels, num_features, ...) set. packages/spec writes it (from the
// spec's `workload: {dataset, model, loss}`, after carrying the shape through the layers); packages/trainer
// builds the network and the data from it and nothing else. Plain JSON: it is stored with each trial.

/** The workload name a trial config carries for a model given in the spec. */
export const MODEL_WORKLOAD = 'model';

/** The element-wise torch.nn layers (no parameters, the same in train and eval mode). */
export const ACTIVATION_TYPES = [
  'ReLU',
  'LeakyReLU',
  'ELU',
  'GELU',
  'SiLU',
  'Tanh',
  'Sigmoid',
  'Softplus',
  'Identity',
] as const;

/** torch.nn layer class names the spec accepts. */
export const LAYER_TYPES = [
  'Linear',
  'Conv1d',
  'Conv2d',
  'MaxPool2d',
  'AvgPool2d',
  'AdaptiveAvgPool2d',
  'Flatten',
  'Dropout',
  'BatchNorm1d',
  'BatchNorm2d',
  'LayerNorm',
  'Embedding',
  ...ACTIVATION_TYPES,
] as const;
export type LayerType = (typeof LAYER_TYPES)[number];

/** torch.nn loss class names the spec accepts. */
export const LOSS_TYPES = [
  'CrossEntropyLoss',
  'MSELoss',
  'L1Loss',
  'SmoothL1Loss',
  'HuberLoss',
  'BCEWithLogitsLoss',
] as const;
export type LossType = (typeof LOSS_TYPES)[number];

/**
 * One layer, resolved: `type`, every constructor argument of the torch class under its torch name with the
 * default filled (sizes inferred from the shape that flows in), and the optional `name` that makes a
 * parameter group. Tuple arguments are always arrays of the layer's spatial rank (Conv2d `kernel_size: 3`
 * is stored as `[3, 3]`); `padding` may also be the string 'same' or 'valid' as torch allows.
 *
 * The arguments, by type (torch 1.13 defaults):
 * - Linear: in_features, out_features, bias (true)
 * - Conv1d / Conv2d: in_channels, out_channels, kernel_size, stride ([1..]), padding ([0..] | 'same' | 'valid'),
 *   dilation ([1..]), groups (1), bias (true), padding_mode ('zeros', the only one supported)
 * - MaxPool2d: kernel_size, stride (= kernel_size), padding ([0, 0]), dilation ([1, 1]), ceil_mode (false)
 * - AvgPool2d: kernel_size, stride (= kernel_size), padding ([0, 0]), ceil_mode (false),
 *   count_include_pad (true), divisor_override (null)
 * - AdaptiveAvgPool2d: output_size ([h, w])
 * - Flatten: start_dim (1), end_dim (-1): dims of the batched tensor, as in torch
 * - Dropout: p (0.5)
 * - BatchNorm1d / BatchNorm2d: num_features, eps (1e-5), momentum (0.1), affine (true), track_running_stats (true)
 * - LayerNorm: normalized_shape (array), eps (1e-5), elementwise_affine (true)
 * - Embedding: num_embeddings, embedding_dim, padding_idx (null)
 * - LeakyReLU: negative_slope (0.01); ELU: alpha (1.0); GELU: approximate ('none' | 'tanh');
 *   Softplus: beta (1), threshold (20); ReLU, SiLU, Tanh, Sigmoid, Identity: none
 */
export interface ResolvedLayer {
  type: LayerType;
  /** A parameter group named after this layer (`param_groups[].params` may select it). */
  name?: string;
  [argument: string]: unknown;
}

/**
 * The loss, resolved like a layer (torch 1.13 defaults):
 * - CrossEntropyLoss: weight (null | number[] of C), ignore_index (-100), reduction ('mean'), label_smoothing (0)
 * - MSELoss, L1Loss: reduction ('mean')
 * - SmoothL1Loss: reduction ('mean'), beta (1.0); HuberLoss: reduction ('mean'), delta (1.0)
 * - BCEWithLogitsLoss: weight (null | number[]), reduction ('mean'), pos_weight (null | number[])
 * `reduction` is 'mean' or 'sum' (a training loss is a scalar).
 */
export interface ResolvedLoss {
  type: LossType;
  [argument: string]: unknown;
}

/** An uploaded dataset as a trial refers to it: enough for a worker to fetch it (by sha256) and read it. */
export interface DatasetFileRef {
  /** The dataset's id (uuid). */
  id: string;
  /** Of the stored bytes: the worker's on-disk cache key. */
  sha256: string;
  format: 'csv' | 'npy' | 'npz' | 'parquet';
}

/**
 * Which data a model trains on. Columns (CSV, Parquet; a 2-D NPY's columns are named "0", "1", ...) or
 * arrays (NPZ: `features` is one array, its first axis the examples).
 */
export interface ResolvedDataset extends DatasetFileRef {
  /** The target column(s) or array. One name for a class index (CrossEntropyLoss) or a single value. */
  target: string[];
  /** The input columns, in order, or the one input array. */
  features: string[];
  /** Each example's input shape (no batch axis), e.g. [1, 8, 8]; its product is the feature count. */
  shape: number[];
  /**
   * Validation data: a fraction of the rows split off with a permutation drawn from the trial's data seed
   * (the same for every trial with that seed), another dataset with the same columns or arrays, or none.
   */
  val: { fraction: number } | DatasetFileRef | null;
  /** Inputs scaled by the training split's per-feature mean and population std (a std of 0 counts as 1). */
  standardize: boolean;
  /**
   * How the target is read: 'class' an integer class index (CrossEntropyLoss, one column), 'value' float
   * values (every other loss; BCEWithLogitsLoss's 0/1 labels included).
   */
  targetKind: 'class' | 'value';
  /** Input dtype: 'float32' for every model but one that starts with Embedding ('int32' indices). */
  inputDtype: 'float32' | 'int32';
}

/** A trial config's workload options for MODEL_WORKLOAD. */
export interface ModelWorkloadOptions {
  dataset: ResolvedDataset;
  model: ResolvedLayer[];
  loss: ResolvedLoss;
}
