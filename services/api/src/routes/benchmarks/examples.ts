import { BENCHMARK_METHODS } from '../../domain/benchmark.js';
import type { Example } from '../../schemas.js';

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

const optimizer = (entry: number, type: string, lr: number, values: number[]) => ({
  entry,
  label: type,
  type,
  oneShot: false,
  tuning: {
    budget: 2,
    configsTried: 2,
    configsEnded: 2,
    configsWithValue: 2,
    curve: [
      { k: 1, mean: 0.9, q25: 0.92, q75: 0.88, pNone: 0 },
      { k: 2, mean: 0.92, q25: 0.92, q75: 0.92, pNone: 0 },
    ],
  },
  tuned: [
    {
      rank: 1,
      config: {
        workload: { name: 'mnist-mlp' },
        training: { epochs: 2, batchSize: 64 },
        optimizer: { type, options: { lr } },
        scheduler: null,
      },
      tuningMean: 0.92,
      evaluationTrialIds: values.map((_, i) => id(entry * 10 + i)),
    },
  ],
  evaluation: {
    n: values.length,
    mean: values.reduce((a, b) => a + b, 0) / values.length,
    std: 0.01,
    min: Math.min(...values),
    max: Math.max(...values),
    interval: { level: 0.95, low: 0.89, high: 0.94 },
    ci95: { low: 0.89, high: 0.94 },
    values: values.map((value, i) => ({ trialId: id(entry * 10 + i), seed: 43 + i, value })),
    unfinished: 0,
  },
  target: {
    reached: 2,
    never: 1,
    steps: { median: 1876, q25: 1407, q75: 1876 },
    seconds: { median: 9.5, q25: 7.1, q75: 9.5 },
    perSeed: values.map((_, i) => ({
      trialId: id(entry * 10 + i),
      seed: 43 + i,
      steps: i === 2 ? null : 1876 - i * 469,
      seconds: i === 2 ? null : 9.5 - i * 2.4,
    })),
  },
});

export const benchmarkExample: Record<string, Example> = {
  twoOptimizers: {
    summary: 'SGD against Adam: two configs each on seed 42, the best re-run on seeds 43, 44, 45',
    value: {
      id: id(1),
      name: 'sgd-vs-adam',
      status: 'completed',
      objective: { metric: 'val_accuracy', mode: 'max' },
      protocol: {
        type: 'tune-then-evaluate',
        tuning: { search: 'random', trials: 2, seeds: [42], seed: 0 },
        evaluation: { seeds: [43, 44, 45], top: 1 },
        target: { metric: 'val_accuracy', value: 0.9, direction: 'max' },
      },
      trials: {
        tuning: { created: 4, finished: 4, completed: 4, failed: 0, pruned: 0 },
        evaluation: { created: 6, finished: 6, completed: 6, failed: 0, pruned: 0 },
      },
      optimizers: [
        optimizer(0, 'SGD', 0.1, [0.91, 0.92, 0.9]),
        optimizer(1, 'Adam', 0.001, [0.93, 0.92, 0.93]),
      ],
      ranking: {
        test: "Welch's t-test, two-sided, alpha 0.05, against the best optimizer by evaluation mean",
        best: 'Adam',
        rows: [
          { rank: 1, entry: 1, label: 'Adam', mean: 0.9267, pValue: null, tiedWithBest: true },
          { rank: 2, entry: 0, label: 'SGD', mean: 0.91, pValue: 0.1, tiedWithBest: true },
        ],
      },
      methods: BENCHMARK_METHODS,
    },
  },
};

export const benchmarksExample: Record<string, Example> = {
  twoWorkloads: {
    summary: 'SGD and Adam on two workloads: Adam fastest on both, SGD within 1.5x on one',
    value: {
      measure: 'seconds',
      taus: [1, 1.25, 1.5, 1.75, 2, 2.25, 2.5, 2.75, 3, 3.25, 3.5, 3.75, 4],
      workloads: [
        {
          sweepId: id(1),
          name: 'mnist-mlp',
          status: 'completed',
          target: { metric: 'val_accuracy', value: 0.9, direction: 'max' },
          times: { SGD: 12, Adam: 9 },
        },
        {
          sweepId: id(2),
          name: 'digits-cnn',
          status: 'completed',
          target: { metric: 'val_accuracy', value: 0.9, direction: 'max' },
          times: { SGD: null, Adam: 4 },
        },
      ],
      profiles: [
        { optimizer: 'SGD', fractions: [0, 0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5] },
        { optimizer: 'Adam', fractions: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1] },
      ],
      method: 'Performance profile (Dolan and Moré 2002, as AlgoPerf)',
    },
  },
};
