export * from './app.js';
export * from './config.js';
export * from './context.js';
export * from './errors.js';
