import { protocolSpecExample, searchSpecExample, sweepSpecExamples } from '@hypersweep/spec';
import type { Example } from '../../schemas.js';

/**
 * The examples of the sweep routes in the OpenAPI document. test/openapi.test.ts validates each against its
 * schema, sends every request example to the API and checks the answer against the documented response.
 */

/** The spec of the README's "Using it" (a test keeps the two equal). */
export const readmeSpec = {
  name: 'optimizers on mnist',
  workload: { name: 'mnist-mlp', options: { trainSize: 2000, valSize: 500 } },
  training: { epochs: 3, batchSize: 64 },
  optimizers: [
    { type: 'SGD', lr: [0.01, 0.1], momentum: [0, 0.9] },
    {
      type: 'Adam',
      lr: 0.001,
      amsgrad: [false, true],
      param_groups: [{ params: 'classifier', lr: [0.0001, 0.001] }],
    },
  ],
  schedulers: [null, { type: 'StepLR', step_size: 1, gamma: [0.5, 0.1] }],
  seeds: [0, 1],
  objective: { metric: 'val_loss', mode: 'min' },
};

/** The README's "sweep your own model": the CNN on the digits CSV (uploaded as "digits"). */
export const modelSpecExample = {
  name: 'digits cnn widths',
  workload: {
    dataset: { id: 'digits', target: 'label', shape: [1, 8, 8], val: 0.2 },
    model: [
      { type: 'Conv2d', out_channels: [8, 16], kernel_size: 3, padding: 1, name: 'features' },
      { type: 'ReLU' },
      { type: 'MaxPool2d', kernel_size: 2 },
      { type: 'Flatten' },
      { type: 'Dropout', p: 0.2 },
      { type: 'Linear', out_features: 10, name: 'classifier' },
    ],
    loss: { type: 'CrossEntropyLoss', label_smoothing: 0.1 },
  },
  training: { epochs: 10, batchSize: 32 },
  optimizers: [
    { type: 'Adam', lr: [0.001, 0.01] },
    { type: 'SGD', lr: 0.05, momentum: 0.9, nesterov: true },
  ],
  schedulers: [null, { type: 'CosineAnnealingLR', T_max: 10 }],
  seeds: [0, 1],
  objective: { metric: 'val_accuracy', mode: 'max' },
};

export const createSweepExamples: Record<string, Example> = {
  readme: {
    summary: "The README's sweep: SGD and Adam grids, with and without StepLR, two seeds",
    value: readmeSpec,
  },
  ...Object.fromEntries(
    Object.entries(sweepSpecExamples).map(([key, spec]) => [
      key,
      { summary: `examples/${key}.json: ${spec.name}`, value: spec },
    ]),
  ),
  tpe: {
    summary:
      'A TPE search: loguniform lr, uniform weight decay and momentum, int step_size; SuccessiveHalving',
    value: searchSpecExample,
  },
  model: {
    summary:
      'Your own model: a CNN in torch.nn terms on an uploaded dataset (examples/data/digits.csv as "digits"), two conv widths',
    value: modelSpecExample,
  },
  protocol: {
    summary:
      'A fair comparison (tune-then-evaluate): SGD with momentum, Adam, AdamW, RMSprop with 4 configs each on seed 42, the best re-run on 5 fresh seeds, Adam at its defaults as the one-shot baseline',
    value: protocolSpecExample,
  },
};

export const sweepCreatedExamples: Record<string, Example> = {
  readme: {
    summary: "The README's sweep, stored and enqueued",
    value: {
      id: '0f5e8a52-3b8e-4f8e-9a51-1c2d3e4f5a6b',
      name: 'optimizers on mnist',
      status: 'queued',
      trialCount: 48,
      enqueued: true,
    },
  },
  redisDown: {
    summary: 'Stored while the trial queue (Redis) is down: its jobs wait in the outbox',
    value: {
      id: '7c9d2e1f-4a5b-4c6d-8e7f-9a0b1c2d3e4f',
      name: 'optimizers on mnist',
      status: 'queued',
      trialCount: 48,
      enqueued: false,
      note: 'stored; the trial queue (Redis) has not taken its jobs and events yet: they are sent from the outbox as soon as it does, nothing is lost',
    },
  },
};

/** The answer to INVALID_SPEC_EXAMPLE_REQUEST (the test sends it and compares). */
export const invalidSpecExamples: Record<string, Example> = {
  invalid: {
    summary: 'Every problem of a spec, each with its JSON pointer; a misspelt option names the closest one',
    value: {
      statusCode: 400,
      error: 'Bad Request',
      message: 'invalid sweep spec: /optimizers/0/lr: Invalid learning rate: -1; 2 more problems in details',
      details: [
        { path: '/optimizers/0/lr', message: 'Invalid learning rate: -1' },
        {
          path: '/optimizers/0/momentun',
          message:
            'unknown option "momentun" for SGD; did you mean "momentum"? Valid options: lr, momentum, dampening, weight_decay, nesterov, maximize',
        },
        { path: '/schedulers/0', message: 'missing option "step_size": StepLR has no default for it' },
      ],
      requestId: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
    },
  },
};

/** The request whose answer is invalidSpecExamples.invalid. */
export const INVALID_SPEC_EXAMPLE_REQUEST = {
  workload: 'two-layer-regression',
  optimizers: [{ type: 'SGD', lr: -1, momentun: 0.9 }],
  schedulers: [{ type: 'StepLR', gamma: 0.5 }],
};

export const extendSweepExamples: Record<string, Example> = {
  seeds: { summary: 'A grid: two more seeds for every configuration', value: { seeds: [2, 3] } },
  optimizers: {
    summary: 'A grid: one more optimizer entry, swept over two learning rates',
    value: { optimizers: [{ type: 'AdamW', lr: [0.001, 0.01] }] },
  },
  trials: { summary: 'A random or TPE search: 8 more samples', value: { trials: 8 } },
};

export const extendedExamples: Record<string, Example> = {
  seeds: {
    summary: 'A queued grid of one SGD config grown by seed 1: one new trial, created by the request',
    value: {
      id: '0f5e8a52-3b8e-4f8e-9a51-1c2d3e4f5a6b',
      status: 'queued',
      added: [
        {
          id: '5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a',
          index: 1,
          config: {
            workload: {
              name: 'two-layer-regression',
              options: { samples: 64, inputSize: 1000, hidden: 100, outputSize: 10 },
            },
            training: { epochs: 1, batchSize: 64 },
            optimizer: {
              type: 'SGD',
              options: {
                lr: 0.001,
                momentum: 0,
                dampening: 0,
                weight_decay: 0,
                nesterov: false,
                maximize: false,
              },
            },
            scheduler: null,
            seed: 1,
          },
        },
      ],
      reused: 1,
      grownBy: 1,
      createdBy: 'request',
      trialCount: 2,
      enqueued: true,
    },
  },
  trials: {
    summary: 'A search grown by 8 samples of one seed each: the workers propose them',
    value: {
      id: '7c9d2e1f-4a5b-4c6d-8e7f-9a0b1c2d3e4f',
      status: 'running',
      added: [],
      reused: 0,
      grownBy: 8,
      createdBy: 'workers',
      trialCount: 48,
      enqueued: true,
    },
  },
};

export const cancelledExamples: Record<string, Example> = {
  cancelled: {
    summary: 'Ten waiting trials cancelled, two running ones told to stop',
    value: {
      id: '0f5e8a52-3b8e-4f8e-9a51-1c2d3e4f5a6b',
      status: 'cancelled',
      cancelledTrials: 10,
      stoppingTrials: 2,
      enqueued: true,
    },
  },
};

export const sweepNotFoundExamples: Record<string, Example> = {
  notFound: {
    summary: 'No sweep has this id',
    value: {
      statusCode: 404,
      error: 'Not Found',
      message: 'sweep 0f5e8a52-3b8e-4f8e-9a51-1c2d3e4f5a6b not found',
      details: [{ path: '/params/id', message: 'no sweep has this id' }],
    },
  },
};
