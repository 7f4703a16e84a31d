export * from './optimizers.js';
export * from './schedulers.js';
export type * from './types.js';
