#!/usr/bin/env node
// `npm start`: the API and one worker as child processes of this one, supervised. A child that dies
// after it has started (a crash, an OOM kill, a store it could not reach on a restart) is started again
// after 1 s, 2 s, 4 s, ... (at most 30 s; the delay resets once a child has run a minute), with a log
// line each time. `npm start` exits only on Ctrl-C / SIGTERM (stopping both children: the worker hands
// its running trials back to the queue) or when a child cannot start at all (it exits before it was
// ever ready, e.g. a bad setting): then with that child's code and its one-line message.
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

const MIN_DELAY_MS = 1000;
const MAX_DELAY_MS = 30_000;
const HEALTHY_AFTER_MS = 60_000;

const log = (line) => console.error(`hypersweep: ${line}`);
let stopping = false;

class Supervised {
  constructor(name, script) {
    this.name = name;
    this.script = script;
    this.process = null;
    this.everReady = false;
    this.failures = 0;
    this.timer = null;
  }

  start() {
    this.startedAt = Date.now();
    const child = spawn(process.execPath, [join(root, this.script)], {
      stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    });
    this.process = child;
    child.on('message', (message) => {
      if (message?.type !== 'ready') return;
      if (this.everReady && this.failures > 0) log(`${this.name} is back (pid ${child.pid})`);
      this.everReady = true;
    });
    child.on('exit', (code, signal) => this.exited(code, signal));
  }

  exited(code, signal) {
    this.process = null;
    if (stopping) return maybeDone();
    const how = signal ? `signal ${signal}` : `code ${code}`;
    if (!this.everReady) {
      // It never came up: restarting would fail the same way. Its own message said why.
      log(`${this.name} could not start (${how}); stopping`);
      process.exitCode = code || 1;
      return stopAll('SIGTERM');
    }
    if (Date.now() - this.startedAt > HEALTHY_AFTER_MS) this.failures = 0;
    const delay = Math.min(MAX_DELAY_MS, MIN_DELAY_MS * 2 ** this.failures);
    this.failures++;
    log(`${this.name} exited (${how}); restarting in ${delay / 1000}s (restart ${this.failures})`);
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!stopping) this.start();
    }, delay);
  }

  stop(signal) {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.process && this.process.exitCode === null) this.process.kill(signal);
  }
}

const children = [
  new Supervised('api', 'services/api/dist/server.js'),
  new Supervised('worker', 'services/worker/dist/main.js'),
];

function stopAll(signal) {
  stopping = true;
  for (const child of children) child.stop(signal);
  maybeDone();
}

function maybeDone() {
  if (children.every((child) => child.process === null)) process.exit();
}

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => stopAll(signal));
for (const child of children) child.start();
