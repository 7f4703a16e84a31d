import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// `npm start` runs the built services through scripts/start.js; the services are built by `npm test` first.
function start(env: Record<string, string>) {
  return spawnSync(process.execPath, [join(root, 'scripts/start.js')], {
    env: { ...process.env, ...env, PORT: '0', LOG_LEVEL: 'silent' },
    encoding: 'utf8',
    timeout: 30_000,
  });
}

describe('npm start with a store down', () => {
  it('exits non-zero with one line naming the Postgres URL it tried and how to start Postgres', () => {
    const run = start({ DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/hypersweep' });
    expect(run.status).not.toBe(0);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /cannot reach Postgres at postgresql:\/\/postgres@127\.0\.0\.1:1\/hypersweep .*pg_ctlcluster/,
    );
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('exits non-zero with one line naming the Redis URL it tried', () => {
    const run = start({ REDIS_URL: 'redis://127.0.0.1:1' });
    expect(run.status).not.toBe(0);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/cannot reach Redis at redis:\/\/127\.0\.0\.1:1 .*redis-server/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
