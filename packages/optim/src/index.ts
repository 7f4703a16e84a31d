export * from './errors.js';
export type * from './catalog/types.js';
export type * from './types.js';
