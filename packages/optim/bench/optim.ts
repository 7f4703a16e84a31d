/**
 * `npm run bench:optim`: the time of one update of the 784-200-10 MLP's parameters (159,010
 * floats) for every optimizer, beside tf.train's counterpart where there is one, on wasm
 * (or the backend named by the first argument). Gradients are fixed random tensors, so only the
 * optimizer's work is timed.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Parameter } from '../src/autograd/parameter.js';
import { type BackendName, useBackend } from '../src/backend.js';
import { createOptimizer } from '../src/optimizers/create-optimizer.js';
import type { Optimizer } from '../src/optimizers/optimizer.js';

const SHAPES: Record<string, number[]> = { w1: [784, 200], b1: [200], w2: [200, 10], b2: [10] };
const WARM_UP = 20;
const STEPS = Number(process.env['BENCH_STEPS'] ?? 50);
/** Rounds of STEPS steps, ours and tf.train's alternating; the fastest round counts (the machine is shared). */
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 9);

interface Row {
  name: string;
  spec: { type: string; options?: Record<string, unknown> };
  /** tf.train's counterpart with the same hyper-parameters, where one exists. */
  tfTrain?: () => tf.Optimizer;
}

const rows: Row[] = [
  { name: 'SGD', spec: { type: 'SGD', options: { lr: 0.01 } }, tfTrain: () => tf.train.sgd(0.01) },
  {
    name: 'SGD momentum',
    spec: { type: 'SGD', options: { lr: 0.01, momentum: 0.9 } },
    tfTrain: () => tf.train.momentum(0.01, 0.9),
  },
  {
    name: 'SGD nesterov',
    spec: { type: 'SGD', options: { lr: 0.01, momentum: 0.9, nesterov: true } },
    tfTrain: () => tf.train.momentum(0.01, 0.9, true),
  },
  { name: 'ASGD', spec: { type: 'ASGD' } },
  { name: 'Rprop', spec: { type: 'Rprop' } },
  { name: 'Adagrad', spec: { type: 'Adagrad' }, tfTrain: () => tf.train.adagrad(0.01) },
  { name: 'Adadelta', spec: { type: 'Adadelta' }, tfTrain: () => tf.train.adadelta(1.0, 0.9, 1e-6) },
  { name: 'RMSprop', spec: { type: 'RMSprop' }, tfTrain: () => tf.train.rmsprop(0.01, 0.99, 0, 1e-8) },
  {
    name: 'RMSprop centered',
    spec: { type: 'RMSprop', options: { centered: true, momentum: 0.9 } },
    tfTrain: () => tf.train.rmsprop(0.01, 0.99, 0.9, 1e-8, true),
  },
  { name: 'Adam', spec: { type: 'Adam' }, tfTrain: () => tf.train.adam(1e-3, 0.9, 0.999, 1e-8) },
  { name: 'Adam amsgrad', spec: { type: 'Adam', options: { amsgrad: true } } },
  { name: 'AdamW', spec: { type: 'AdamW' } },
  { name: 'Adamax', spec: { type: 'Adamax' }, tfTrain: () => tf.train.adamax(2e-3, 0.9, 0.999, 1e-8) },
  { name: 'NAdam', spec: { type: 'NAdam' } },
  { name: 'RAdam', spec: { type: 'RAdam' } },
  { name: 'SparseAdam', spec: { type: 'SparseAdam' } },
  { name: 'LBFGS (1 iter)', spec: { type: 'LBFGS', options: { max_iter: 1 } } },
];

/** ms per call of each contender: warm-up, then the best of ROUNDS interleaved rounds. */
function timeAll(contenders: Array<() => void>, sync: () => void): number[] {
  for (const step of contenders) for (let i = 0; i < WARM_UP; i++) step();
  const best = contenders.map(() => Number.POSITIVE_INFINITY);
  for (let round = 0; round < ROUNDS; round++) {
    contenders.forEach((step, index) => {
      sync();
      const start = performance.now();
      for (let i = 0; i < STEPS; i++) step();
      sync();
      best[index] = Math.min(best[index]!, (performance.now() - start) / STEPS);
    });
  }
  return best;
}

async function main(): Promise<void> {
  const backend = (process.argv[2] ?? 'wasm') as BackendName;
  await useBackend(backend);
  const params = Object.entries(SHAPES).map(
    ([name, shape]) =>
      new Parameter(
        name,
        tf.tidy(() => tf.mul(tf.randomNormal(shape, 0, 1, 'float32', 1), 0.05)),
      ),
  );
  const grads = params.map((param, index) => tf.randomNormal(param.shape, 0, 0.01, 'float32', 10 + index));
  const size = params.reduce((total, param) => total + param.size, 0);
  const sync = () => params[0]!.variable.dataSync();

  console.log(
    `one update of ${size.toLocaleString('en')} parameters (784-200-10 MLP), ${backend}, best of ${ROUNDS} rounds of ${STEPS}`,
  );
  console.log('| optimizer | hypersweep ms | tf.train ms | ratio |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const row of rows) {
    params.forEach((param, index) => {
      param.grad = grads[index]!;
    });
    const optimizer: Optimizer = createOptimizer(params, row.spec);
    const step = row.spec.type === 'LBFGS' ? () => void optimizer.step(() => 0) : () => void optimizer.step();
    const reference = row.tfTrain?.();
    const named = params.map((param, index) => ({ name: param.variable.name, tensor: grads[index]! }));
    const contenders = reference === undefined ? [step] : [step, () => reference.applyGradients(named)];
    const [ours = 0, theirs] = timeAll(contenders, sync);
    optimizer.dispose();
    reference?.dispose();
    const ratio = theirs === undefined ? '' : `${(ours / theirs).toFixed(2)}`;
    console.log(`| ${row.name} | ${ours.toFixed(3)} | ${theirs?.toFixed(3) ?? ''} | ${ratio} |`);
  }
  for (const param of params) param.grad = null;
  for (const tensor of [...grads, ...params]) tensor.dispose();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
