import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Fault tests restart their stores. The machine's Postgres and Redis are shared with every other test
// (and other people), so each fault test file starts a Postgres cluster and a Redis of its own, on free
// ports under a temporary directory, restarts those, and removes them afterwards.

/** A free TCP port on 127.0.0.1 (asked of the kernel). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function postgresBin(tool: string): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const version of versions) {
    const path = join(root, version, 'bin', tool);
    if (existsSync(path)) return path;
  }
  return tool; // on PATH
}

const isRoot = process.getuid?.() === 0;
/** Postgres refuses to run as root: as root, run its tools as the postgres user. */
function asPostgres(tool: string, args: string[]): string {
  const bin = postgresBin(tool);
  const [cmd, argv] = isRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  return execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** How long a private store may take to start or stop before the test fails saying so. */
const STORE_WAIT_MS = 60_000;

export interface PrivateStores {
  postgresPort: number;
  redisPort: number;
  redisUrl: string;
  /** A URL for database `name` on the private cluster (created by db:migrate). */
  databaseUrl(name: string): string;
  stopPostgres(): void;
  startPostgres(): void;
  /** `pg_ctl restart -m fast`: every open connection ends ("terminating connection due to administrator command"). */
  restartPostgres(): void;
  /** `SHUTDOWN NOSAVE` then a fresh start: every key is gone, BullMQ jobs included. */
  restartRedis(): Promise<void>;
  stopRedis(): void;
  startRedis(): Promise<void>;
  close(): void;
}

export async function startPrivateStores(): Promise<PrivateStores> {
  const dir = mkdtempSync(join(tmpdir(), 'hypersweep-stores-'));
  const pgData = join(dir, 'pg');
  const [postgresPort, redisPort] = [await freePort(), await freePort()];
  if (isRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  asPostgres('initdb', ['-D', pgData, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  // Durability is not what these tests are about: no fsync keeps them fast on a busy machine. A fast
  // shutdown still writes everything, so a restart loses nothing.
  const pgOptions = `-p ${postgresPort} -k ${dir} -h 127.0.0.1 -c fsync=off -c full_page_writes=off -c synchronous_commit=off`;
  const pgCtl = (...args: string[]) => asPostgres('pg_ctl', ['-D', pgData, '-w', '-t', '60', ...args]);
  const startPostgres = () => pgCtl('-o', pgOptions, '-l', join(dir, 'postgres.log'), 'start');
  startPostgres();

  const redisCli = (...args: string[]) =>
    execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', String(redisPort), ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  const startRedis = async () => {
    execFileSync('redis-server', [
      '--port',
      String(redisPort),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'yes',
      '--dir',
      dir,
      '--pidfile',
      join(dir, 'redis.pid'),
      '--logfile',
      join(dir, 'redis.log'),
    ]);
    // Until it answers (on a busy machine that can take seconds); the bound only turns a hang into an error.
    const deadline = Date.now() + STORE_WAIT_MS;
    while (Date.now() < deadline) {
      try {
        if (redisCli('ping').trim() === 'PONG') return;
      } catch {}
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`private Redis on port ${redisPort} did not start within ${STORE_WAIT_MS} ms`);
  };
  const stopRedis = () => {
    try {
      redisCli('shutdown', 'nosave');
    } catch {} // the server closes the connection as it exits
    // Redis removes its pid file as it exits: wait for that, and say so if it never happens.
    const deadline = Date.now() + STORE_WAIT_MS;
    while (existsSync(join(dir, 'redis.pid'))) {
      if (Date.now() > deadline)
        throw new Error(`private Redis on port ${redisPort} did not stop within ${STORE_WAIT_MS} ms`);
      execFileSync('sleep', ['0.05']);
    }
  };
  await startRedis();

  return {
    postgresPort,
    redisPort,
    redisUrl: `redis://127.0.0.1:${redisPort}`,
    databaseUrl: (name) => `postgresql://postgres@127.0.0.1:${postgresPort}/${name}`,
    stopPostgres: () => pgCtl('-m', 'fast', 'stop'),
    startPostgres,
    restartPostgres: () => pgCtl('-m', 'fast', '-o', pgOptions, '-l', join(dir, 'postgres.log'), 'restart'),
    stopRedis,
    startRedis,
    async restartRedis() {
      stopRedis();
      await startRedis();
    },
    close() {
      try {
        stopRedis();
      } catch {} // cleaning up: the Postgres cluster and the folder go too
      try {
        pgCtl('-m', 'immediate', 'stop');
      } catch {} // already stopped
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
