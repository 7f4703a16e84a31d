import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadWorkerConfig } from '@hypersweep/worker';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { dockerfile, repoRoot as root } from './dockerfiles.js';

// No Docker engine runs on these machines, so the deployment files are checked by reading them.
// merge: true resolves the `<<: *app-env` keys as Docker Compose does.
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true });
const services: Record<string, Record<string, any>> = compose.services;

/** An environment with compose's `${VAR:-default}` interpolations at their defaults. */
const composeDefaults = (env: Record<string, string>) =>
  Object.fromEntries(
    Object.entries(env).map(([k, v]) => [k, String(v).replace(/\$\{\w+:-([^}]*)\}/g, '$1')]),
  );

describe('docker-compose.yml', () => {
  it('has the services, with healthchecks on postgres, redis and api', () => {
    expect(Object.keys(services).sort()).toEqual([
      'api',
      'migrate',
      'postgres',
      'redis',
      'worker',
      'worker-gpu',
    ]);
    for (const name of ['postgres', 'redis', 'api']) expect(services[name]!.healthcheck?.test).toBeTruthy();
    expect(services.postgres!.volumes).toContain('pgdata:/var/lib/postgresql/data');
    expect(Object.keys(compose.volumes)).toEqual(expect.arrayContaining(['pgdata', 'redisdata']));
    expect(services.redis!.command.join(' ')).toContain('--appendonly yes');
  });

  it('starts api and workers only after healthy stores and a completed migration', () => {
    expect(services.migrate!.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(services.migrate!.restart).toBe('no');
    for (const name of ['api', 'worker', 'worker-gpu']) {
      expect(services[name]!.depends_on).toEqual({
        postgres: { condition: 'service_healthy' },
        redis: { condition: 'service_healthy' },
        migrate: { condition: 'service_completed_successfully' },
      });
    }
  });

  it('wires every app service to the compose postgres and redis', () => {
    const pg = services.postgres!.environment;
    const expectedUrl = `postgresql://${pg.POSTGRES_USER}:${pg.POSTGRES_PASSWORD}@postgres:5432/${pg.POSTGRES_DB}`;
    for (const name of ['migrate', 'api', 'worker', 'worker-gpu']) {
      expect(services[name]!.environment.DATABASE_URL).toBe(expectedUrl);
      if (name !== 'migrate') expect(services[name]!.environment.REDIS_URL).toBe('redis://redis:6379');
    }
    expect(services.api!.ports).toContain('3000:3000');
    expect(services.api!.environment.PORT).toBe('3000');
  });

  it('scales the CPU worker (no fixed name or host port) and keeps the GPU worker behind a profile with a device', () => {
    expect(services.worker!.container_name).toBeUndefined();
    expect(services.worker!.ports).toBeUndefined();
    expect(services.worker!.environment.TFJS_BACKEND).toBe('wasm');
    // `docker compose stop` waits stop_grace_period before SIGKILL: longer than the worker's own hand-back limit.
    for (const name of ['worker', 'worker-gpu']) {
      const graceMs = Number(/^(\d+)s$/.exec(services[name]!.stop_grace_period)![1]) * 1000;
      expect(graceMs, name).toBeGreaterThanOrEqual(
        loadWorkerConfig(composeDefaults(services[name]!.environment)).shutdownMs + 10_000,
      );
    }
    expect(services['worker-gpu']!.profiles).toEqual(['gpu']);
    expect(services['worker-gpu']!.environment.TFJS_BACKEND).toBe('node-gpu');
    expect(services['worker-gpu']!.deploy.resources.reservations.devices[0]).toMatchObject({
      driver: 'nvidia',
      capabilities: ['gpu'],
    });
  });

  it('builds from Dockerfiles that exist, each multi-stage, non-root, with a production install', () => {
    for (const [name, service] of Object.entries(services)) {
      if (!service.build) continue;
      const path = service.build.dockerfile as string;
      expect(existsSync(join(root, service.build.context, path)), `${name}: ${path}`).toBe(true);
      const stages = dockerfile(path);
      expect(stages.length, path).toBeGreaterThanOrEqual(2);
      const runtime = stages.at(-1)!;
      expect(
        runtime.lines.some((l) => /^USER\s+(?!root)\S+/.test(l)),
        `${path} runs as non-root`,
      ).toBe(true);
      expect(
        runtime.lines.some((l) => /npm ci[^&]*--omit=dev/.test(l)),
        `${path} installs --omit=dev`,
      ).toBe(true);
      for (const line of [...stages.flatMap((s) => s.lines)]) {
        const copy = /^COPY\s+(?!--from)(.+)\s+\S+$/.exec(line);
        if (!copy) continue;
        for (const source of copy[1]!.split(/\s+/))
          expect(existsSync(join(root, source)), `${path}: ${source}`).toBe(true);
      }
      const cmd = runtime.lines.find((l) => l.startsWith('CMD'))!;
      const script = JSON.parse(cmd.slice(3).trim())[1] as string;
      expect(
        existsSync(join(root, script.replace('/dist/', '/src/').replace(/\.js$/, '.ts'))),
        `${path}: ${script}`,
      ).toBe(true);
    }
  });

  it('installs tfjs-node-gpu on a CUDA base image in the GPU worker', () => {
    const stages = dockerfile('docker/worker-gpu.Dockerfile');
    expect(stages[0]!.from).toMatch(/^nvidia\/cuda:11\.\d+\.\d+-cudnn8-runtime/);
    expect(stages.at(-1)!.lines.join('\n')).toContain('npm rebuild @tensorflow/tfjs-node-gpu');
  });
});
