import type { WorkloadInfo } from '../src/workload-info.js';

/** The workloads the trainer provides, as the API describes them to the spec (test fixtures). */
export const mnistMlp: WorkloadInfo = {
  name: 'mnist-mlp',
  description: 'The 784-200-10 MLP of the PyTorch MNIST examples.',
  options: {
    hidden: { type: 'integer', minimum: 1, maximum: 4096, default: 200, description: 'Hidden units.' },
    trainSize: {
      type: 'integer',
      minimum: 1,
      maximum: 8000,
      default: 8000,
      description: 'Training examples.',
    },
    valSize: {
      type: 'integer',
      minimum: 1,
      maximum: 2000,
      default: 2000,
      description: 'Validation examples.',
    },
  },
  paramGroups: ['base', 'classifier'],
  hasValidation: true,
  trainExamples: (options) => options['trainSize'] as number,
};

export const twoLayerRegression: WorkloadInfo = {
  name: 'two-layer-regression',
  description: 'The TwoLayerNet of the PyTorch tutorial: N=64 random examples, no validation set.',
  options: {},
  paramGroups: [],
  hasValidation: false,
  trainExamples: () => 64,
};

export const rosenbrock: WorkloadInfo = {
  name: 'rosenbrock',
  description: 'The Rosenbrock function of two parameters.',
  options: {
    a: { type: 'number', default: 1, description: 'a' },
    b: { type: 'number', default: 100, description: 'b' },
  },
  paramGroups: ['x', 'y'],
  hasValidation: false,
  trainExamples: () => 1,
};

export const logistic: WorkloadInfo = {
  name: 'logistic',
  description: 'Logistic regression on synthetic data.',
  options: { samples: { type: 'integer', minimum: 1, default: 512, description: 'Examples.' } },
  paramGroups: ['weight', 'bias'],
  hasValidation: true,
  trainExamples: (options) => Math.floor((options['samples'] as number) * 0.8),
};

export const workloads = [mnistMlp, twoLayerRegression, rosenbrock, logistic];
export const context = { workloads };
