import { describe, expect, test } from 'vitest';
import { validateSweepSpec } from '../src/validate-sweep-spec.js';
import { cnnSpec, digits, modelContext } from './model-fixtures.js';

// biome-ignore lint/suspicious/noExplicitAny: tests mutate a spec freely
type Workload = Record<string, any>;

/** The errors of the CNN spec after `mutate` changes its workload. */
function errorsOf(mutate: (workload: Workload) => void, extra: Record<string, unknown> = {}) {
  const spec = { ...cnnSpec(), ...extra };
  mutate(spec['workload'] as Workload);
  const result = validateSweepSpec(spec, modelContext);
  if (result.ok) expect.fail('expected the spec to be refused');
  return result.errors;
}

const cases: Array<[string, (w: Workload) => void, string, string]> = [
  [
    'in_features that does not match',
    (w) => {
      w.model[5].in_features = 100;
    },
    '/workload/model/5/in_features',
    'layer 4 (Dropout) outputs [128]: 128 features; in_features is 100',
  ],
  [
    'in_features of a Linear on unflattened input',
    (w) => {
      w.model.splice(3, 2);
      w.model[3].in_features = 128;
    },
    '/workload/model/3/in_features',
    'layer 2 (MaxPool2d) outputs [8, 4, 4]: 4 features; in_features is 128 (Linear acts on the last dimension; a Flatten before it would give 128 features)',
  ],
  [
    'an unknown layer type',
    (w) => {
      w.model[1].type = 'Relu';
    },
    '/workload/model/1/type',
    'unknown layer type "Relu"; did you mean "ReLU"? Valid types: Linear, Conv1d, Conv2d,',
  ],
  [
    'an unknown option',
    (w) => {
      w.model[0].out_channel = 3;
    },
    '/workload/model/0/out_channel',
    'unknown option "out_channel" for Conv2d; did you mean "out_channels"?',
  ],
  [
    'an unknown loss',
    (w) => {
      w.loss.type = 'MSELos';
    },
    '/workload/loss/type',
    'unknown loss type "MSELos"; did you mean "MSELoss"?',
  ],
  [
    'an unknown loss option',
    (w) => {
      w.loss.label_smothing = 0.1;
    },
    '/workload/loss/label_smothing',
    'unknown option "label_smothing" for CrossEntropyLoss; did you mean "label_smoothing"?',
  ],
  [
    'a missing required option',
    (w) => {
      delete w.model[5].out_features;
    },
    '/workload/model/5',
    'missing option "out_features": Linear has no default for it',
  ],
  [
    'padding_mode other than zeros',
    (w) => {
      w.model[0].padding_mode = 'reflect';
    },
    '/workload/model/0/padding_mode',
    'padding_mode "reflect" is not supported; only "zeros" is',
  ],
  [
    "padding 'same' with a stride",
    (w) => {
      w.model[0].padding = 'same';
      w.model[0].stride = 2;
    },
    '/workload/model/0/padding',
    "padding='same' is not supported for strided convolutions",
  ],
  [
    'a Conv2d on flat examples',
    (w) => {
      w.dataset.shape = [64];
    },
    '/workload/model/0',
    "the dataset's examples are [64]; Conv2d takes [C, H, W] per example (without the batch axis)",
  ],
  [
    'a kernel larger than the padded input',
    (w) => {
      w.model[0].kernel_size = 11;
    },
    '/workload/model/0/kernel_size',
    "the dataset's examples are [1, 8, 8]: padded input size [10, 10]; kernel_size [11, 11] (dilation [1, 1]) spans 11 along spatial dim 0, more than the input: the output would be empty",
  ],
  [
    'a pooling window larger than the input',
    (w) => {
      w.model[2].kernel_size = 9;
    },
    '/workload/model/2/kernel_size',
    'layer 1 (ReLU) outputs [8, 8, 8]: the output would be [8, 0, 0] with kernel_size [9, 9], stride [9, 9] and padding [0, 0]; output size is too small',
  ],
  [
    'pooling padding over half the kernel',
    (w) => {
      w.model[2].padding = 2;
    },
    '/workload/model/2/padding',
    'pad should be at most half of effective kernel size, but got pad=2, kernel_size=2 and dilation=1',
  ],
  [
    'in_channels that does not match',
    (w) => {
      w.model[0].in_channels = 3;
    },
    '/workload/model/0/in_channels',
    "the dataset's examples are [1, 8, 8]: 1 channel; in_channels is 3",
  ],
  [
    'groups that do not divide the channels',
    (w) => {
      w.model[0].groups = 3;
    },
    '/workload/model/0/groups',
    'in_channels (1) must be divisible by groups (3)',
  ],
  [
    'Flatten of the batch axis',
    (w) => {
      w.model[3].start_dim = 0;
    },
    '/workload/model/3/start_dim',
    'start_dim 0 flattens the batch axis into the features; dims count the batch axis as 0, so start_dim must be at least 1',
  ],
  [
    'Flatten out of range',
    (w) => {
      w.model[3].end_dim = 7;
    },
    '/workload/model/3/end_dim',
    'layer 2 (MaxPool2d) outputs [8, 4, 4], 4-D with the batch axis; end_dim 7 is out of range (expected to be in range of [-4, 3])',
  ],
  [
    'an unknown dataset',
    (w) => {
      w.dataset.id = 'digit';
    },
    '/workload/dataset/id',
    'unknown dataset "digit": upload it first (POST /v1/datasets) and give its id or name, or name a built-in one (mnist)',
  ],
  [
    'an unknown target column',
    (w) => {
      w.dataset.target = 'labels';
    },
    '/workload/dataset/target',
    'unknown column "labels"; did you mean "label"? The columns: p0, p1, p2, p3, p4, p5, p6, p7, p8, p9, p10, p11, ... (65 in all)',
  ],
  [
    'an unknown feature column',
    (w) => {
      w.dataset.features = ['p0', 'p99'];
      w.dataset.shape = [2];
    },
    '/workload/dataset/features/1',
    'unknown column "p99"; did you mean "p9"?',
  ],
  [
    'the target among the features',
    (w) => {
      w.dataset.features = ['p0', 'label'];
      w.dataset.shape = [2];
    },
    '/workload/dataset/features/1',
    'column "label" is the target; it cannot also be a feature',
  ],
  [
    'a shape that does not hold the features',
    (w) => {
      w.dataset.shape = [1, 8, 7];
    },
    '/workload/dataset/shape',
    'shape [1, 8, 7] holds 56 values per example, but there are 64 feature columns',
  ],
  [
    'a validation fraction out of range',
    (w) => {
      w.dataset.val = 1.5;
    },
    '/workload/dataset/val',
    'val as a fraction of the rows must be between 0 and 1 (exclusive), got 1.5',
  ],
  [
    'a validation dataset without the columns',
    (w) => {
      w.dataset.val = 'houses';
    },
    '/workload/dataset/val',
    'validation dataset "houses" does not match the training data: it has no column "p0", "p1",',
  ],
  [
    'fewer classes than the labels',
    (w) => {
      w.model[5].out_features = 9;
    },
    '/workload/dataset/target',
    'row 5 (0-based; CSV line 7) of label is 9; CrossEntropyLoss over 9 classes (layer 5 outputs [9]) needs class indices 0..8',
  ],
  [
    'a label out of range in the data',
    (w) => {
      w.dataset.id = 'digits-11';
    },
    '/workload/dataset/target',
    'row 17 (0-based; CSV line 19) of label is 10; CrossEntropyLoss over 10 classes (layer 5 outputs [10]) needs class indices 0..9',
  ],
  [
    'a class weight of the wrong length',
    (w) => {
      w.loss.weight = [1, 2];
    },
    '/workload/loss/weight',
    'weight has 2 values; CrossEntropyLoss over 10 classes needs 10',
  ],
  [
    'a regression output that is not the target',
    (w) => {
      w.loss = { type: 'MSELoss' };
    },
    '/workload/model/5/out_features',
    'MSELoss compares the output with the target: layer 5 outputs [10] but the target is [1] (1 column)',
  ],
  [
    'an Embedding after another layer',
    (w) => {
      w.model.splice(1, 0, { type: 'Embedding', num_embeddings: 17, embedding_dim: 4 });
    },
    '/workload/model/1',
    'Embedding takes integer indices from the dataset, so it must be the first layer; layer 0 (Conv2d) outputs floats',
  ],
  [
    'a swept name',
    (w) => {
      w.model[0].name = ['a', 'b'];
    },
    '/workload/model/0/name',
    'name cannot be swept: it names one parameter group',
  ],
  [
    'a swept type',
    (w) => {
      w.model[0].type = ['Conv2d', 'Conv1d'];
    },
    '/workload/model/0/type',
    'type cannot be swept: a layer has one type',
  ],
  [
    'a layer name twice',
    (w) => {
      w.model[5].name = 'features';
    },
    '/workload/model/5/name',
    'layer name "features" is already layer 0\'s; names must be unique',
  ],
  [
    'LayerNorm over other dims',
    (w) => {
      w.model.splice(4, 0, { type: 'LayerNorm', normalized_shape: 100 });
    },
    '/workload/model/4/normalized_shape',
    'layer 3 (Flatten) outputs [128]; normalized_shape [100] must equal its trailing dimensions',
  ],
  [
    'BatchNorm1d on images',
    (w) => {
      w.model.splice(1, 0, { type: 'BatchNorm1d' });
    },
    '/workload/model/1',
    'layer 0 (Conv2d) outputs [8, 8, 8]; BatchNorm1d takes [C] or [C, L] per example (without the batch axis)',
  ],
  [
    'a missing loss',
    (w) => {
      delete w.loss;
    },
    '/workload',
    'missing "loss": a model workload has dataset, model and loss',
  ],
  [
    'an unknown dataset field',
    (w) => {
      w.dataset.standardise = true;
    },
    '/workload/dataset/standardise',
    'unknown field "standardise" in dataset; did you mean "standardize"?',
  ],
];

describe('model workload errors', () => {
  test.each(cases)('%s', (_, mutate, path, message) => {
    const errors = errorsOf(mutate);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.path).toBe(path);
    expect(errors[0]!.message.startsWith(message), errors[0]!.message).toBe(true);
  });

  test('a swept option that breaks a later layer is reported at its value', () => {
    const errors = errorsOf((w) => {
      w.model[0].out_channels = [8, 16];
      w.model[5].in_features = 128;
    });
    expect(errors).toEqual([
      {
        path: '/workload/model/0/out_channels/1',
        message:
          'with out_channels 16 (layer 0), layer 5 (Linear): layer 4 (Dropout) outputs [256]: 256 features; in_features is 128',
      },
    ]);
  });

  test('val_accuracy needs a classifying loss, validation metrics validation data', () => {
    const regression = errorsOf(
      (w) => {
        w.loss = { type: 'MSELoss' };
        w.model[5].out_features = 1;
      },
      { objective: { metric: 'val_accuracy' } },
    );
    expect(regression).toEqual([
      {
        path: '/objective/metric',
        message:
          'val_accuracy is measured for a classifying loss (CrossEntropyLoss, BCEWithLogitsLoss) only; use one of train_loss, val_loss',
      },
    ]);
    const noValidation = errorsOf(
      (w) => {
        delete w.dataset.val;
      },
      { objective: { metric: 'val_loss' } },
    );
    expect(noValidation[0]).toEqual({
      path: '/objective/metric',
      message:
        'workload model on "digits" has no validation set, so val_loss is never measured; use "train_loss"',
    });
  });

  test('a dataset without rows', () => {
    const empty = { ...digits, id: 'e', name: 'empty', rows: 0 };
    const result = validateSweepSpec(cnnSpec(), { ...modelContext, datasets: () => empty });
    expect(result.ok === false && result.errors).toEqual([
      { path: '/workload/dataset/id', message: 'dataset "empty" has no rows' },
    ]);
  });

  test('without a dataset lookup a model workload is a 400', () => {
    const result = validateSweepSpec(cnnSpec(), { workloads: modelContext.workloads });
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.errors).toEqual([
        {
          path: '/workload/dataset/id',
          message: 'unknown dataset "digits": no uploaded datasets are available here (built-in: mnist)',
        },
      ]);
  });
});
