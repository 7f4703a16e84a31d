import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspectDataset } from '@hypersweep/data';
import { type DatasetInfo, datasetLookup, validateSweepSpec } from '@hypersweep/spec';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { selectBackend, type TrialConfig, workloadInfos } from '../src/index.js';
import { record } from './helpers.js';

await selectBackend('wasm');

// A model workload end to end inside the trainer: the spec resolves a model on a CSV's description (as the
// API does at POST), the trainer reads the file (as the worker's fetched copy) and trains it.
const dir = mkdtempSync(join(tmpdir(), 'hypersweep-model-workload-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `rows` rows of three features and a class 0..2 that depends on them (deterministic, no RNG). */
function csv(rows: number): string {
  const lines = ['a,b,c,label'];
  for (let i = 0; i < rows; i++) {
    const a = Math.sin(i * 1.7);
    const b = Math.cos(i * 0.9) * 3;
    const c = ((i * 37) % 11) / 11;
    const label = a + b / 3 > 0.5 ? 2 : a + b / 3 > -0.5 ? 1 : 0;
    lines.push([a.toFixed(5), b.toFixed(5), c.toFixed(5), label].join(','));
  }
  return `${lines.join('\n')}\n`;
}

async function storedDataset(rows = 120): Promise<{ info: DatasetInfo; files: Record<string, string> }> {
  const bytes = Buffer.from(csv(rows));
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const path = join(dir, `${sha256}.csv`);
  writeFileSync(path, bytes);
  const description = await inspectDataset(
    'csv',
    (async function* () {
      yield bytes;
    })(),
    {
      maxBytes: 1e6,
    },
  );
  const info: DatasetInfo = {
    id: '5f0c3c2e-1111-4222-8333-444455556666',
    name: 'three',
    sha256,
    format: 'csv',
    bytes: bytes.length,
    ...description,
  };
  return { info, files: { [sha256]: path } };
}

/** The trials the spec makes of this model on `info` (as POST /v1/sweeps makes them). */
function trialsOf(info: DatasetInfo, model: unknown[], extra: Record<string, unknown> = {}): TrialConfig[] {
  const result = validateSweepSpec(
    {
      workload: {
        dataset: { id: 'three', target: 'label', val: 0.25, standardize: true },
        model,
        loss: { type: 'CrossEntropyLoss' },
      },
      training: { epochs: 3, batchSize: 16 },
      optimizers: [{ type: 'Adam', lr: 0.01 }],
      ...extra,
    },
    { workloads: workloadInfos(), datasets: datasetLookup([info]) },
  );
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.trials;
}

const MODEL = [
  { type: 'Linear', out_features: 16, name: 'hidden' },
  { type: 'BatchNorm1d' },
  { type: 'ReLU' },
  { type: 'Dropout', p: 0.3 },
  { type: 'Linear', out_features: 3, name: 'classifier' },
];

describe('a model workload (spec-resolved layers on an uploaded CSV)', () => {
  it('trains, validates in eval mode, and leaks no tensor', async () => {
    const { info, files } = await storedDataset();
    const [config] = trialsOf(info, MODEL);
    await record(config!, { datasetFiles: files }); // kernels' first use may keep constants of their own
    const before = tf.memory().numTensors;
    const run = await record(config!, { datasetFiles: files });
    expect(tf.memory().numTensors).toBe(before);
    expect(run.result.status).toBe('completed');
    // 120 rows, val 0.25: 90 training rows, 16 a batch: 6 steps an epoch
    expect(run.result.stepsDone).toBe(18);
    expect(run.epochs).toHaveLength(3);
    for (const epoch of run.epochs) expect(epoch.valAccuracy).toBeGreaterThanOrEqual(0);
    expect(run.epochs.at(-1)!.valLoss!).toBeLessThan(run.epochs[0]!.valLoss! + 1e-9);
  });

  it('resumes from a checkpoint exactly: BatchNorm running statistics and Dropout masks included', async () => {
    const { info, files } = await storedDataset();
    const [config] = trialsOf(info, MODEL);
    const full = await record(config!, { datasetFiles: files, checkpointEvery: 5 });
    const saved = full.checkpoints.find((c) => c.step === 5)!;
    expect(Object.keys(saved.buffers ?? {}).sort()).toEqual([
      '1.num_batches_tracked',
      '1.running_mean',
      '1.running_var',
    ]);
    const resumed = await record(config!, { datasetFiles: files, resumeFrom: saved });
    expect(resumed.steps).toEqual(full.steps.slice(5));
    expect(resumed.epochs).toEqual(full.epochs);
    // without the buffers the resumed run would differ: a checkpoint without them is refused
    const { buffers: _dropped, ...withoutBuffers } = saved;
    await expect(record(config!, { datasetFiles: files, resumeFrom: withoutBuffers })).rejects.toThrow(
      /checkpoint has 0 buffers, the workload 3/,
    );
  });

  it('fails with a clear error when the dataset file was not fetched', async () => {
    // another file than the other tests' (whose parsed copy the training thread keeps)
    const { info } = await storedDataset(100);
    const [config] = trialsOf(info, MODEL);
    await expect(record(config!, {})).rejects.toThrow(/was not fetched for this trial/);
  });
});
