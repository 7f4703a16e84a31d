export * from './catalog/index.js';
export * from './errors.js';
export * from './optimizers/index.js';
export * from './schedulers/index.js';
export type * from './types.js';
