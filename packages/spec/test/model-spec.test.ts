import Schema from 'typebox/schema';
import { describe, expect, test } from 'vitest';
import { layerCatalog, lossCatalog } from '../src/model/catalog.js';
import { datasetReferences, splitCounts, withDatasetIds } from '../src/model/dataset.js';
import { summarizeModel } from '../src/model/shapes.js';
import { LAYER_TYPES, LOSS_TYPES, type ModelWorkloadOptions } from '../src/model/types.js';
import { modelWorkloadSchema, SweepSpecSchema } from '../src/sweep-spec-schema.js';
import { validateSweepSpec } from '../src/validate-sweep-spec.js';
import { cnnSpec, modelContext } from './model-fixtures.js';

const validate = (spec: unknown) => validateSweepSpec(spec, modelContext);

function valid(spec: unknown) {
  const result = validate(spec);
  if (!result.ok) expect.fail(JSON.stringify(result.errors, null, 2));
  return result;
}

describe('the issue CNN', () => {
  test('resolves with shapes carried and sizes inferred', () => {
    const result = valid(cnnSpec());
    expect(result.trials).toHaveLength(1);
    const workload = result.trials[0]!.workload;
    expect(workload.name).toBe('model');
    const options = workload.options as unknown as ModelWorkloadOptions;
    expect(options.model[0]).toMatchObject({
      type: 'Conv2d',
      name: 'features',
      in_channels: 1,
      out_channels: 8,
      kernel_size: [3, 3],
      stride: [1, 1],
      padding: [1, 1],
      dilation: [1, 1],
      groups: 1,
      bias: true,
      padding_mode: 'zeros',
    });
    expect(options.model[2]).toEqual({
      type: 'MaxPool2d',
      kernel_size: [2, 2],
      stride: [2, 2],
      padding: [0, 0],
      dilation: [1, 1],
      ceil_mode: false,
    });
    expect(options.model[3]).toEqual({ type: 'Flatten', start_dim: 1, end_dim: -1 });
    expect(options.model[5]).toEqual({
      type: 'Linear',
      name: 'classifier',
      in_features: 128,
      out_features: 10,
      bias: true,
    });
    expect(options.loss).toEqual({
      type: 'CrossEntropyLoss',
      weight: null,
      ignore_index: -100,
      reduction: 'mean',
      label_smoothing: 0.1,
    });
    expect(options.dataset).toEqual({
      id: '00000000-0000-4000-8000-000000000001',
      sha256: 'a'.repeat(64),
      format: 'csv',
      target: ['label'],
      features: Array.from({ length: 64 }, (_, i) => `p${i}`),
      shape: [1, 8, 8],
      val: { fraction: 0.2 },
      standardize: false,
      targetKind: 'class',
      inputDtype: 'float32',
    });
    const summary = summarizeModel(options.model, options.dataset.shape);
    expect(summary.rows.map((row) => row.outputShape)).toEqual([
      [8, 8, 8],
      [8, 8, 8],
      [8, 4, 4],
      [128],
      [128],
      [10],
    ]);
    expect(summary.rows.map((row) => row.params)).toEqual([80, 0, 0, 0, 0, 1290]);
    expect(summary.totalParams).toBe(1370);
    expect(summary.rows[0]!.name).toBe('features');
  });

  test('the objective defaults to val_loss; the normalized spec is a spec with the same trials', () => {
    const result = valid(cnnSpec());
    expect(result.spec.objective).toEqual({ metric: 'val_loss', mode: 'min' });
    expect(result.spec.name).toBe('model on "digits": SGD');
    const again = valid(result.spec);
    expect(again.trials).toEqual(result.trials);
    expect(result.spec.workload).toMatchObject({
      dataset: {
        id: '00000000-0000-4000-8000-000000000001',
        target: ['label'],
        val: 0.2,
        standardize: false,
      },
      loss: { type: 'CrossEntropyLoss', label_smoothing: 0.1, reduction: 'mean' },
    });
  });

  test('layer names are parameter groups', () => {
    const spec = cnnSpec();
    spec['optimizers'] = [{ type: 'SGD', lr: 0.1, param_groups: [{ params: 'classifier', lr: 0.01 }] }];
    expect(valid(spec).trials[0]!.optimizer.param_groups).toEqual([{ params: 'classifier', lr: 0.01 }]);
    spec['optimizers'] = [{ type: 'SGD', lr: 0.1, param_groups: [{ params: 'clasifier', lr: 0.01 }] }];
    const result = validate(spec);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.errors[0]!.path).toBe('/optimizers/0/param_groups/0/params');
      expect(result.errors[0]!.message).toContain('did you mean "classifier"');
    }
    const unnamed = cnnSpec() as { workload: { model: Array<Record<string, unknown>> } };
    for (const layer of unnamed.workload.model) delete layer['name'];
    const refused = validate({ ...unnamed, optimizers: spec['optimizers'] });
    expect(refused.ok === false && refused.errors).toEqual([
      {
        path: '/optimizers/0/param_groups',
        message:
          'the model has no named layers, so param_groups cannot be used; give a layer a "name" to make it a parameter group',
      },
    ]);
  });
});

const layersOf = (
  result: { trials: Array<{ workload: { options?: Record<string, unknown> } }> },
  trial = 0,
) => result.trials[trial]!.workload.options as unknown as ModelWorkloadOptions;

function spec(workload: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { workload, optimizers: [{ type: 'Adam' }], ...extra };
}

describe('other models and datasets', () => {
  test('an NPZ CNN: x and y by default, AdaptiveAvgPool2d, BatchNorm2d and ceil_mode', () => {
    const result = valid(
      spec({
        dataset: { id: 'images', val: 0.1, standardize: true },
        model: [
          { type: 'Conv2d', out_channels: 4, kernel_size: [3, 5], stride: 2 },
          { type: 'BatchNorm2d' },
          { type: 'MaxPool2d', kernel_size: 2, stride: 4, padding: 1, ceil_mode: true },
          { type: 'AdaptiveAvgPool2d', output_size: 1 },
          { type: 'Flatten' },
          { type: 'Linear', out_features: 5 },
        ],
        loss: 'CrossEntropyLoss',
      }),
    );
    const options = layersOf(result);
    expect(options.dataset).toMatchObject({
      format: 'npz',
      features: ['x'],
      target: ['y'],
      shape: [3, 16, 16],
      standardize: true,
      targetKind: 'class',
    });
    expect(options.model[1]).toMatchObject({ num_features: 4 });
    // [3,16,16] -> conv k(3,5) s2 -> [4,7,6] -> pool k2 s4 p1 ceil -> [4,2,2] (the last window of 3 would start in the right padding)
    expect(summarizeModel(options.model, options.dataset.shape).rows.map((r) => r.outputShape)).toEqual([
      [4, 7, 6],
      [4, 7, 6],
      [4, 2, 2],
      [4, 1, 1],
      [4],
      [5],
    ]);
  });

  test('Conv1d, and a regression over two target columns with a validation dataset', () => {
    const result = valid(
      spec({
        dataset: {
          id: 'houses',
          target: ['price', 'tax'],
          features: ['rooms', 'area', 'age'],
          shape: [1, 3],
        },
        model: [
          { type: 'Conv1d', out_channels: 2, kernel_size: 2 },
          { type: 'Flatten' },
          { type: 'Linear', out_features: 2 },
        ],
        loss: { type: 'HuberLoss', delta: 0.5 },
      }),
    );
    const options = layersOf(result);
    expect(options.model[0]).toMatchObject({ in_channels: 1, kernel_size: [2], stride: [1], padding: [0] });
    expect(options.model[2]).toMatchObject({ in_features: 4 });
    expect(options.loss).toEqual({ type: 'HuberLoss', reduction: 'mean', delta: 0.5 });
    expect(options.dataset).toMatchObject({ val: null, targetKind: 'value', format: 'parquet' });
    expect(result.spec.objective.metric).toBe('train_loss');
  });

  test('a validation dataset', () => {
    const workload = cnnSpec()['workload'] as Record<string, Record<string, unknown>>;
    workload['dataset']!['val'] = 'digits-val';
    const options = layersOf(valid({ ...cnnSpec(), workload }));
    expect(options.dataset.val).toEqual({
      id: '00000000-0000-4000-8000-000000000002',
      sha256: 'b'.repeat(64),
      format: 'csv',
    });
  });

  test('an Embedding model: int32 inputs, indices checked against num_embeddings, BCEWithLogitsLoss', () => {
    const model = (count: number) =>
      spec(
        {
          dataset: { id: 'tokens', target: 'label', val: 0.25 },
          model: [
            { type: 'Embedding', num_embeddings: count, embedding_dim: 8 },
            { type: 'LayerNorm', normalized_shape: 8 },
            { type: 'Flatten' },
            { type: 'Linear', out_features: 1 },
          ],
          loss: { type: 'BCEWithLogitsLoss', pos_weight: [2] },
        },
        { objective: { metric: 'val_accuracy' } },
      );
    const options = layersOf(valid(model(50)));
    expect(options.dataset.inputDtype).toBe('int32');
    expect(options.dataset.targetKind).toBe('value');
    expect(options.model[2]).toEqual({ type: 'Flatten', start_dim: 1, end_dim: -1 });
    expect(options.model[3]).toMatchObject({ in_features: 96 });
    expect(summarizeModel(options.model, options.dataset.shape).totalParams).toBe(400 + 16 + 97);
    const result = validate(model(40));
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.errors).toEqual([
        {
          path: '/workload/model/0/num_embeddings',
          message:
            'row 7 (0-based; CSV line 9) of t0 is 49; Embedding with num_embeddings 40 takes indices 0..39',
        },
      ]);
  });
});

describe('swept layer options', () => {
  test('a list sweeps: one grid factor, in_features inferred per variant', () => {
    const base = cnnSpec();
    const workload = base['workload'] as { model: Array<Record<string, unknown>> };
    workload.model[0]!['out_channels'] = [8, 16];
    workload.model[4]!['p'] = [0, 0.2, 0.5];
    const result = valid({ ...base, seeds: [0, 1], optimizers: [{ type: 'SGD', lr: [0.1, 0.01] }] });
    expect(result.trials).toHaveLength(2 * 3 * 2 * 2);
    const variants = result.trials.map((t) => {
      const { model } = t.workload.options as unknown as ModelWorkloadOptions;
      return [
        model[0]!['out_channels'],
        model[4]!['p'],
        model[5]!['in_features'],
        t.optimizer.options['lr'],
        t.seed,
      ];
    });
    expect(variants.slice(0, 5)).toEqual([
      [8, 0, 128, 0.1, 0],
      [8, 0, 128, 0.1, 1],
      [8, 0, 128, 0.01, 0],
      [8, 0, 128, 0.01, 1],
      [8, 0.2, 128, 0.1, 0],
    ]);
    expect(variants.at(-1)).toEqual([16, 0.5, 256, 0.01, 1]);
    // the normalized spec keeps the lists and expands to the same trials
    expect((result.spec.workload as { model: unknown[] }).model[0]).toMatchObject({ out_channels: [8, 16] });
    expect(valid(result.spec).trials).toEqual(result.trials);
  });

  test('a swept loss option', () => {
    const base = cnnSpec();
    (base['workload'] as { loss: Record<string, unknown> }).loss['label_smoothing'] = [0, 0.1];
    const result = valid(base);
    expect(
      result.trials.map(
        (t) => (t.workload.options as unknown as ModelWorkloadOptions).loss['label_smoothing'],
      ),
    ).toEqual([0, 0.1]);
  });

  test('MAX_TRIALS counts the model variants before expanding', () => {
    const base = cnnSpec();
    const workload = base['workload'] as { model: Array<Record<string, unknown>> };
    workload.model[0]!['out_channels'] = Array.from({ length: 50 }, (_, i) => i + 1);
    workload.model[4]!['p'] = Array.from({ length: 50 }, (_, i) => i / 100);
    const result = validateSweepSpec(
      { ...base, seeds: [0, 1, 2, 3, 4] },
      { ...modelContext, maxTrials: 10_000 },
    );
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.errors).toEqual([
        { path: '', message: 'the grid has 12,500 trials; the limit is 10,000' },
      ]);
  });

  test('equal variants are merged', () => {
    const base = cnnSpec();
    (base['workload'] as { model: Array<Record<string, unknown>> }).model[0]!['stride'] = [1, [1, 1]];
    expect(valid(base).trials).toHaveLength(1);
  });

  test('a Conv1d kernel_size list of numbers sweeps', () => {
    const result = valid(
      spec({
        dataset: { id: 'houses', target: ['price', 'tax'], shape: [1, 3] },
        model: [
          { type: 'Conv1d', out_channels: 2, kernel_size: [1, 2] },
          { type: 'Flatten' },
          { type: 'Linear', out_features: 2 },
        ],
        loss: 'MSELoss',
      }),
    );
    expect(
      result.trials.map(
        (t) => (t.workload.options as unknown as ModelWorkloadOptions).model[2]!['in_features'],
      ),
    ).toEqual([6, 4]);
  });
});

describe('helpers the API and trainer share', () => {
  test('splitCounts', () => {
    expect(splitCounts(1797, 0.2)).toEqual({ train: 1438, val: 359 });
    expect(splitCounts(2, 0.01)).toEqual({ train: 1, val: 1 });
    expect(splitCounts(10, 0.99)).toEqual({ train: 1, val: 9 });
  });

  test('withDatasetIds pins the references to uuids', () => {
    const body = { workload: { dataset: { id: 'digits', val: 'digits-val', target: 'label' } }, seeds: [1] };
    const lookup = modelContext.datasets!;
    expect(withDatasetIds(body, lookup)).toEqual({
      workload: {
        dataset: {
          id: '00000000-0000-4000-8000-000000000001',
          val: '00000000-0000-4000-8000-000000000002',
          target: 'label',
        },
      },
      seeds: [1],
    });
    expect(body.workload.dataset.id).toBe('digits');
    expect(withDatasetIds({ workload: 'mnist-mlp' }, lookup)).toEqual({ workload: 'mnist-mlp' });
    expect(withDatasetIds({ workload: { dataset: { id: 'nope', val: 0.2 } } }, lookup)).toEqual({
      workload: { dataset: { id: 'nope', val: 0.2 } },
    });
  });

  test('datasetReferences lists the dataset and a validation dataset, never throwing', () => {
    expect(datasetReferences(cnnSpec())).toEqual(['digits']);
    expect(datasetReferences({ workload: { dataset: { id: 'a', val: 'b' } } })).toEqual(['a', 'b']);
    expect(datasetReferences({ workload: { dataset: { id: 'a', val: 0.2 } } })).toEqual(['a']);
    for (const body of [null, 3, 'x', { workload: 'mnist-mlp' }, { workload: { dataset: [] } }])
      expect(datasetReferences(body)).toEqual([]);
  });

  test('the catalog lists every layer and loss with its options', () => {
    const layers = layerCatalog();
    expect(layers.map((l) => l.type)).toEqual([...LAYER_TYPES]);
    const linear = layers.find((l) => l.type === 'Linear')!;
    expect(linear.required).toEqual(['out_features']);
    expect(linear.inferred).toEqual(['in_features']);
    expect(linear.options['bias']).toMatchObject({ type: 'boolean', default: true });
    expect(layers.find((l) => l.type === 'Conv2d')!.inferred).toEqual(['in_channels']);
    expect(layers.find((l) => l.type === 'Embedding')!.required).toEqual(['num_embeddings', 'embedding_dim']);
    expect(lossCatalog().map((l) => l.type)).toEqual([...LOSS_TYPES]);
    for (const entry of [...layers, ...lossCatalog()]) {
      for (const schema of Object.values(entry.options)) expect(schema.description).toBeTruthy();
    }
  });
});

describe('the OpenAPI schema of a model workload', () => {
  const check = Schema.Compile(SweepSpecSchema);
  test('has a variant per layer and loss, accepts sweeps and distributions, refuses unknown options', () => {
    const variants = (modelWorkloadSchema.properties.model.items as { anyOf: Array<{ title: string }> })
      .anyOf;
    expect(variants.map((v) => v.title)).toEqual([...LAYER_TYPES]);
    expect(check.Check(cnnSpec())).toBe(true);
    const swept = cnnSpec() as { workload: { model: Array<Record<string, unknown>> } };
    swept.workload.model[0]!['out_channels'] = { int: [4, 16] };
    swept.workload.model[4]!['p'] = [0, 0.5];
    expect(check.Check(swept)).toBe(true);
    swept.workload.model[0]!['out_channel'] = 8;
    expect(check.Check(swept)).toBe(false);
  });
});
