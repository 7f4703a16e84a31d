import { describe, expect, test } from 'vitest';
import { builtinDataset, datasetFilesOf, datasetLookup } from '../src/index.js';
import type { ModelWorkloadOptions } from '../src/model/types.js';
import { validateSweepSpec } from '../src/validate-sweep-spec.js';
import { digits, modelContext } from './model-fixtures.js';

/** The bench's CNN on the built-in MNIST digits, as a user writes it: no upload. */
function mnistCnn(classes = 10): Record<string, unknown> {
  return {
    workload: {
      dataset: { id: 'mnist', target: 'label', val: 0.2 },
      model: [
        { type: 'Conv2d', out_channels: 8, kernel_size: 3 },
        { type: 'ReLU' },
        { type: 'MaxPool2d', kernel_size: 2 },
        { type: 'Flatten' },
        { type: 'Linear', out_features: classes },
      ],
      loss: { type: 'CrossEntropyLoss' },
    },
    training: { epochs: 1, batchSize: 64 },
    optimizers: [{ type: 'Adam', lr: 0.001 }],
  };
}

describe('built-in datasets', () => {
  test('mnist is found by name or id, with no lookup at all and beside uploaded datasets', () => {
    expect(builtinDataset('mnist')?.id).toBe('builtin:mnist');
    expect(builtinDataset('builtin:mnist')?.name).toBe('mnist');
    expect(datasetLookup([digits])('mnist')?.id).toBe('builtin:mnist');
    expect(datasetLookup([digits])('digits')?.id).toBe(digits.id);
    // An uploaded dataset that already holds the name is found first; the id still means the built-in one.
    const uploaded = { ...digits, id: 'u', name: 'mnist' };
    expect(datasetLookup([uploaded])('mnist')?.id).toBe('u');
    expect(datasetLookup([uploaded])('builtin:mnist')?.id).toBe('builtin:mnist');
  });

  test('a CNN on mnist validates without an upload: its shape flows from the arrays, the id is pinned', () => {
    for (const context of [modelContext, { workloads: modelContext.workloads }]) {
      const result = validateSweepSpec(mnistCnn(), context);
      expect(result.ok, JSON.stringify(!result.ok && result.errors)).toBe(true);
      if (!result.ok) continue;
      const workload = result.trials[0]!.workload as { name: string; options: Record<string, unknown> };
      const options = workload.options as unknown as ModelWorkloadOptions;
      expect(options.dataset.id).toBe('builtin:mnist');
      expect(options.dataset.shape).toEqual([1, 28, 28]);
      expect(options.dataset.features).toEqual(['x']);
      expect(options.dataset.target).toEqual(['label']);
      // 8 x 13 x 13 features reach the classifier: in_features inferred.
      expect(options.model[4]?.['in_features']).toBe(8 * 13 * 13);
      // Nothing to fetch or link: every worker has the built-in data.
      expect(datasetFilesOf(result.trials[0]!)).toEqual([]);
    }
  });

  test("its labels are checked against the model's classes, naming a row", () => {
    const result = validateSweepSpec(mnistCnn(5), modelContext);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]!.path).toBe('/workload/dataset/target');
    // The first row holding the largest label (9), as the data's stats recorded it.
    expect(result.errors[0]!.message).toContain('9022');
  });
});
