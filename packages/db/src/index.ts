export * from './client.js';
export * from './config.js';
export * from './create-database.js';
export * from './metric-writer.js';
export * from './migrate.js';
export * from './preflight.js';
export * from './schema-check.js';
export * from './search-store.js';
