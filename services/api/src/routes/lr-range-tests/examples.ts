import type { Example } from '../../schemas.js';

/**
 * The examples of the lr range test routes in the OpenAPI document (test/openapi.test.ts sends each request
 * example to the API and checks the answers against the documented responses).
 */

/** The README's range test: SGD with momentum on the MNIST MLP, fastai's defaults otherwise. */
export const lrRangeTestExample = {
  name: 'lr range test: SGD momentum 0.9 on mnist-mlp',
  workload: { name: 'mnist-mlp', options: { hidden: 64, trainSize: 4000, valSize: 500 } },
  training: { batchSize: 64 },
  optimizer: { type: 'SGD', momentum: 0.9 },
  start_lr: 1e-5,
  end_lr: 10,
  steps: 100,
};

export const createLrRangeTestExamples: Record<string, Example> = {
  sgd: {
    summary: 'SGD with momentum on the MNIST MLP, from 1e-5 to 10 in 100 steps',
    value: lrRangeTestExample,
  },
  linear: {
    summary: 'Adam, a linear ramp from 1e-4 to 0.05 over 60 steps, less smoothing',
    value: {
      workload: 'two-layer-regression',
      optimizer: { type: 'Adam', betas: [0.9, 0.99] },
      start_lr: 1e-4,
      end_lr: 0.05,
      steps: 60,
      mode: 'linear',
      smoothing: 0.9,
    },
  },
};

export const lrRangeTestCreatedExamples: Record<string, Example> = {
  created: {
    summary: 'Stored and enqueued',
    value: {
      id: '6f1d4a52-2a7e-4d0f-9a43-1b8e2d6c9f01',
      name: 'lr range test: SGD momentum 0.9 on mnist-mlp',
      status: 'queued',
      trialId: '0b7c9f3e-54d1-4c2a-8e6f-7a9d1c3b5e20',
      enqueued: true,
    },
  },
};

export const invalidLrRangeTestExamples: Record<string, Example> = {
  invalid: {
    summary: 'end_lr below start_lr, and an option Adam does not have',
    value: {
      statusCode: 400,
      error: 'Bad Request',
      message:
        'invalid lr range test: /end_lr: end_lr must be greater than start_lr (0.1), got 0.01; 1 more problem in details',
      details: [
        { path: '/end_lr', message: 'end_lr must be greater than start_lr (0.1), got 0.01' },
        { path: '/optimizer/momentum', message: 'unknown option "momentum" for Adam' },
      ],
    },
  },
};

export const lrRangeTestExamples: Record<string, Example> = {
  finished: {
    summary: 'A finished test (a few of its points): stopped when the smoothed loss passed 4x its best',
    value: {
      id: '6f1d4a52-2a7e-4d0f-9a43-1b8e2d6c9f01',
      name: 'lr range test: SGD momentum 0.9 on mnist-mlp',
      status: 'completed',
      settings: { start_lr: 1e-5, end_lr: 10, steps: 100, mode: 'exp', smoothing: 0.98 },
      trial: {
        id: '0b7c9f3e-54d1-4c2a-8e6f-7a9d1c3b5e20',
        status: 'completed',
        stepsDone: 84,
        error: null,
        backend: 'wasm',
      },
      stoppedEarly: true,
      curve: [
        { step: 1, lr: 1e-5, loss: 2.309, smoothed: 2.309 },
        { step: 50, lr: 0.00099, loss: 2.21, smoothed: 2.262 },
        { step: 84, lr: 0.11, loss: 41.3, smoothed: 9.5 },
      ],
      suggestions: { steep: 0.0063, minimum: 0.0051, lrAtMinimum: 0.051 },
      createdAt: '2026-12-06T14:00:00.000Z',
      finishedAt: '2026-12-06T14:00:09.000Z',
    },
  },
};

export const lrRangeTestNotFoundExamples: Record<string, Example> = {
  missing: {
    summary: 'No lr range test has this id',
    value: {
      statusCode: 404,
      error: 'Not Found',
      message: 'lr range test 0f5e8a52-3b8e-4f8e-9a51-1c2d3e4f5a6b not found',
      details: [{ path: '/params/id', message: 'no lr range test has this id' }],
    },
  },
};
