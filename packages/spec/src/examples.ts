/**
 * The example sweeps of the repository's examples/ (the classic PyTorch optimizer and lr-scheduler
 * tutorials), shown in the OpenAPI document. A test keeps them equal to the files.
 */
export const sweepSpecExamples = {
  'optimizers-mnist': {
    name: 'the classic optimizer comparison on MNIST',
    workload: { name: 'mnist-mlp', options: { hidden: 200, trainSize: 8000, valSize: 2000 } },
    training: { epochs: 5, batchSize: 64 },
    optimizers: [
      { type: 'SGD', lr: 0.01 },
      { type: 'SGD', lr: 0.01, momentum: 0.9 },
      { type: 'SGD', lr: 0.01, momentum: 0.9, nesterov: true },
      { type: 'Adagrad', lr: 0.01 },
      { type: 'Adadelta', rho: 0.9 },
      { type: 'RMSprop', lr: 0.001, alpha: 0.9 },
      { type: 'Adam', lr: 0.001 },
      { type: 'Adam', lr: 0.001, amsgrad: true },
      { type: 'Adamax', lr: 0.002 },
    ],
    seeds: [0, 1, 2],
    objective: { metric: 'val_loss', mode: 'min' },
  },
  'param-groups-mnist': {
    name: 'a smaller learning rate for the classifier',
    workload: { name: 'mnist-mlp', options: { trainSize: 4000, valSize: 1000 } },
    training: { epochs: 3, batchSize: 64 },
    optimizers: [
      {
        type: 'SGD',
        lr: 0.01,
        momentum: 0.9,
        param_groups: [{ params: 'classifier', lr: [0.001, 0.01, 0.1] }],
      },
    ],
    schedulers: [null, { type: 'StepLR', step_size: 1, gamma: 0.1 }],
    seeds: [0, 1],
  },
  'schedulers-regression': {
    name: 'lr schedules on the TwoLayerNet regression',
    workload: 'two-layer-regression',
    training: { epochs: 200, batchSize: 64 },
    optimizers: [{ type: 'SGD', lr: 0.001 }],
    schedulers: [
      null,
      { type: 'StepLR', step_size: 50, gamma: 0.5 },
      { type: 'MultiStepLR', milestones: [30, 80], gamma: 0.1 },
      { type: 'ExponentialLR', gamma: [0.9, 0.99] },
      { type: 'CosineAnnealingLR', T_max: 200, eta_min: 0 },
      { type: 'ReduceLROnPlateau', mode: 'min', factor: 0.1, patience: 10 },
      { type: 'LambdaLR', lr_lambda: '0.95 ** epoch' },
      { type: 'CyclicLR', base_lr: 0.0001, max_lr: 0.001, step_size_up: 20, cycle_momentum: false },
    ],
    objective: { metric: 'train_loss', mode: 'min' },
  },
} as const;
