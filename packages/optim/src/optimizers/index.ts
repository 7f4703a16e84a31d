export { resolveOptimizerOptions } from './resolve-options.js';
