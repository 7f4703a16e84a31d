/**
 * The CNN of issue 20 and its data, shared by bench/train.ts (CPU backends beside PyTorch on one thread) and
 * bench/gpu.ts (webgpu beside PyTorch on the same GPU).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { computeGradients, createOptimizer, takeGradients } from '@hypersweep/optim';
import { MODEL_WORKLOAD } from '@hypersweep/spec';
import { getWorkload, resolveWorkloadOptions } from '@hypersweep/trainer';
import * as tf from '@tensorflow/tfjs-core';

/** Batch size of the bench's CNN rows. */
export const BATCH = 64;

/** Conv2d(1, 8, 3, padding=1) - ReLU - MaxPool2d(2) - Flatten - Linear(8*14*14, 10), as packages/spec resolves it. */
export const CNN_LAYERS = [
  {
    type: 'Conv2d',
    in_channels: 1,
    out_channels: 8,
    kernel_size: [3, 3],
    stride: [1, 1],
    padding: [1, 1],
    dilation: [1, 1],
    groups: 1,
    bias: true,
    padding_mode: 'zeros',
  },
  { type: 'ReLU' },
  {
    type: 'MaxPool2d',
    kernel_size: [2, 2],
    stride: [2, 2],
    padding: [0, 0],
    dilation: [1, 1],
    ceil_mode: false,
  },
  { type: 'Flatten', start_dim: 1, end_dim: -1 },
  { type: 'Linear', in_features: 8 * 14 * 14, out_features: 10, bias: true },
];
export const CNN_LOSS = {
  type: 'CrossEntropyLoss',
  weight: null,
  ignore_index: -100,
  reduction: 'mean',
  label_smoothing: 0,
};
/** Example k of the bench's data order is digit (k * STRIDE) mod rows (a permutation: STRIDE is prime). */
export const CNN_STRIDE = 7919;

/** The `mnist` package's digits (its files 0..9 concatenated, as torch_cnn.py reads them) in the bench's order. */
/** The `mnist` package as the trainer finds it; in a bundle (no @hypersweep/trainer to start from), beside it. */
function mnistPackage(): string {
  const here = createRequire(import.meta.url);
  try {
    return createRequire(here.resolve('@hypersweep/trainer')).resolve('mnist/package.json');
  } catch {
    return here.resolve('mnist/package.json');
  }
}

export function cnnDigits(): { dir: string; x: Float32Array; y: Float32Array; rows: number } {
  const dir = join(dirname(mnistPackage()), 'src', 'digits');
  const pixels: number[][] = [];
  const labels: number[] = [];
  for (let digit = 0; digit < 10; digit++) {
    const { data } = JSON.parse(readFileSync(join(dir, `${digit}.json`), 'utf8')) as { data: number[] };
    for (let i = 0; i < data.length; i += 784) {
      pixels.push(data.slice(i, i + 784));
      labels.push(digit);
    }
  }
  const rows = labels.length;
  const x = new Float32Array(rows * 784);
  const y = new Float32Array(rows);
  for (let k = 0; k < rows; k++) {
    const source = (k * CNN_STRIDE) % rows;
    x.set(pixels[source]!, k * 784);
    y[k] = labels[source]!;
  }
  return { dir, x, y, rows };
}

/**
 * The trainer's model workload (packages/trainer's nn network and loss, as runTrial builds it) on the digits
 * held in memory, trained by torch-exact Adam (computeGradients + step): ms per step over `steps` steps, the
 * steps going on through the data from where the last call stopped. `readLoss: false` (a GPU) does not read
 * each step's loss back (the steps queue up, as the trainer lets them between loss reads); the round then
 * ends when the last parameter's values are read back, so every queued step is counted.
 */
export function cnnTrainer(digits: ReturnType<typeof cnnDigits>, { batch = BATCH, readLoss = true } = {}) {
  const definition = getWorkload(MODEL_WORKLOAD);
  const dataset = {
    id: 'bench-mnist',
    sha256: 'bench-mnist',
    format: 'npz' as const,
    features: ['x'],
    target: ['y'],
    shape: [1, 28, 28],
    val: null,
    standardize: false,
    targetKind: 'class' as const,
    inputDtype: 'float32' as const,
  };
  const loaded = new Map([
    [
      dataset.sha256,
      {
        rows: digits.rows,
        arrays: {
          x: { dtype: 'float32', shape: [digits.rows, 1, 28, 28], values: digits.x },
          y: { dtype: 'int64', shape: [digits.rows], values: digits.y },
        },
      },
    ],
  ]);
  const options = { dataset, model: CNN_LAYERS, loss: CNN_LOSS } as unknown as Record<string, number>;
  const workload = definition.create(resolveWorkloadOptions(definition, options), 0, undefined, loaded);
  const optimizer = createOptimizer(workload.params, { type: 'Adam', options: { lr: 1e-3 } });
  let done = 0;
  const step = () => {
    const indices = Int32Array.from({ length: batch }, (_, r) => (done * batch + r) % digits.rows);
    const data = workload.batch(indices);
    const loss = () => workload.loss(data, done);
    if (readLoss) optimizer.step(() => computeGradients(workload.params, loss));
    else {
      takeGradients(workload.params, loss).dispose();
      optimizer.step();
    }
    tf.dispose([data!.x, data!.y]);
    done++;
  };
  return {
    async time(steps: number): Promise<number> {
      const started = performance.now();
      for (let i = 0; i < steps; i++) step();
      if (!readLoss) await workload.params.at(-1)!.variable.data();
      return (performance.now() - started) / steps;
    },
    dispose() {
      optimizer.dispose();
      workload.dispose();
    },
  };
}
