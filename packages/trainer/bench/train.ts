/**
 * Training throughput of mnist-mlp (784-200-10, batch 64, Adam lr 1e-3) per backend:
 * - runTrial: the full trainer loop (torch-exact Adam from @hypersweep/optim, records, abort checks);
 * - optim loop: the same steps in a bare loop (computeGradients + Adam.step), to show the loop's own cost;
 * - tf.train.adam: the same model, batches and loss with tfjs's own optimizer (`minimize`, reading the
 *   loss each step as the trainer does).
 * Steps per second are measured between the first and the last timed step, after warm-up, so data
 * loading, weight init and validation are not counted; each figure is the median of interleaved rounds. `npm run bench:train` from the repo root.
 */
import { computeGradients, createOptimizer } from '@hypersweep/optim';
import * as tf from '@tensorflow/tfjs-core';
import { getWorkload, resolveWorkloadOptions, runTrial, selectBackend } from '../src/index.js';
import { Rng } from '../src/rng.js';

const BATCH = 64;
const WORKLOAD = { name: 'mnist-mlp', options: { hidden: 200, trainSize: 8000, valSize: 2000 } };
// Every timed step is a full batch of the first epoch (8000 / 64 = 125 batches), so no run pays for
// validation or a short last batch inside the timed window.
const PLAN = { wasm: { steps: 110, rounds: 7 }, cpu: { steps: 30, rounds: 3 } };
const WARMUP = 10;
const FULL_BATCHES = Math.floor(WORKLOAD.options.trainSize / BATCH);

async function timeRunTrial(steps: number): Promise<number> {
  const stamps: number[] = [];
  await runTrial(
    {
      workload: WORKLOAD,
      training: { epochs: 1, batchSize: BATCH, maxSteps: WARMUP + steps },
      optimizer: { type: 'Adam', options: { lr: 1e-3 } },
      scheduler: null,
      seed: 0,
    },
    {
      // One record per flush so each step's end is timestamped; the sink itself does nothing.
      flushEvery: { records: 1, ms: 0 },
      sink: () => void stamps.push(performance.now()),
    },
  );
  return perSecond(stamps.slice(WARMUP - 1));
}

/** The trainer's workload and batches, driven by `step(batch)` in a bare loop. */
function timeLoop(
  steps: number,
  step: (workload: ReturnType<typeof createWorkload>, indices: Int32Array) => void,
): number {
  const workload = createWorkload();
  const order = Rng.forStream(0, 'order').permutation(workload.trainSize!);
  const stamps: number[] = [];
  if (WARMUP + steps > FULL_BATCHES) throw new RangeError(`at most ${FULL_BATCHES - WARMUP} timed steps`);
  for (let i = 0; i < WARMUP + steps; i++) {
    step(workload, order.subarray(i * BATCH, (i + 1) * BATCH));
    if (i >= WARMUP - 1) stamps.push(performance.now());
  }
  workload.dispose();
  return perSecond(stamps);
}

function createWorkload() {
  const definition = getWorkload(WORKLOAD.name);
  return definition.create(resolveWorkloadOptions(definition, WORKLOAD.options), 0);
}

function timeOptimLoop(steps: number): number {
  let optimizer: ReturnType<typeof createOptimizer> | undefined;
  const result = timeLoop(steps, (workload, indices) => {
    optimizer ??= createOptimizer(workload.params, { type: 'Adam', options: { lr: 1e-3 } });
    const batch = workload.batch(indices);
    optimizer.step(() => computeGradients(workload.params, () => workload.loss(batch)));
    tf.dispose([batch!.x, batch!.y]);
  });
  optimizer?.dispose();
  return result;
}

function timeTfTrainLoop(steps: number): number {
  const optimizer = tf.train.adam(1e-3);
  const result = timeLoop(steps, (workload, indices) => {
    const batch = workload.batch(indices);
    const cost = optimizer.minimize(
      () => workload.loss(batch),
      true,
      workload.params.map((p) => p.variable),
    );
    cost!.dataSync();
    tf.dispose([cost!, batch!.x, batch!.y]);
  });
  optimizer.dispose();
  return result;
}

function perSecond(stamps: number[]): number {
  return ((stamps.length - 1) * 1000) / (stamps.at(-1)! - stamps[0]!);
}

/** Median of `rounds` measurements, the three loops interleaved so machine load hits them alike. */
async function measure(steps: number, rounds: number) {
  const samples: Record<'trainer' | 'optimLoop' | 'tfTrain', number[]> = {
    trainer: [],
    optimLoop: [],
    tfTrain: [],
  };
  for (let round = 0; round < rounds; round++) {
    samples.trainer.push(await timeRunTrial(steps));
    samples.optimLoop.push(timeOptimLoop(steps));
    samples.tfTrain.push(timeTfTrainLoop(steps));
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  return {
    trainer: median(samples.trainer),
    optimLoop: median(samples.optimLoop),
    tfTrain: median(samples.tfTrain),
  };
}

const cell = (stepsPerSecond: number) =>
  `${stepsPerSecond.toFixed(1)} (${(1000 / stepsPerSecond).toFixed(2)} ms)`;
const rows: string[][] = [];
for (const backend of ['wasm', 'cpu'] as const) {
  await selectBackend(backend);
  const { steps, rounds } = PLAN[backend];
  const { trainer, optimLoop, tfTrain } = await measure(steps, rounds);
  rows.push([
    backend,
    `${rounds} x ${steps}`,
    cell(trainer),
    cell(optimLoop),
    cell(tfTrain),
    `${((trainer / tfTrain) * 100).toFixed(0)}%`,
  ]);
}

const header = [
  'backend',
  'rounds x steps',
  'runTrial steps/s',
  'optim loop steps/s',
  'tf.train.adam steps/s',
  'runTrial / tf.train',
];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
console.log('mnist-mlp 784-200-10, batch 64, Adam lr 1e-3 (steps/s, ms per step in parentheses)');
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const row of rows) console.log(line(row));
