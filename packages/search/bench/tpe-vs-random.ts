/**
 * TPE against random search with the same budget (40 trials) on synthetic objectives whose optimum
 * lies inside the box, over several seeds: `npx tsx bench/tpe-vs-random.ts` (deterministic).
 */
import { type Distribution, floatDistribution, intDistribution } from '../src/distributions.js';
import { RandomSampler } from '../src/random-sampler.js';
import { type ObservedTrial, TpeSampler } from '../src/tpe-sampler.js';

interface Problem {
  name: string;
  space: [string, Distribution][];
  f: (p: Record<string, number>) => number;
}

const problems: Problem[] = [
  {
    name: 'Rosenbrock 2-d, x, y in [-2, 2] (optimum 0 at (1, 1))',
    space: [
      ['x', floatDistribution(-2, 2)],
      ['y', floatDistribution(-2, 2)],
    ],
    f: ({ x, y }) => (1 - x!) ** 2 + 100 * (y! - x! ** 2) ** 2,
  },
  {
    name: 'lr (log) + momentum + units (int) bowl (optimum 0)',
    space: [
      ['lr', floatDistribution(1e-5, 1, true)],
      ['momentum', floatDistribution(0, 0.99)],
      ['units', intDistribution(1, 64)],
    ],
    f: ({ lr, momentum, units }) =>
      (Math.log10(lr!) + 2.5) ** 2 + 10 * (momentum! - 0.9) ** 2 + ((units! - 20) / 10) ** 2,
  },
];

const TRIALS = 40;
const seeds = Array.from({ length: 20 }, (_, i) => i);

function runTpe(problem: Problem, seed: number): number {
  const tpe = new TpeSampler({ seed });
  const history: ObservedTrial[] = [];
  for (let i = 0; i < TRIALS; i++) {
    const params: Record<string, number> = {};
    for (const [name, d] of problem.space) params[name] = tpe.sampleInternal(history, name, d);
    history.push({ state: 'complete', value: problem.f(params), params });
  }
  return Math.min(...history.map((h) => h.value!));
}

function runRandom(problem: Problem, seed: number): number {
  const random = new RandomSampler(seed);
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < TRIALS; i++) {
    const params: Record<string, number> = {};
    for (const [name, d] of problem.space) params[name] = random.sampleInternal(d);
    best = Math.min(best, problem.f(params));
  }
  return best;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return (s[(s.length - 1) >> 1]! + s[s.length >> 1]!) / 2;
};
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

console.log(
  `| objective (${TRIALS} trials, ${seeds.length} seeds) | TPE median best | random median best | TPE mean best | random mean best | TPE better |`,
);
console.log('| --- | --- | --- | --- | --- | --- |');
for (const problem of problems) {
  const tpe = seeds.map((s) => runTpe(problem, s));
  const random = seeds.map((s) => runRandom(problem, s));
  const wins = tpe.filter((t, i) => t < random[i]!).length;
  const f = (x: number) => x.toPrecision(3);
  console.log(
    `| ${problem.name} | ${f(median(tpe))} | ${f(median(random))} | ${f(mean(tpe))} | ${f(mean(random))} | ${wins} of ${seeds.length} seeds |`,
  );
}
