/**
 * `npm run bench:search`: the time to propose the next TPE trial (five parameters: uniform,
 * loguniform, int, logint, choice) with 10, 100 and 1,000 finished trials (goal: < 20 ms at 1,000),
 * and the time to take a pruning decision on a rung holding 10,000 trials.
 */
import { loadavg } from 'node:os';
import { ashaDecision } from '../src/asha.js';
import {
  categoricalDistribution,
  type Distribution,
  floatDistribution,
  intDistribution,
} from '../src/distributions.js';
import { RandomSampler } from '../src/random-sampler.js';
import { successiveHalvingDecision } from '../src/successive-halving.js';
import { type ObservedTrial, TpeSampler } from '../src/tpe-sampler.js';

const space: [string, Distribution][] = [
  ['x', floatDistribution(-5, 5)],
  ['lr', floatDistribution(1e-5, 1e-1, true)],
  ['units', intDistribution(1, 256)],
  ['batch', intDistribution(8, 512, true)],
  ['opt', categoricalDistribution(['sgd', 'adam', 'rmsprop', 'adamw'])],
];

function history(n: number): ObservedTrial[] {
  const random = new RandomSampler(1);
  return Array.from({ length: n }, (_, i) => {
    const params: Record<string, number> = {};
    for (const [name, d] of space) params[name] = random.sampleInternal(d);
    const value = (params['x']! - 1) ** 2 + (Math.log10(params['lr']!) + 3) ** 2;
    return i % 10 === 9
      ? { state: 'pruned' as const, lastStep: 3, lastValue: value + 1, params }
      : { state: 'complete' as const, value, params };
  });
}

function time(label: string, repeats: number, run: () => void) {
  run();
  const samples: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const start = performance.now();
    run();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  const median = samples[Math.floor(samples.length / 2)]!;
  console.log(
    `${label.padEnd(58)} median ${median.toFixed(3)} ms   min ${samples[0]!.toFixed(3)} ms   (${repeats} runs)`,
  );
}

console.log(
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
for (const n of [10, 100, 1000]) {
  const h = history(n);
  const tpe = new TpeSampler({ seed: 0 });
  time(`TPE: propose a trial (5 parameters), ${n} finished trials`, n === 1000 ? 30 : 100, () => {
    for (const [name, d] of space) tpe.sampleInternal(h, name, d);
  });
}
const rung = Float64Array.from({ length: 10_000 }, (_, i) => Math.sin(i) + 1);
time('SuccessiveHalving: decision at a rung of 10,000 trials', 100, () => {
  successiveHalvingDecision(
    { min_resource: 1, reduction_factor: 3, min_early_stopping_rate: 0, bootstrap_count: 0 },
    'minimize',
    { step: 1, value: 0.5, completedRungs: 0 },
    () => rung,
  );
});
time('ASHA: decision at a rung of 10,000 trials', 100, () => {
  ashaDecision(
    { grace_period: 1, max_t: 100, reduction_factor: 4, brackets: 1 },
    'minimize',
    0,
    {
      iteration: 1,
      value: 0.5,
      recordedMilestones: new Set(),
    },
    () => rung,
  );
});
if (process.argv.includes('--per-parameter')) {
  const h = history(1000);
  const tpe = new TpeSampler({ seed: 0 });
  for (const [name, d] of space)
    time(`  TPE, 1000 trials, ${name} (${d.kind})`, 30, () => tpe.sampleInternal(h, name, d));
}
