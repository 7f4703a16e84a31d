import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack, waitForSweep } from './helpers.js';

// "Sweep your own model" as the README walks it: the digits CSV (examples/data, sklearn's copy of the UCI
// handwritten digits: 1,797 8x8 images, 64 pixel columns and a label) uploaded through the API, then an MLP
// and a CNN given in torch.nn's terms trained on it by a real worker, end to end.
const DIGITS = readFileSync(new URL('../examples/data/digits.csv', import.meta.url));

interface TrialItem {
  status: string;
  stepsDone: number;
  bestValue: number | null;
  config: { workload: { name: string; options: Record<string, unknown> } };
}

const mlp = (widths: number[]) => ({
  name: 'digits mlp',
  workload: {
    dataset: { id: 'digits', target: 'label', val: 0.2, standardize: true },
    model: [
      { type: 'Linear', out_features: widths, name: 'hidden' },
      { type: 'ReLU' },
      { type: 'Linear', out_features: 10, name: 'classifier' },
    ],
    loss: { type: 'CrossEntropyLoss' },
  },
  training: { epochs: 6, batchSize: 32 },
  optimizers: [{ type: 'Adam', lr: 0.01 }],
  objective: { metric: 'val_accuracy', mode: 'max' },
});

const cnn = {
  name: 'digits cnn',
  workload: {
    dataset: { id: 'digits', target: 'label', shape: [1, 8, 8], val: 0.2 },
    model: [
      { type: 'Conv2d', out_channels: 8, kernel_size: 3, padding: 1, name: 'features' },
      { type: 'ReLU' },
      { type: 'MaxPool2d', kernel_size: 2 },
      { type: 'Flatten' },
      { type: 'Dropout', p: 0.2 },
      { type: 'Linear', out_features: 10, name: 'classifier' },
    ],
    loss: { type: 'CrossEntropyLoss', label_smoothing: 0.1 },
  },
  training: { epochs: 6, batchSize: 32 },
  optimizers: [{ type: 'Adam', lr: 0.01 }],
  objective: { metric: 'val_accuracy', mode: 'max' },
};

describe('a model of your own on a dataset of your own', () => {
  let stack: Stack;
  let cacheDir: string;
  beforeAll(async () => {
    cacheDir = await mkdtemp(join(tmpdir(), 'hypersweep-model-test-'));
    stack = await startStack();
    await stack.startWorker({ DATASET_CACHE_DIR: cacheDir });
  });
  afterAll(async () => {
    await stack?.close();
    if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
  });

  const run = async (spec: object) => {
    const created = await stack.app.inject({ method: 'POST', url: '/v1/sweeps', payload: spec });
    expect(created.statusCode, created.body).toBe(201);
    const { id } = created.json() as { id: string };
    const done = await waitForSweep(stack.app, id, ['completed', 'failed', 'cancelled'], 300_000);
    const trials = (await stack.app.inject(`/v1/sweeps/${id}/trials`)).json() as { items: TrialItem[] };
    return { id, done, trials: trials.items };
  };

  it('uploads the digits CSV, trains an MLP over two widths and a CNN to a sensible accuracy', async () => {
    const uploaded = await stack.app.inject({
      method: 'POST',
      url: '/v1/datasets?name=digits',
      headers: { 'content-type': 'text/csv' },
      payload: DIGITS,
    });
    expect(uploaded.statusCode, uploaded.body).toBe(201);
    expect(uploaded.json()).toMatchObject({ name: 'digits', format: 'csv', rows: 1797 });

    const widths = await run(mlp([16, 64]));
    expect(widths.done.status).toBe('completed');
    expect(widths.trials).toHaveLength(2);
    for (const trial of widths.trials) {
      expect(trial.status).toBe('completed');
      // a 64-16-10 or 64-64-10 MLP on standardised digits: well above the 10% of guessing
      expect(trial.bestValue).toBeGreaterThan(0.9);
    }
    // the width is a factor of the comparison
    const effects = (await stack.app.inject(`/v1/sweeps/${widths.id}/effects`)).json() as {
      factors: { name: string }[];
    };
    expect(effects.factors.map((f) => f.name)).toContain('model.hidden.out_features');

    const conv = await run(cnn);
    expect(conv.done.status).toBe('completed');
    expect(conv.trials[0]!.status).toBe('completed');
    expect(conv.trials[0]!.bestValue).toBeGreaterThan(0.9);
    // the stored trial carries the resolved model: sizes inferred, defaults filled
    const model = conv.trials[0]!.config.workload.options.model as Array<Record<string, unknown>>;
    expect(model[0]).toMatchObject({ type: 'Conv2d', in_channels: 1, kernel_size: [3, 3], stride: [1, 1] });
    expect(model[5]).toMatchObject({ type: 'Linear', in_features: 128, out_features: 10 });

    // the sweep shows the model as torchinfo does: each layer's output shape and parameters
    const detail = (await stack.app.inject(`/v1/sweeps/${conv.id}`)).json() as {
      model: {
        inputShape: number[];
        rows: { type: string; outputShape: number[]; params: number }[];
        totalParams: number;
      };
    };
    expect(detail.model.inputShape).toEqual([1, 8, 8]);
    expect(detail.model.rows.map((r) => [r.type, r.outputShape, r.params])).toEqual([
      ['Conv2d', [8, 8, 8], 8 * 9 + 8],
      ['ReLU', [8, 8, 8], 0],
      ['MaxPool2d', [8, 4, 4], 0],
      ['Flatten', [128], 0],
      ['Dropout', [128], 0],
      ['Linear', [10], 128 * 10 + 10],
    ]);
    expect(detail.model.totalParams).toBe(80 + 1290);

    // a dataset in use by a live sweep cannot go; once its sweeps have ended it can
    const deleted = await stack.app.inject({ method: 'DELETE', url: '/v1/datasets/digits' });
    expect(deleted.statusCode, deleted.body).toBe(204);
  });

  it('trains the bench CNN on the built-in MNIST digits: no upload, nothing fetched', async () => {
    const before = await readdir(cacheDir);
    const mnist = await run({
      name: 'cnn on the built-in mnist',
      workload: {
        dataset: { id: 'mnist', target: 'label', val: 0.2 },
        model: [
          { type: 'Conv2d', out_channels: 8, kernel_size: 3 },
          { type: 'ReLU' },
          { type: 'MaxPool2d', kernel_size: 2 },
          { type: 'Flatten' },
          { type: 'Linear', out_features: 10 },
        ],
        loss: { type: 'CrossEntropyLoss' },
      },
      training: { epochs: 1, batchSize: 64 },
      optimizers: [{ type: 'Adam', lr: 0.003 }],
      objective: { metric: 'val_accuracy', mode: 'max' },
    });
    expect(mnist.done.status).toBe('completed');
    expect(mnist.trials[0]!.status).toBe('completed');
    // 8,000 training digits / 64 = 125 steps; one epoch of a 1-8 conv net: well above guessing
    expect(mnist.trials[0]!.stepsDone).toBe(125);
    expect(mnist.trials[0]!.bestValue).toBeGreaterThan(0.85);
    // nothing was downloaded into the worker's dataset cache
    expect(await readdir(cacheDir)).toEqual(before);
  });
});
