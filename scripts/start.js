#!/usr/bin/env node
// `npm start`: the API and one worker as two child processes of this one. Ctrl-C / SIGTERM stops both
// (the worker hands its running trials back to the queue). If either exits, the other is stopped and
// this process exits with its code, so an unreachable Postgres or Redis ends `npm start` with the
// child's one-line message.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { checkPostgres, databaseUrlFromEnv } = await import('../packages/db/dist/index.js');
const { checkRedis, redisUrlFromEnv } = await import('../packages/queue/dist/index.js');
try {
  await checkPostgres(databaseUrlFromEnv());
  await checkRedis(redisUrlFromEnv());
} catch (error) {
  console.error(`hypersweep: ${error.message}`);
  process.exit(1);
}

const children = [
  spawn(process.execPath, [join(root, 'services/api/dist/server.js')], { stdio: 'inherit' }),
  spawn(process.execPath, [join(root, 'services/worker/dist/main.js')], { stdio: 'inherit' }),
];
let exiting = false;
const stopAll = (signal) => {
  for (const child of children) if (child.exitCode === null) child.kill(signal);
};
for (const child of children) {
  child.on('exit', (code, signal) => {
    if (!exiting) {
      exiting = true;
      process.exitCode = code ?? (signal ? 1 : 0);
      stopAll('SIGTERM');
    }
  });
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    exiting = true;
    stopAll(signal);
  });
}
