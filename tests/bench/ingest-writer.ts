// One ingesting process of the ingestion benchmark: writes ROWS step-metric rows for TRIALS trials in
// batches of BATCH through the same writer the workers use, and prints its own elapsed time. It connects
// first, says `ready` and starts writing when its parent writes a line, so that process start-up (tsx
// compiles this file) is not counted as ingestion time and the writers start together.
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { createPool, writeStepMetrics } from '@hypersweep/db';

const url = process.env.DATABASE_URL!;
const trialIds = process.env.TRIAL_IDS!.split(',');
const rowsPerTrial = Number(process.env.ROWS_PER_TRIAL);
const batch = Number(process.env.BATCH);
const inflight = Number(process.env.INFLIGHT ?? 2);

const pool = createPool(url, { max: inflight });
await Promise.all(Array.from({ length: inflight }, () => pool.query('SELECT 1')));
console.log('ready');
const go = createInterface({ input: process.stdin });
await once(go, 'line');
go.close();
process.stdin.destroy(); // or the open stdin keeps the process alive after the writes
const started = performance.now();
let next = 0;
const jobs: Array<{ trialId: string; from: number }> = [];
for (const trialId of trialIds)
  for (let from = 1; from <= rowsPerTrial; from += batch) jobs.push({ trialId, from });
async function lane() {
  while (next < jobs.length) {
    const { trialId, from } = jobs[next++]!;
    const rows = Array.from({ length: Math.min(batch, rowsPerTrial - from + 1) }, (_, i) => ({
      step: from + i,
      epoch: Math.floor((from + i) / 1000),
      loss: Math.random(),
      lr: 0.1,
      lrs: [0.1, 0.01],
    }));
    await writeStepMetrics(pool, trialId, rows);
  }
}
await Promise.all(Array.from({ length: inflight }, lane));
console.log(JSON.stringify({ ms: performance.now() - started }));
await pool.end();
