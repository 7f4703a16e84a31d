/**
 * How long validateSweepSpec takes to validate and expand 10,000-trial grids of different shapes
 * (the API answers POST /v1/sweeps with it; the issue asks for under 1 s end to end).
 * Run: npm run bench -w @hypersweep/spec
 */
import { performance } from 'node:perf_hooks';
import { configHash } from '../src/canonical-json.js';
import { validateSweepSpec } from '../src/validate-sweep-spec.js';
import { modelContext } from '../test/model-fixtures.js';

const range = (count: number, scale: number) =>
  Array.from({ length: count }, (_, index) => (index + 1) * scale);
const base = {
  workload: { name: 'mnist-mlp', options: { trainSize: 640 } },
  training: { epochs: 2, batchSize: 64 },
};

const grids: Record<string, unknown> = {
  'one SGD entry, 100 lrs x 100 momenta': {
    ...base,
    optimizers: [{ type: 'SGD', lr: range(100, 0.001), momentum: range(100, 0.009), nesterov: true }],
  },
  '100 optimizer configs x 50 schedulers x 2 seeds': {
    ...base,
    optimizers: [
      {
        type: 'Adam',
        lr: range(25, 0.001),
        betas: [
          [0.9, 0.999],
          [0.8, 0.99],
        ],
        amsgrad: [false, true],
      },
    ],
    schedulers: [
      { type: 'StepLR', step_size: range(5, 1), gamma: range(5, 0.1) },
      {
        type: 'LambdaLR',
        lr_lambda: range(10, 1)
          .map((k) => `0.9 ** (epoch / ${k})`)
          .map((source) => [source]),
      },
      { type: 'OneCycleLR', max_lr: range(10, 0.01).map((lr) => [lr]) },
      { type: 'ReduceLROnPlateau', patience: range(5, 1) },
    ],
    seeds: [0, 1],
  },
  'param groups: 25 x 25 lrs x 16 seeds': {
    ...base,
    optimizers: [
      {
        type: 'SGD',
        lr: range(25, 0.001),
        momentum: 0.9,
        param_groups: [{ params: 'classifier', lr: range(25, 0.0001) }],
      },
    ],
    seeds: range(16, 1),
  },
  'a model: 10,000 variants of four swept Linear widths': {
    workload: {
      dataset: { id: 'digits', target: 'label', val: 0.2 },
      model: [
        ...Array.from({ length: 4 }, () => [
          { type: 'Linear', out_features: range(10, 8) },
          { type: 'ReLU' },
          { type: 'Dropout', p: 0.1 },
        ]).flat(),
        { type: 'Linear', out_features: 10 },
      ],
      loss: 'CrossEntropyLoss',
    },
    optimizers: [{ type: 'SGD', lr: 0.1 }],
  },
};

for (const [name, spec] of Object.entries(grids)) {
  const times: number[] = [];
  let trials = 0;
  for (let run = 0; run < 7; run++) {
    const started = performance.now();
    const result = validateSweepSpec(spec, modelContext);
    times.push(performance.now() - started);
    if (!result.ok) throw new Error(`${name}: ${JSON.stringify(result.errors)}`);
    trials = result.trials.length;
  }
  const hashStart = performance.now();
  const result = validateSweepSpec(spec, modelContext);
  if (result.ok) for (const trial of result.trials) configHash(trial);
  const hashMs = performance.now() - hashStart - Math.min(...times);
  times.sort((a, b) => a - b);
  console.log(
    `${name}: ${trials} trials, validate+expand median ${times[3]!.toFixed(1)} ms (min ${times[0]!.toFixed(1)}, max ${times[6]!.toFixed(1)}), configHash of all ~${hashMs.toFixed(1)} ms`,
  );
}
