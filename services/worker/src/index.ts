export * from './config.js';
export * from './trial-worker.js';
