/**
 * `npm run bench:gpu [-- <backend>]` (default webgpu), or `node .gpu-bundle/bench-gpu.js` on a lent GPU
 * machine (scripts/gpu/run.sh): what a GPU is for (issue 27), on one backend, no database needed:
 * - mnist-mlp 784-200-10, Adam lr 1e-3, through runTrial at batch 64 and 1024;
 * - packed K = 1, 4, 16, 64: K such trials (seeds 0..K-1, batch 64) as one program (runPackedTrials);
 * - the CNN of issue 20 (bench/nets.ts) at batch 64, the trainer's nn network and torch-exact Adam;
 * - service: one whole mnist-mlp trial (2 epochs, validation, a checkpoint every 200 steps) through the
 *   worker's TrainerPool (a training thread, as the worker trains), sinks that drop what they get.
 * Rows report trial-steps per second (a pack step trains K trials once: K trial-steps) and ms per (pack) step.
 * The loops time the steps between two loss read-backs after WARMUP steps (the trainer reads losses every
 * LOSS_READ_EVERY steps on a GPU: a read waits for every queued step), so shader compilation and data upload
 * are not counted (`--packs=1,4`: only those packed rows). bench/torch_gpu.py runs the same nets in PyTorch on the same machine; scripts/gpu/run.sh
 * puts the two side by side. Prints a table, and one JSON line per row when --json is given.
 */
import { describeWebgpu, webgpuStatus } from '@hypersweep/optim';
import {
  type BackendName,
  runPackedTrials,
  runTrial,
  selectBackend,
  type TrialConfig,
} from '@hypersweep/trainer';
import { cnnDigits, cnnTrainer } from './nets.js';

// The built pool: its training threads start from the compiled trial-thread.js beside it (in a bundle: beside
// the bundle's entry file).
const { TrainerPool } = (await import(
  new URL(process.env.HYPERSWEEP_BUNDLE ? './trainer-pool.js' : '../dist/trainer-pool.js', import.meta.url)
    .href
)) as typeof import('../src/trainer-pool.js');

const WARMUP = 32;
const LOSS_READ_EVERY = 32;
const TIMED_STEPS = 128;
const DEFAULT_PACKS = [1, 4, 16, 64];
const WORKLOAD = { name: 'mnist-mlp', options: { hidden: 200, trainSize: 9000, valSize: 1000 } };

const args = process.argv.slice(2);
const json = args.includes('--json');
// --packs=1,4 runs fewer packed rows (K = 64 takes minutes on a CPU backend).
const packsArg = args.find((arg) => arg.startsWith('--packs='));
const PACKS =
  packsArg === undefined ? DEFAULT_PACKS : packsArg.slice('--packs='.length).split(',').map(Number);
const backend = (args.find((arg) => !arg.startsWith('--')) ?? 'webgpu') as BackendName;

const trial = (batchSize: number, maxSteps?: number, seed = 0, epochs = 1000): TrialConfig => ({
  workload: WORKLOAD,
  training: { epochs, batchSize, ...(maxSteps === undefined ? {} : { maxSteps }) },
  optimizer: { type: 'Adam', options: { lr: 1e-3 } },
  scheduler: null,
  seed,
});

/** A sink that stamps the time each step's record arrives: records arrive when their losses are read back. */
function stamper() {
  const stamps = new Map<number, number>();
  return {
    hooks: {
      flushEvery: { records: 1, ms: 0 },
      lossReadEvery: LOSS_READ_EVERY,
      sink: (records: Array<{ step: number }>) => {
        for (const record of records) stamps.set(record.step, performance.now());
      },
    },
    /** ms per step between the reads at WARMUP and WARMUP + TIMED_STEPS. */
    msPerStep(): number {
      const from = stamps.get(WARMUP);
      const to = stamps.get(WARMUP + TIMED_STEPS);
      if (from === undefined || to === undefined) throw new Error('the trial did not reach its timed steps');
      return (to - from) / TIMED_STEPS;
    },
  };
}

async function timeTrial(batchSize: number): Promise<number> {
  const clock = stamper();
  await runTrial(trial(batchSize, WARMUP + TIMED_STEPS), { ...clock.hooks, backend });
  return clock.msPerStep();
}

/** ms per pack step of K trials (each step trains each trial once). */
async function timePacked(k: number): Promise<number> {
  const clock = stamper();
  const outcomes = await runPackedTrials(
    Array.from({ length: k }, (_, seed) => ({
      config: trial(64, WARMUP + TIMED_STEPS, seed),
      hooks:
        seed === 0
          ? { ...clock.hooks, backend }
          : { sink: () => {}, lossReadEvery: LOSS_READ_EVERY, backend },
    })),
  );
  for (const outcome of outcomes) if (outcome.status === 'rejected') throw outcome.reason;
  return clock.msPerStep();
}

async function timeCnn(): Promise<number> {
  const trainer = cnnTrainer(cnnDigits(), { readLoss: false });
  try {
    await trainer.time(WARMUP);
    return await trainer.time(TIMED_STEPS);
  } finally {
    trainer.dispose();
  }
}

/** One 2-epoch mnist-mlp trial through a training thread, as the worker runs it: ms per step of the whole trial. */
async function timeService(): Promise<number> {
  const pool = new TrainerPool(1);
  try {
    await pool.start(backend);
    const run = async () => {
      const started = performance.now();
      const result = await pool.run(
        trial(64, undefined, 0, 2),
        { checkpointEvery: 200, backend, objective: { metric: 'val_loss', mode: 'min' } },
        {
          signal: new AbortController().signal,
          sink: async () => {},
          onEpoch: async () => {},
          onCheckpoint: async () => {},
        },
      );
      if (result.status !== 'completed') throw new Error(`service trial ended ${result.status}`);
      return (performance.now() - started) / result.stepsDone;
    };
    await run(); // starts the thread's backend, compiles the shaders, uploads the data
    return await run();
  } finally {
    await pool.close();
  }
}

try {
  await selectBackend(backend);
} catch (error) {
  console.error(`bench:gpu cannot run on ${backend}: ${(error as Error).message}`);
  process.exit(2);
}
const adapter = backend === 'webgpu' ? describeWebgpu(await webgpuStatus()) : backend;
console.log(`bench:gpu on ${backend}: ${adapter}`);

const rows: Array<{ row: string; trialsPerStep: number; msPerStep: number }> = [];
const measure = async (row: string, trialsPerStep: number, time: () => Promise<number>) => {
  try {
    rows.push({ row, trialsPerStep, msPerStep: await time() });
  } catch (error) {
    rows.push({ row, trialsPerStep, msPerStep: Number.NaN });
    console.error(`${row}: ${(error as Error).stack ?? error}`);
  }
  const last = rows.at(-1)!;
  if (json) console.log(JSON.stringify({ side: 'tfjs', backend, adapter, ...last }));
};
await measure('mlp batch 64', 1, () => timeTrial(64));
await measure('mlp batch 1024', 1, () => timeTrial(1024));
for (const k of PACKS) await measure(`packed K=${k} (mlp batch 64)`, k, () => timePacked(k));
await measure('cnn batch 64', 1, timeCnn);
await measure('service (mlp batch 64, 2 epochs, checkpoints)', 1, timeService);

const width = Math.max(...rows.map((r) => r.row.length));
console.log(`| ${'row'.padEnd(width)} | ms per step | trial-steps/s |`);
console.log(`|${'-'.repeat(width + 2)}|-------------|---------------|`);
for (const { row, trialsPerStep, msPerStep } of rows) {
  const rate = Number.isNaN(msPerStep) ? 'failed' : ((1000 * trialsPerStep) / msPerStep).toFixed(0);
  console.log(`| ${row.padEnd(width)} | ${msPerStep.toFixed(3).padStart(11)} | ${rate.padStart(13)} |`);
}
