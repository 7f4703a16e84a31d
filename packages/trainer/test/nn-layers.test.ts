import { computeGradients } from '@hypersweep/optim';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend.js';
import { TrainerError } from '../src/errors.js';
import { buildLoss, buildNetwork, type ResolvedLayer } from '../src/nn/index.js';
import { Rng } from '../src/rng.js';
import { readReference } from './nn-reference.js';

interface Moments {
  count: number;
  mean: number;
  var: number;
  min: number;
  max: number;
}

interface InitCase {
  layers: Array<{ layer: ResolvedLayer; bound: number; moments: Record<string, Moments> }>;
}

function moments(values: ArrayLike<number>): Moments {
  const list = Array.from(values);
  const mean = list.reduce((a, b) => a + b, 0) / list.length;
  const variance = list.reduce((a, b) => a + (b - mean) ** 2, 0) / list.length;
  return { count: list.length, mean, var: variance, min: Math.min(...list), max: Math.max(...list) };
}

/**
 * Whether sample moments fit U(-bound, bound): inside the bounds, mean within 5 standard errors of 0 and the
 * mean square within 5 standard errors of bound^2 / 3 (the variance of x^2 being 4 bound^4 / 45). A correct
 * draw fails this about once in 10^6.
 */
function uniformProblems(label: string, m: Moments, bound: number): string[] {
  const problems: string[] = [];
  if (m.min < -bound || m.max > bound) problems.push(`${label}: outside ±${bound}: [${m.min}, ${m.max}]`);
  if (Math.abs(m.mean) > (5 * bound) / Math.sqrt(3 * m.count)) problems.push(`${label}: mean ${m.mean}`);
  const meanSquare = m.var + m.mean ** 2;
  if (Math.abs(meanSquare - bound ** 2 / 3) > 5 * Math.sqrt(4 / 45) * (bound ** 2 / Math.sqrt(m.count)))
    problems.push(`${label}: mean square ${meanSquare}, want ${bound ** 2 / 3}`);
  return problems;
}

const CNN: ResolvedLayer[] = [
  {
    type: 'Conv2d',
    name: 'features',
    in_channels: 1,
    out_channels: 4,
    kernel_size: [3, 3],
    stride: [1, 1],
    padding: 'same',
    dilation: [1, 1],
    groups: 1,
    bias: true,
    padding_mode: 'zeros',
  },
  { type: 'BatchNorm2d', num_features: 4, eps: 1e-5, momentum: 0.1, affine: true, track_running_stats: true },
  { type: 'ReLU' },
  { type: 'Dropout', p: 0.25 },
  {
    type: 'MaxPool2d',
    kernel_size: [2, 2],
    stride: [2, 2],
    padding: [0, 0],
    dilation: [1, 1],
    ceil_mode: false,
  },
  { type: 'Flatten', start_dim: 1, end_dim: -1 },
  { type: 'Linear', name: 'hidden', in_features: 64, out_features: 8, bias: true },
  { type: 'LayerNorm', normalized_shape: [8], eps: 1e-5, elementwise_affine: true },
  { type: 'GELU', approximate: 'tanh' },
  { type: 'Dropout', p: 0.5 },
  { type: 'Linear', name: 'classifier', in_features: 8, out_features: 3, bias: true },
];

const dropout = (p: number): ResolvedLayer => ({ type: 'Dropout', p });

describe.each(['cpu', 'wasm'] as const)('torch.nn layers on %s', (backend) => {
  it('initialises Linear and Conv2d as torch does: U(±1/sqrt(fan_in)) for weight and bias', async () => {
    await selectBackend(backend);
    const ref = readReference<InitCase>('init');
    for (const { layer, bound, moments: torchMoments } of ref.layers) {
      const network = buildNetwork(
        [layer],
        layer.type === 'Linear' ? [256] : [16, 5, 5],
        Rng.forStream(7, 'init'),
        7,
      );
      for (const param of network.params) {
        const suffix = param.name.slice(2);
        const want = torchMoments[suffix]!;
        const got = moments(param.variable.dataSync());
        expect(got.count).toBe(want.count);
        // torch's own draws and ours pass the same statistical test of the same formula.
        expect(uniformProblems(`torch ${layer.type} ${suffix}`, want, bound)).toEqual([]);
        expect(uniformProblems(`${layer.type} ${suffix}`, got, bound)).toEqual([]);
      }
      expect(network.params.map((p) => [p.name, p.shape])).toEqual(
        layer.type === 'Linear'
          ? [
              ['0.weight', [128, 256]],
              ['0.bias', [128]],
            ]
          : [
              ['0.weight', [32, 16, 3, 3]],
              ['0.bias', [32]],
            ],
      );
      network.dispose();
    }
  });

  it('initialises Embedding N(0, 1) with the padding row zero, norms to ones and zeros, BatchNorm buffers', async () => {
    await selectBackend(backend);
    const network = buildNetwork(
      [
        { type: 'Embedding', num_embeddings: 500, embedding_dim: 40, padding_idx: -2 },
        { type: 'LayerNorm', name: 'norm', normalized_shape: [40], eps: 1e-5, elementwise_affine: true },
        {
          type: 'BatchNorm1d',
          num_features: 3,
          eps: 1e-5,
          momentum: 0.1,
          affine: true,
          track_running_stats: true,
        },
      ],
      [3],
      Rng.forStream(3, 'init'),
      3,
    );
    const table = network.params[0]!.variable.arraySync() as number[][];
    expect(table[498]).toEqual(new Array(40).fill(0));
    const m = moments(table.flat());
    expect(Math.abs(m.mean)).toBeLessThan(5 / Math.sqrt(m.count));
    expect(Math.abs(m.var - 1)).toBeLessThan(5 * Math.sqrt(2 / m.count));
    expect(network.params.map((p) => p.name)).toEqual([
      '0.weight',
      'norm.weight',
      'norm.bias',
      '2.weight',
      '2.bias',
    ]);
    expect(network.groups).toEqual({ norm: ['norm.weight', 'norm.bias'] });
    expect(Array.from(network.params[1]!.variable.dataSync())).toEqual(new Array(40).fill(1));
    expect(Array.from(network.params[2]!.variable.dataSync())).toEqual(new Array(40).fill(0));
    expect(Object.keys(network.buffers)).toEqual([
      '2.running_mean',
      '2.running_var',
      '2.num_batches_tracked',
    ]);
    expect(Array.from(network.buffers['2.running_var']!.dataSync())).toEqual([1, 1, 1]);
    expect(network.buffers['2.num_batches_tracked']!.dtype).toBe('int32');
    network.dispose();
  });

  it('drops with probability p and scales the rest by exactly 1 / (1 - p); eval is the identity', async () => {
    await selectBackend(backend);
    const network = buildNetwork([dropout(0.3)], [100], Rng.forStream(1, 'init'), 11);
    const x = tf.ones([100, 100]);
    const out = tf.tidy(() => network.forward(x, [], { training: true, step: 4 }));
    const values = out.dataSync();
    const zeros = values.filter((v) => v === 0).length;
    // Binomial(10000, 0.3): 5 standard deviations.
    expect(Math.abs(zeros / values.length - 0.3)).toBeLessThan(5 * Math.sqrt((0.3 * 0.7) / values.length));
    expect(new Set(values.filter((v) => v !== 0))).toEqual(new Set([Math.fround(1 / Math.fround(0.7))]));
    const evalOut = tf.tidy(() => network.forward(x, [], { training: false, step: 4 }));
    expect(Array.from(evalOut.dataSync())).toEqual(Array.from(x.dataSync()));
    // The gradient is the mask.
    const xv = tf.variable(tf.ones([100, 100]));
    const { value, grads } = tf.variableGrads(
      () => tf.sum(network.forward(xv, [], { training: true, step: 4 })) as tf.Scalar,
      [xv],
    );
    expect(Array.from(grads[xv.name]!.dataSync())).toEqual(Array.from(values));
    tf.dispose([x, out, evalOut, xv, value, ...Object.values(grads)]);
    network.dispose();
  });

  it('draws dropout masks from (seed, step, layer index) alone, so a resumed trial draws the same ones', async () => {
    await selectBackend(backend);
    const mask = (seed: number, step: number, layers: ResolvedLayer[]) => {
      const network = buildNetwork(layers, [50], Rng.forStream(seed, 'init'), seed);
      const x = tf.ones([4, 50]);
      const out = tf.tidy(() => network.forward(x, [], { training: true, step }));
      const values = Array.from(out.dataSync());
      tf.dispose([x, out]);
      network.dispose();
      return values;
    };
    const one = [dropout(0.5)];
    expect(mask(5, 3, one)).toEqual(mask(5, 3, one));
    expect(mask(5, 3, one)).not.toEqual(mask(5, 4, one));
    expect(mask(5, 3, one)).not.toEqual(mask(6, 3, one));
    expect(mask(5, 3, one)).not.toEqual(mask(5, 3, [{ type: 'Identity' }, dropout(0.5)]));
    expect(mask(5, 3, [dropout(1)])).toEqual(new Array(200).fill(0));
    expect(mask(5, 3, [dropout(0)])).toEqual(new Array(200).fill(1));
  });

  it.each([true, false])('leaks no tensor in forward + gradients + loss (training %s)', async (training) => {
    await selectBackend(backend);
    const network = buildNetwork(CNN, [1, 8, 8], Rng.forStream(2, 'init'), 2);
    const loss = buildLoss({
      type: 'CrossEntropyLoss',
      weight: null,
      ignore_index: -100,
      reduction: 'mean',
      label_smoothing: 0.1,
    });
    const x = tf.randomNormal([5, 1, 8, 8], 0, 1, 'float32', 1);
    const y = tf.tensor1d([0, 1, 2, 1, 0], 'int32');
    const variables = network.params.map((p) => p.variable);
    const step = (k: number) =>
      computeGradients(network.params, () =>
        loss.loss(network.forward(x, variables, { training, step: k }), y),
      );
    step(0);
    const before = tf.memory().numTensors;
    const buffersBefore = network.buffers['1.running_mean']!.dataSync().slice();
    const lossValue = step(1);
    expect(Number.isFinite(lossValue)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    // Every parameter has a gradient; buffers are not differentiated, and move only in training.
    expect(network.params.every((p) => p.grad !== null)).toBe(true);
    const moved = Array.from(network.buffers['1.running_mean']!.dataSync()).some(
      (v, i) => v !== buffersBefore[i],
    );
    expect(moved).toBe(training);
    expect(network.buffers['1.num_batches_tracked']!.dataSync()[0]).toBe(training ? 2 : 0);
    const out = tf.tidy(() => network.forward(x, variables, { training, step: 1 }));
    const accuracy = tf.tidy(() => loss.accuracy!(out, y));
    expect(accuracy.dataSync()[0]).toBeGreaterThanOrEqual(0);
    tf.dispose([out, accuracy, x, y]);
    for (const param of network.params) param.clearGrad();
    network.dispose();
  });

  it('names parameters and groups as torch state_dicts do', async () => {
    await selectBackend(backend);
    const network = buildNetwork(CNN, [1, 8, 8], Rng.forStream(2, 'init'), 2);
    expect(network.params.map((p) => p.name)).toEqual([
      'features.weight',
      'features.bias',
      '1.weight',
      '1.bias',
      'hidden.weight',
      'hidden.bias',
      '7.weight',
      '7.bias',
      'classifier.weight',
      'classifier.bias',
    ]);
    expect(network.groups).toEqual({
      features: ['features.weight', 'features.bias'],
      hidden: ['hidden.weight', 'hidden.bias'],
      classifier: ['classifier.weight', 'classifier.bias'],
    });
    expect(Object.keys(network.buffers)).toEqual([
      '1.running_mean',
      '1.running_var',
      '1.num_batches_tracked',
    ]);
    network.dispose();
  });

  it('computes accuracy for CrossEntropyLoss (ignored rows left out) and BCEWithLogitsLoss', async () => {
    await selectBackend(backend);
    const ce = buildLoss({
      type: 'CrossEntropyLoss',
      weight: null,
      ignore_index: 2,
      reduction: 'mean',
      label_smoothing: 0,
    });
    const bce = buildLoss({ type: 'BCEWithLogitsLoss', weight: null, reduction: 'mean', pos_weight: null });
    const result = tf.tidy(() => [
      ce.accuracy!(
        tf.tensor2d([
          [1, 0, 0],
          [0, 1, 0],
          [0, 0, 1],
          [1, 0, 0],
        ]),
        tf.tensor1d([0, 0, 2, 0], 'int32'),
      ),
      bce.accuracy!(
        tf.tensor2d([
          [1, -1],
          [-2, 0.5],
        ]),
        tf.tensor2d([
          [1, 0],
          [1, 1],
        ]),
      ),
    ]);
    expect(result.map((t) => t.dataSync()[0])).toEqual([Math.fround(2 / 3), 0.75]);
    tf.dispose(result);
  });

  it('refuses unknown layers and inputs of the wrong shape', async () => {
    await selectBackend(backend);
    expect(() => buildNetwork([{ type: 'Conv3d' }], [1], Rng.forStream(1, 'init'), 1)).toThrow(TrainerError);
    const network = buildNetwork(CNN, [1, 8, 8], Rng.forStream(2, 'init'), 2);
    const x = tf.zeros([2, 1, 8, 7]);
    expect(() =>
      network.forward(
        x,
        network.params.map((p) => p.variable),
        { training: false, step: 0 },
      ),
    ).toThrow(TrainerError);
    x.dispose();
    network.dispose();
    // torch's own refusals: a pool padded past half its window, a training BatchNorm over one value a channel.
    const pool: ResolvedLayer = {
      type: 'AvgPool2d',
      kernel_size: [2, 2],
      stride: [2, 2],
      padding: [2, 0],
      ceil_mode: false,
      count_include_pad: true,
      divisor_override: null,
    };
    const padded = buildNetwork([pool], [1, 4, 4], Rng.forStream(1, 'init'), 1);
    const image = tf.zeros([1, 1, 4, 4]);
    expect(() => padded.forward(image, [], { training: false, step: 0 })).toThrow(/half of kernel size/);
    const norm = buildNetwork(
      [
        {
          type: 'BatchNorm1d',
          num_features: 2,
          eps: 1e-5,
          momentum: 0.1,
          affine: false,
          track_running_stats: true,
        },
      ],
      [2],
      Rng.forStream(1, 'init'),
      1,
    );
    const row = tf.zeros([1, 2]);
    expect(() => norm.forward(row, [], { training: true, step: 0 })).toThrow(/more than 1 value per channel/);
    tf.dispose([image, row]);
    padded.dispose();
    norm.dispose();
  });
});
