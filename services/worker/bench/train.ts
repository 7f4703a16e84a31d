/**
 * `npm run bench:train` (repo root): what a training step of mnist-mlp (784-200-10, batch 64, Adam lr 1e-3)
 * costs, measured in one process and one run, per backend:
 * - tf.train.adam: the bare loop, tfjs's own optimizer (`minimize`, reading the loss each step), the floor;
 * - optim loop: the same steps with torch-exact Adam from @hypersweep/optim (computeGradients + step);
 * - runTrial: the trainer's loop in this thread (records to a sink that drops them, no checkpoints);
 * - packed K=4: runPackedTrials on 4 such trials (seeds 0-3) as one program, per trial-step (a pack step / 4);
 * - service: a whole trial through the worker's TrainerPool (one training thread) with the worker's kinds of
 *   writes into a scratch Postgres database: step metrics in bulk (packages/db's metric writer) plus a
 *   progress update per batch, epoch metrics, and a checkpoint every CHECKPOINT_EVERY (200) steps.
 * The loops time the steps between the first and the last timed one (after warm-up, full batches only).
 * The service row is a whole 2-epoch trial's wall time (validation, checkpoints, storage included) divided
 * by its steps; its first trial, which starts the thread and uploads the data, is not counted. Every figure
 * is the median of interleaved rounds, so machine load hits the rows alike.
 *
 * The CNN section (issue 20): Conv2d(1, 8, 3, padding=1) - ReLU - MaxPool2d(2) - Flatten - Linear(1568, 10),
 * CrossEntropyLoss, Adam lr 1e-3, batch 64 of the `mnist` digits as 1x28x28, built through the trainer's model
 * workload (its nn network and loss) and trained by torch-exact Adam, per backend, beside PyTorch 1.13 on one
 * thread running the same net on the same batches (bench/torch_cnn.py, a child process that answers one round
 * per request, so its rounds interleave with ours); the ratio is ours over PyTorch's. Without torch the row
 * says so. `npm run bench:train -- cnn` (or `mlp`) runs one section.
 */

import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createPool, writeEpochMetrics, writeStepMetrics } from '@hypersweep/db';
import { createTestDatabase } from '@hypersweep/db/testing';
import { computeGradients, createOptimizer, registerGradients } from '@hypersweep/optim';
import {
  getWorkload,
  resolveWorkloadOptions,
  runPackedTrials,
  runTrial,
  selectBackend,
  type TrialConfig,
} from '@hypersweep/trainer';
import * as tf from '@tensorflow/tfjs-core';
import { BATCH, cnnDigits, cnnTrainer } from './nets.js';

// The built pool: its training threads start from the compiled trial-thread.js beside it.
const { TrainerPool } = (await import(
  new URL('../dist/trainer-pool.js', import.meta.url).href
)) as typeof import('../src/trainer-pool.js');
type TrainerPool = InstanceType<typeof TrainerPool>;

const WORKLOAD = { name: 'mnist-mlp', options: { hidden: 200, trainSize: 8000, valSize: 2000 } };
// 8000 / 64 = 125 full batches: every timed loop step is a full batch of the first epoch.
const FULL_BATCHES = Math.floor(WORKLOAD.options.trainSize / BATCH);
const PLAN = {
  wasm: { steps: 110, rounds: 5, serviceEpochs: 2 },
  cpu: { steps: 30, rounds: 3, serviceEpochs: 0 },
};
const WARMUP = 10;
const PACK = 4;
const CHECKPOINT_EVERY = 200;

const trial = (maxSteps?: number, epochs = 1): TrialConfig => ({
  workload: WORKLOAD,
  training: { epochs, batchSize: BATCH, ...(maxSteps === undefined ? {} : { maxSteps }) },
  optimizer: { type: 'Adam', options: { lr: 1e-3 } },
  scheduler: null,
  seed: 0,
});

async function timeRunTrial(steps: number): Promise<number> {
  const stamps: number[] = [];
  await runTrial(trial(WARMUP + steps), {
    // One record per flush so each step's end is timestamped; the sink itself does nothing.
    flushEvery: { records: 1, ms: 0 },
    sink: () => void stamps.push(performance.now()),
  });
  return msPerStep(stamps.slice(WARMUP - 1));
}

/** runPackedTrials on PACK trials; ms per trial-step (a pack step trains each trial once). */
async function timePacked(steps: number): Promise<number> {
  const stamps: number[] = [];
  const outcomes = await runPackedTrials(
    Array.from({ length: PACK }, (_, k) => ({
      config: { ...trial(WARMUP + steps), seed: k },
      // Trial 0's records timestamp the pack's steps, as timeRunTrial's do.
      hooks:
        k === 0
          ? { flushEvery: { records: 1, ms: 0 }, sink: () => void stamps.push(performance.now()) }
          : { sink: () => {} },
    })),
  );
  for (const outcome of outcomes) if (outcome.status === 'rejected') throw outcome.reason;
  return msPerStep(stamps.slice(WARMUP - 1)) / PACK;
}

/** The trainer's workload and batches (in data order), driven by `step(batch)` in a bare loop. */
function timeLoop(
  steps: number,
  step: (workload: ReturnType<typeof createWorkload>, indices: Int32Array) => void,
) {
  if (WARMUP + steps > FULL_BATCHES) throw new RangeError(`at most ${FULL_BATCHES - WARMUP} timed steps`);
  const workload = createWorkload();
  const order = Int32Array.from({ length: WORKLOAD.options.trainSize }, (_, i) => i);
  const stamps: number[] = [];
  for (let i = 0; i < WARMUP + steps; i++) {
    step(workload, order.subarray(i * BATCH, (i + 1) * BATCH));
    if (i >= WARMUP - 1) stamps.push(performance.now());
  }
  workload.dispose();
  return msPerStep(stamps);
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

/** A trial through the worker's training thread, storing what the worker stores; ms per step of the whole trial. */
async function timeService(
  pool: TrainerPool,
  db: ReturnType<typeof createPool>,
  trialId: string,
  backend: string,
  epochs: number,
): Promise<number> {
  const config = trial(undefined, epochs);
  const started = performance.now();
  const result = await pool.run(
    config,
    { checkpointEvery: CHECKPOINT_EVERY, backend, objective: { metric: 'val_loss', mode: 'min' } },
    {
      signal: new AbortController().signal,
      async sink(records) {
        await writeStepMetrics(db, trialId, records);
        await db.query('UPDATE trials SET steps_done = $2 WHERE id = $1', [trialId, records.at(-1)!.step]);
      },
      async onEpoch(record) {
        await writeEpochMetrics(db, trialId, [
          {
            epoch: record.epoch,
            trainLoss: record.trainLoss,
            valLoss: record.valLoss ?? null,
            valAccuracy: record.valAccuracy ?? null,
            lr: record.lr,
          },
        ]);
      },
      async onCheckpoint(checkpoint) {
        await db.query('UPDATE trials SET checkpoint = $2, steps_done = $3 WHERE id = $1', [
          trialId,
          JSON.stringify(checkpoint),
          checkpoint.step,
        ]);
      },
    },
  );
  const elapsed = performance.now() - started;
  if (result.status !== 'completed') throw new Error(`service trial ended ${result.status}`);
  return elapsed / result.stepsDone;
}

function msPerStep(stamps: number[]): number {
  return (stamps.at(-1)! - stamps[0]!) / (stamps.length - 1);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** The MLP rows: one line per backend. */
async function mlpSection(): Promise<void> {
  const scratch = await createTestDatabase();
  const db = createPool(scratch.url, { max: 2 });
  const rows: string[][] = [];
  try {
    const { rows: ids } = await db.query<{ id: string }>(
      `WITH s AS (INSERT INTO sweeps (name, spec, objective_metric, objective_mode, trial_count)
                  VALUES ('bench', '{}', 'val_loss', 'min', 1) RETURNING id)
       INSERT INTO trials (sweep_id, index, config, config_hash) SELECT id, 0, '{}', 'bench' FROM s RETURNING id`,
    );
    const trialId = ids[0]!.id;
    for (const backend of ['wasm', 'cpu'] as const) {
      await selectBackend(backend);
      // tf.train.adam's minimize takes gradients itself: the kernels' gradients must be registered first.
      registerGradients();
      const { steps, rounds, serviceEpochs } = PLAN[backend];
      const pool = new TrainerPool(1);
      const samples = {
        tfTrain: [] as number[],
        optimLoop: [] as number[],
        trainer: [] as number[],
        packed: [] as number[],
        service: [] as number[],
      };
      try {
        // Starts the training thread and fills its dataset cache, as a worker's first trial does.
        if (serviceEpochs > 0) await timeService(pool, db, trialId, backend, 1);
        for (let round = 0; round < rounds; round++) {
          samples.tfTrain.push(timeTfTrainLoop(steps));
          samples.optimLoop.push(timeOptimLoop(steps));
          samples.trainer.push(await timeRunTrial(steps));
          samples.packed.push(await timePacked(steps));
          if (serviceEpochs > 0)
            samples.service.push(await timeService(pool, db, trialId, backend, serviceEpochs));
        }
      } finally {
        await pool.close();
      }
      const floor = median(samples.tfTrain);
      const cell = (values: number[]) =>
        values.length === 0
          ? 'not run'
          : `${median(values).toFixed(2)} ms (${(median(values) / floor).toFixed(2)}x)`;
      rows.push([
        backend,
        `${rounds}`,
        cell(samples.tfTrain),
        cell(samples.optimLoop),
        cell(samples.trainer),
        cell(samples.packed),
        cell(samples.service),
      ]);
    }
  } finally {
    await db.end();
    await scratch.drop();
  }

  const header = [
    'backend',
    'rounds',
    'tf.train.adam',
    'optim loop',
    'runTrial',
    `packed K=${PACK}`,
    'service',
  ];
  printTable(
    `mnist-mlp 784-200-10, batch 64, Adam lr 1e-3: ms per step (x the bare tf.train.adam loop); ` +
      `packed K=${PACK} = ${PACK} trials as one program, per trial-step; ` +
      `service = 2-epoch trials through one training thread into Postgres`,
    header,
    rows,
  );
}

function printTable(title: string, header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(title);
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows) console.log(line(row));
}

// --- The CNN of issue 20, beside PyTorch on one thread ---

const CNN_PLAN = {
  wasm: { steps: 40, rounds: 5 },
  cpu: { steps: 8, rounds: 3 },
};
const PYTHON = process.env.BENCH_PYTHON || '/usr/bin/python3';

/** torch_cnn.py in a child process: `time(steps)` asks it for one round; undefined without torch. */
async function torchPeer(digitsDir: string) {
  const probe = spawnSync(PYTHON, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
  if (probe.status !== 0) return undefined;
  const child = spawn(PYTHON, [join(import.meta.dirname, 'torch_cnn.py'), digitsDir, String(WARMUP)], {
    stdio: ['pipe', 'pipe', 'inherit'],
    // One BLAS and OpenMP thread, beside torch.set_num_threads(1) in the script.
    env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' },
  });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error('torch_cnn.py ended early');
    return JSON.parse(value as string) as Record<string, unknown>;
  };
  const info = await next();
  return {
    info: `torch ${info['torch']}, ${info['threads']} thread, ${info['blas']}, mkldnn ${info['mkldnn'] ? 'on' : 'off'}`,
    async time(steps: number): Promise<number> {
      child.stdin!.write(`${steps}\n`);
      return (await next())['ms'] as number;
    },
    close() {
      child.stdin!.end();
      child.kill('SIGTERM');
    },
  };
}

/** The CNN rows: per backend, the trainer's step and PyTorch's, rounds interleaved (one tfjs round, one torch round). */
async function cnnSection(): Promise<void> {
  const digits = cnnDigits();
  const peer = await torchPeer(digits.dir);
  const rows: string[][] = [];
  try {
    for (const backend of ['wasm', 'cpu'] as const) {
      await selectBackend(backend);
      const { steps, rounds } = CNN_PLAN[backend];
      const trainer = cnnTrainer(digits);
      const [ours, theirs] = [[] as number[], [] as number[]];
      try {
        await trainer.time(WARMUP);
        for (let round = 0; round < rounds; round++) {
          ours.push(await trainer.time(steps));
          if (peer !== undefined) theirs.push(await peer.time(steps));
        }
      } finally {
        trainer.dispose();
      }
      const torchMs = theirs.length === 0 ? undefined : median(theirs);
      rows.push([
        backend,
        `${rounds} x ${steps}`,
        `${median(ours).toFixed(2)} ms`,
        torchMs === undefined
          ? `not run: ${PYTHON} cannot import torch (apt-get install python3-torch)`
          : `${torchMs.toFixed(2)} ms`,
        torchMs === undefined ? '-' : `${(median(ours) / torchMs).toFixed(2)}x`,
      ]);
    }
  } finally {
    peer?.close();
  }
  printTable(
    'cnn Conv2d(1, 8, 3, padding=1) - ReLU - MaxPool2d(2) - Flatten - Linear(1568, 10), CrossEntropyLoss, ' +
      'Adam lr 1e-3, batch 64 of MNIST 1x28x28: ms per training step (forward, loss, backward, Adam) after ' +
      `${WARMUP} warm-up steps, median of interleaved rounds` +
      (peer === undefined ? '' : `; PyTorch: ${peer.info}`),
    ['backend', 'rounds x steps', 'trainer nn + Adam', 'PyTorch 1 thread', 'ratio'],
    rows,
  );
}

const sections = process.argv.slice(2);
for (const section of sections)
  if (section !== 'mlp' && section !== 'cnn') throw new Error(`unknown section "${section}" (mlp, cnn)`);
if (sections.length === 0 || sections.includes('mlp')) await mlpSection();
if (sections.length === 0 || sections.includes('cnn')) await cnnSection();
