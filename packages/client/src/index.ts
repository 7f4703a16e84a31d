export * from './client.js';
export * from './datasets.js';
export * from './errors.js';
export * from './events.js';
export type { components, operations, paths } from './generated/openapi.js';
export * from './types.js';
