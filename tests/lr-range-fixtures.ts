/** An lr range test that blows up well before its last step: SGD with momentum on a small MNIST MLP. */
export const mnistRangeTest = {
  workload: { name: 'mnist-mlp', options: { hidden: 32, trainSize: 1000, valSize: 100 } },
  training: { batchSize: 32 },
  optimizer: { type: 'SGD', momentum: 0.9 },
  start_lr: 1e-4,
  end_lr: 100,
  steps: 120,
};
