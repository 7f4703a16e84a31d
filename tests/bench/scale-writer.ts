// One writing process of the scale benchmark's delete test: writes step metrics to TRIAL_IDS in batches of
// BATCH through the workers' writer, one batch after another, from the moment its parent writes a line until
// it writes a second one, and prints how long each batch took (the longest is the stall a delete caused).
import { createInterface } from 'node:readline';
import { createPool, writeStepMetrics } from '@hypersweep/db';

const trialIds = process.env.TRIAL_IDS!.split(',');
const batch = Number(process.env.BATCH);
const pool = createPool(process.env.DATABASE_URL!, { max: 1 });
await pool.query('SELECT 1');
console.log('ready');
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
await lines.next();
let stop = false;
void lines.next().then(() => {
  stop = true;
  process.stdin.destroy();
});
const ms: number[] = [];
let step = 1;
while (!stop) {
  const rows = Array.from({ length: batch }, (_, i) => ({
    step: step + i,
    epoch: Math.floor((step + i) / 1000),
    loss: Math.random(),
    lr: 0.1,
    lrs: [0.1],
  }));
  const t = performance.now();
  await Promise.all(trialIds.map((id) => writeStepMetrics(pool, id, rows)));
  ms.push(performance.now() - t);
  step += batch;
}
console.log(JSON.stringify({ ms, rows: (step - 1) * trialIds.length }));
await pool.end();
