import { createHash } from 'node:crypto';
import { StatsAccumulator } from '@hypersweep/data';
import { BUILTIN_DATASETS, validateSweepSpec } from '@hypersweep/spec';
import { describe, expect, it } from 'vitest';
import { loadBuiltinDataset } from '../src/builtin-datasets.js';
import { selectBackend, workloadInfos } from '../src/index.js';
import { record } from './helpers.js';

await selectBackend('wasm');

describe('built-in datasets', () => {
  it("each one's declared description (packages/spec) is what its data holds", () => {
    for (const info of BUILTIN_DATASETS) {
      const data = loadBuiltinDataset(info.id);
      expect(data.rows).toBe(info.rows);
      const hash = createHash('sha256');
      let bytes = 0;
      for (const declared of info.arrays!) {
        const array = data.arrays![declared.name]!;
        expect({ dtype: array.dtype, shape: array.shape }).toEqual({
          dtype: declared.dtype,
          shape: declared.shape,
        });
        const perRow = array.values.length / data.rows;
        const stats = new StatsAccumulator();
        for (let i = 0; i < array.values.length; i++)
          stats.add(Number(array.values[i]), Math.floor(i / perRow));
        expect(stats.result(), declared.name).toEqual(declared.stats);
        const view = array.values as ArrayLike<number> & ArrayBufferView;
        hash.update(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
        bytes += view.byteLength;
      }
      expect(hash.digest('hex')).toBe(info.sha256);
      expect(bytes).toBe(info.bytes);
    }
  });

  it('mnist-mlp is its network as a model on the built-in mnist: same split, same initial weights, same steps', async () => {
    const trialOf = (workload: unknown) => {
      const result = validateSweepSpec(
        {
          workload,
          training: { epochs: 1, batchSize: 64 },
          optimizers: [{ type: 'Adam', lr: 0.001 }],
          seeds: [7],
        },
        { workloads: workloadInfos() },
      );
      if (!result.ok) throw new Error(JSON.stringify(result.errors));
      return result.trials[0]!;
    };
    const named = await record(
      trialOf({ name: 'mnist-mlp', options: { hidden: 32, trainSize: 8000, valSize: 2000 } }),
    );
    const model = await record(
      trialOf({
        // val 0.2 of 10,000 digits: the last 2,000 of the seed's permutation, as mnist-mlp's valSize 2000
        dataset: { id: 'mnist', target: 'label', shape: [784], val: 0.2 },
        model: [
          { type: 'Linear', out_features: 32, name: 'base' },
          { type: 'ReLU' },
          { type: 'Linear', out_features: 10, name: 'classifier' },
        ],
        loss: { type: 'CrossEntropyLoss' },
      }),
    );
    for (const run of [named, model]) expect(run.result.status).toBe('completed');
    // 8,000 training digits / 64 = 125 steps, the same batches (the trial's seed orders them).
    expect(model.steps.map((s) => s.step)).toEqual(named.steps.map((s) => s.step));
    expect(model.steps).toHaveLength(125);
    // The same function by other kernels (x @ W with one-hot targets; torch's x @ W^T with class indices):
    // on tfjs-backend-wasm every step's loss and lr, and the epoch's metrics, come out bit for bit equal.
    expect(model.steps).toEqual(named.steps);
    expect(model.epochs).toEqual(named.epochs);
    const [a] = model.epochs;
    // One epoch of Adam on real digits: a sensible accuracy.
    expect(a!.valAccuracy!).toBeGreaterThan(0.85);
  });
});
