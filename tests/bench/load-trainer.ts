// One external trainer of `npm run bench:load` (spawned by load.ts with an IPC channel): claims trials of
// SWEEP_ID at API_URL, reports each in EPOCHS reports of its STEPS steps (an epoch's train_loss with the
// last), finishes it completed, and claims the next, as fast as the API answers. Every call is timed as the
// trainer sees it. On 'stop' it finishes the trial it holds, sends its samples and exits.
import { createHypersweepClient } from '@hypersweep/client';

export type CallKind = 'claim' | 'report' | 'finish';
/** What a trainer sends back: each call as [kind, start (epoch ms), duration (ms)], and what went wrong. */
export interface TrainerResult {
  calls: Array<[CallKind, number, number]>;
  /** Claims answered 204 (nothing to start now). */
  waits: number;
  errors: string[];
}

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`load-trainer: ${name} is not set`);
  return value;
};
const sweepId = env('SWEEP_ID');
const steps = Number(env('STEPS'));
const epochs = Number(env('EPOCHS'));
const client = createHypersweepClient({ baseUrl: env('API_URL') });
const result: TrainerResult = { calls: [], waits: 0, errors: [] };
let stopping = false;
process.on('message', (message) => {
  if (message === 'stop') stopping = true;
});

/** A call, timed; a 5xx or an unreachable API is an error of the run, retried (reports and finishes are idempotent). */
async function timed<T extends { response: Response }>(kind: CallKind, call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const start = Date.now();
    const t = performance.now();
    try {
      const answer = await call();
      result.calls.push([kind, start, performance.now() - t]);
      if (answer.response.status < 500) return answer;
      result.errors.push(
        `${kind}: ${answer.response.status} ${JSON.stringify((answer as { error?: unknown }).error)}`,
      );
    } catch (error) {
      result.errors.push(`${kind}: ${(error as Error).message}`);
    }
    if (attempt >= 5) throw new Error(`${kind} failed ${attempt} times: ${result.errors.at(-1)}`);
    await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
  }
}

/** Steps 1..steps split into `epochs` reports, the last of each an epoch's end. */
function epochSteps(epoch: number): number[] {
  const from = Math.floor(((epoch - 1) * steps) / epochs) + 1;
  const to = Math.floor((epoch * steps) / epochs);
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

async function trainOne(): Promise<boolean> {
  const claim = await timed('claim', () =>
    client.POST('/v1/sweeps/{id}/claim', {
      params: { path: { id: sweepId } },
      body: { worker: `load/${process.pid}` },
    }),
  );
  if (claim.response.status === 204) {
    result.waits++;
    await new Promise((resolve) => setTimeout(resolve, 50));
    return true;
  }
  if (!claim.data) {
    // 409: the sweep has ended (all its trials settled): the run was longer than its trials last.
    result.errors.push(
      claim.response.status === 409
        ? 'claim: the external sweep has ended: raise --trials'
        : `claim: ${claim.response.status} ${JSON.stringify(claim.error)}`,
    );
    return false;
  }
  const { trial, lease } = claim.data;
  const id = trial.id;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const batch = epochSteps(epoch).filter((step) => step > trial.resumeFrom);
    const loss = (step: number) => 1 / step + trial.index * 1e-6;
    const report = await timed('report', () =>
      client.POST('/v1/trials/{id}/report', {
        params: { path: { id } },
        body: {
          token: lease.token,
          steps: batch.map((step) => ({ step, loss: loss(step), lr: 0.01 })),
          epochs: [{ epoch, train_loss: loss(batch.at(-1) ?? steps) }],
        },
      }),
    );
    if (!report.data) {
      result.errors.push(`report: ${report.response.status} ${JSON.stringify(report.error)}`);
      return false;
    }
    if (report.data.stop) {
      result.errors.push(`report: told to stop (${JSON.stringify(report.data)})`);
      return false;
    }
  }
  const finish = await timed('finish', () =>
    client.POST('/v1/trials/{id}/finish', {
      params: { path: { id } },
      body: { token: lease.token, status: 'completed' },
    }),
  );
  if (!finish.data) {
    result.errors.push(`finish: ${finish.response.status} ${JSON.stringify(finish.error)}`);
    return false;
  }
  return true;
}

process.send!('ready');
try {
  while (!stopping && (await trainOne()));
} catch (error) {
  result.errors.push((error as Error).message);
}
process.send!(result, () => process.disconnect());
