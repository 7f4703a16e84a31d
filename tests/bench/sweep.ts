// npm run bench:sweep — the optimizers-mnist example (27 trials, 16,875 steps; a copy of
// ../shared/examples/optimizers-mnist.json in this folder) end to end through the service: POST to the API,
// trained by worker threads (or worker processes), every step stored in Postgres, until the sweep is
// completed. Then the same 27 trials as PyTorch + Optuna on Postgres (optuna_mnist.py, 2 processes, the loss
// reported every step), skipped with a message where /usr/bin/python3 lacks torch, optuna or psycopg2.
// One run of each; prints both wall times and their ratio. Then the peer once more without per-step reports
// (Optuna only hands out the grid): PyTorch's training loop alone, the compute floor of the comparison.
//
//   npm run bench:sweep [-- --workers N --concurrency C --pack K --processes --no-peer --no-service --epochs E]
//   default: one in-process worker with WORKER_CONCURRENCY's default (one training thread per core) and
//   WORKER_PACK_SIZE's (auto: packs of 4 on node-gpu, none on the CPU backends); --pack K: WORKER_PACK_SIZE=K;
//   --processes: N worker processes (services/worker/dist/main.js) instead of in-process workers.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestDatabase } from '@hypersweep/db/testing';
import { startStack, waitForSweep } from '../helpers.js';
import { loadAverage } from './measure.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const spec = JSON.parse(readFileSync(join(here, 'optimizers-mnist.json'), 'utf8'));
const PYTHON = process.env.BENCH_PYTHON || '/usr/bin/python3';
/** Names the BLAS library torch has loaded (after a matmul), from the process's memory map. */
const BLAS_PROBE = [
  'import torch',
  'torch.ones(8, 8) @ torch.ones(8, 8)',
  "maps = [l.split()[-1] for l in open('/proc/self/maps') if 'blas' in l.lower()]",
  "print('OpenBLAS' if any('openblas' in m for m in maps) else 'MKL' if any('mkl' in m for m in maps)",
  "      else 'the reference BLAS' if maps else 'no BLAS')",
].join('\n');

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const workers = option('workers', 1);
const concurrency = option('concurrency', availableParallelism());
const pack = args.includes('--pack') ? String(option('pack', 1)) : 'auto';
const asProcesses = args.includes('--processes');
const skipPeer = args.includes('--no-peer');
const skipService = args.includes('--no-service');
// --epochs N: a shorter sweep for comparing worker layouts (the PyTorch peer trains the same epochs).
const epochs = option('epochs', spec.training.epochs);
spec.training.epochs = epochs;

console.log(`machine: ${cpus().length} x ${cpus()[0]?.model.trim()}, load average ${loadAverage()} at start`);

async function runService(): Promise<{ wallS: number; trials: number; steps: number }> {
  const stack = await startStack();
  const children: ReturnType<typeof spawn>[] = [];
  try {
    const env = {
      ...stack.env,
      WORKER_CONCURRENCY: String(concurrency),
      WORKER_PACK_SIZE: pack,
      LOG_LEVEL: 'warn',
    };
    for (let i = 0; i < workers; i++) {
      if (asProcesses) {
        const child = spawn(process.execPath, [join(root, 'services/worker/dist/main.js')], {
          env: { ...process.env, ...env, WORKER_ID: `bench-${i}` },
          stdio: ['ignore', 'ignore', 'inherit'],
        });
        children.push(child);
      } else {
        await stack.startWorker({ ...env, WORKER_ID: `bench-${i}` });
      }
    }
    const started = performance.now();
    const posted = await stack.app.inject({ method: 'POST', url: '/v1/sweeps', payload: spec });
    if (posted.statusCode !== 201) throw new Error(`POST /v1/sweeps: ${posted.statusCode} ${posted.body}`);
    const { id, trialCount } = posted.json() as { id: string; trialCount: number };
    await waitForSweep(stack.app, id, ['completed', 'failed', 'cancelled'], 60 * 60_000);
    const wallS = (performance.now() - started) / 1000;
    const trials = (await stack.app.inject(`/v1/sweeps/${id}/trials?limit=1000`)).json() as {
      items?: Array<{ status: string; stepsDone: number }>;
    };
    const items = trials.items ?? [];
    const completed = items.filter((t) => t.status === 'completed');
    if (completed.length !== trialCount)
      throw new Error(`${completed.length} of ${trialCount} trials completed`);
    return { wallS, trials: completed.length, steps: completed.reduce((sum, t) => sum + t.stepsDone, 0) };
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await stack.close();
  }
}

async function runPeer(
  reportEvery: number,
): Promise<{ wallS: number; trials: number; steps: number; versions: string } | string> {
  const probe = spawnSync(PYTHON, ['-c', 'import torch, optuna, psycopg2'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    return `skipped: ${PYTHON} cannot import torch, optuna and psycopg2 (apt-get install python3-torch python3-optuna python3-psycopg2)`;
  }
  // Debian's torch calls whichever BLAS the libblas.so.3 alternative names: the reference BLAS is ~17x
  // slower at this network's matmul than OpenBLAS (apt-get install libopenblas0-pthread), so say which.
  const blas = spawnSync(PYTHON, ['-c', BLAS_PROBE], { encoding: 'utf8' }).stdout.trim() || 'an unknown BLAS';
  const db = await createTestDatabase({ migrate: false });
  try {
    // The digits the trainer reads (its dependency `mnist`), so both sides train on the same data.
    const trainer = createRequire(import.meta.url).resolve('@hypersweep/trainer');
    const digits = join(dirname(createRequire(trainer).resolve('mnist/package.json')), 'src', 'digits');
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(
        PYTHON,
        [join(here, 'optuna_mnist.py'), db.url, digits, '2', String(epochs), String(reportEvery)],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
          // One BLAS thread per process: two processes on two cores, as the service runs a thread per core.
          env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' },
        },
      );
      let stdout = '';
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
      });
      child.on('error', reject);
      child.on('exit', (code) =>
        code === 0 ? resolve(stdout) : reject(new Error(`optuna_mnist.py exited ${code}`)),
      );
    });
    const result = JSON.parse(out.trim().split('\n').at(-1)!) as {
      wall_s: number;
      trials: number;
      steps: number;
      torch: string;
      optuna: string;
    };
    return {
      wallS: result.wall_s,
      trials: result.trials,
      steps: result.steps,
      versions: `PyTorch ${result.torch} on ${blas}, Optuna ${result.optuna}`,
    };
  } finally {
    await db.drop();
  }
}

const mode = `${
  asProcesses
    ? `${workers} worker process(es) x WORKER_CONCURRENCY=${concurrency}`
    : `${workers} in-process worker(s) x WORKER_CONCURRENCY=${concurrency} training threads`
}, WORKER_PACK_SIZE=${pack}`;
const perStep = (run: { wallS: number; steps: number }) =>
  `${((run.wallS * 1000) / run.steps).toFixed(2)} ms per step of the sweep`;
const service = skipService ? undefined : await runService();
if (service !== undefined) {
  console.log(
    `service (${mode}): ${service.wallS.toFixed(1)} s for ${service.trials} trials, ${service.steps} steps ` +
      `(${perStep(service)}, ${((service.trials * 3600) / service.wallS).toFixed(0)} trials/hour)`,
  );
}
if (!skipPeer) {
  for (const [reportEvery, what] of [
    [1, 'loss reported every step'],
    [0, 'no per-step reports: the training loop alone'],
  ] as const) {
    const peer = await runPeer(reportEvery);
    if (typeof peer === 'string') {
      console.log(`PyTorch + Optuna: ${peer}`);
      break;
    }
    console.log(
      `PyTorch + Optuna on Postgres (${peer.versions}, 2 processes, ${what}): ` +
        `${peer.wallS.toFixed(1)} s for ${peer.trials} trials, ${peer.steps} steps (${perStep(peer)})`,
    );
    if (service !== undefined)
      console.log(`ratio service / PyTorch + Optuna (${what}): ${(service.wallS / peer.wallS).toFixed(2)}x`);
  }
}
console.log(`load average ${loadAverage()} at the end`);
