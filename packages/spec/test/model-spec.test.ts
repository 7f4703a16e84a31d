import { describe, expect, test } from 'vitest';
import { summarizeModel } from '../src/model/shapes.js';
import type { ModelWorkloadOptions } from '../src/model/types.js';
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
  });
});
