export * from './config.js';
export * from './dataset-files.js';
export * from './reconciler.js';
export * from './running-trials.js';
export * from './trial-processor.js';
export * from './trial-worker.js';
