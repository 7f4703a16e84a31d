import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { validateSearchSweepSpec } from '../src/search-spec.js';
import { validateSweepSpec } from '../src/validate-sweep-spec.js';
import { expectWellFormed, mutate, mutationsOf } from './fuzz-helpers.js';
import { cnnSpec, modelContext } from './model-fixtures.js';

const validate = (spec: unknown) => validateSweepSpec(spec, modelContext);

const keys = fc.constantFrom(
  'type',
  'name',
  'in_features',
  'out_features',
  'in_channels',
  'out_channels',
  'kernel_size',
  'stride',
  'padding',
  'dilation',
  'groups',
  'ceil_mode',
  'start_dim',
  'end_dim',
  'normalized_shape',
  'num_embeddings',
  'embedding_dim',
  'padding_idx',
  'output_size',
  'weight',
  'pos_weight',
  'ignore_index',
  'label_smoothing',
  'id',
  'target',
  'features',
  'shape',
  'val',
  'standardize',
  'dataset',
  'model',
  'loss',
  '__proto__',
);
const values = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(
    0,
    -1,
    -5,
    1,
    2,
    3,
    7,
    100,
    1e9,
    0.5,
    'same',
    'valid',
    'reflect',
    'Linear',
    'Conv1d',
    'Conv2d',
    'MaxPool2d',
    'AdaptiveAvgPool2d',
    'Flatten',
    'Embedding',
    'LayerNorm',
    'BatchNorm1d',
    'BatchNorm2d',
    'MSELoss',
    'BCEWithLogitsLoss',
    'digits',
    'digits-val',
    'images',
    'tokens',
    'houses',
    'label',
    'p3',
    'x',
    'y',
    [1, 8, 8],
    [64],
    [8, 16],
    [3, 3],
    [[3, 3]],
    [2, 32],
    { int: [1, 8] },
    { uniform: [0, 1] },
    null,
    true,
    {},
    [],
  ),
);
const mutations = mutationsOf(keys, values);

const seeds = [
  cnnSpec(),
  {
    workload: {
      dataset: { id: 'images', val: 0.1 },
      model: [
        { type: 'Conv2d', out_channels: [2, 4], kernel_size: 3, stride: 2, groups: 1 },
        { type: 'BatchNorm2d' },
        { type: 'AvgPool2d', kernel_size: 2, ceil_mode: true },
        { type: 'AdaptiveAvgPool2d', output_size: [2, 2] },
        { type: 'LayerNorm', normalized_shape: [2, 2] },
        { type: 'Flatten', start_dim: 1, end_dim: -1 },
        { type: 'Linear', out_features: 5 },
      ],
      loss: { type: 'CrossEntropyLoss', weight: [1, 1, 1, 1, 2] },
    },
    optimizers: [{ type: 'Adam', lr: [0.01, 0.001] }],
  },
  {
    workload: {
      dataset: { id: 'tokens', target: 'label', val: 'tokens' },
      model: [
        { type: 'Embedding', num_embeddings: 50, embedding_dim: 4, padding_idx: -1 },
        { type: 'Flatten' },
        { type: 'Linear', out_features: 1, name: 'head' },
      ],
      loss: 'BCEWithLogitsLoss',
    },
    optimizers: [{ type: 'SGD', lr: 0.1, param_groups: [{ params: 'head', lr: 0.01 }] }],
  },
];

describe('a model workload never throws', () => {
  test('the seeds: every one but the validation dataset that is the training one is valid', () => {
    expect(validate(seeds[0]).ok).toBe(true);
    expect(validate(seeds[1]).ok).toBe(true);
    expect(validate(seeds[2])).toMatchObject({ ok: false, errors: [{ path: '/workload/dataset/val' }] });
  });

  test('mutated model specs', () => {
    fc.assert(
      fc.property(fc.constantFrom(...seeds), mutations, (spec, edits) => {
        const input = mutate(spec, edits);
        expectWellFormed(input, validate(input), validate);
        const search = validateSearchSweepSpec(
          { ...(input as object), search: { type: 'random', trials: 2 } },
          modelContext,
        );
        if (!search.ok) expect(search.errors.length).toBeGreaterThan(0);
      }),
      { numRuns: 600 },
    );
  });

  test('arbitrary workloads with the model fields', () => {
    const field = fc.oneof(
      values,
      fc.array(values, { maxLength: 4 }),
      fc.dictionary(keys, values, { maxKeys: 4 }),
    );
    fc.assert(
      fc.property(
        fc.record({ dataset: field, model: field, loss: field }, { requiredKeys: [] }),
        (workload) => {
          const input = { workload, optimizers: [{ type: 'SGD' }] };
          expectWellFormed(input, validate(input), validate);
        },
      ),
      { numRuns: 300 },
    );
  });
});
