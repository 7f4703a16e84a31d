export * from './config.js';
export * from './connection.js';
export * from './events.js';
export * from './outbox-sink.js';
export * from './trial-queue.js';
