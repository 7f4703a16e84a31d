import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadApiConfig } from '@hypersweep/api';
import {
  applyMigrations,
  DEFAULT_DATABASE_URL,
  databaseUrlFromEnv,
  dropDatabase,
  ensureDatabase,
  withDatabase,
} from '@hypersweep/db';
import { createRedis, TRIAL_QUEUE_NAME } from '@hypersweep/queue';
import { packedByDefault } from '@hypersweep/trainer';
import { AUTO_PACK_SIZE, loadWorkerConfig } from '@hypersweep/worker';
import * as keda from '@kubernetes-models/keda/keda.sh/v1alpha1';
import * as apps from 'kubernetes-models/apps/v1';
import * as autoscaling from 'kubernetes-models/autoscaling/v2';
import * as batch from 'kubernetes-models/batch/v1';
import * as policy from 'kubernetes-models/policy/v1';
import * as core from 'kubernetes-models/v1';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { dockerfile, repoRoot } from './dockerfiles.js';
import { type Stack, startStack, waitFor } from './helpers.js';
import {
  containersOf,
  type K8sObject,
  podSpec,
  renderKustomization,
  splitImage,
  type Yaml,
} from './kustomize.js';

// No cluster here: what `kubectl apply -k` would send is rendered (tests/kustomize.ts) from the very files
// users apply, validated against the Kubernetes and KEDA OpenAPI schemas, and its values checked against
// what the services read. The scaler's metric and the SIGTERM hand-back are then run for real.
const K8S = join(repoRoot, 'deploy/kubernetes');
/** What users apply, and the Secret each expects (the base's is theirs to create, from the example). */
const targets = {
  base: { dir: 'base', secretFrom: 'secret.example.yaml' },
  'overlays/try-it': { dir: 'overlays/try-it', secretFrom: null },
  'overlays/gpu': { dir: 'overlays/gpu', secretFrom: 'secret.example.yaml' },
} as const;
type Target = keyof typeof targets;

const rendered = Object.fromEntries(
  Object.entries(targets).map(([name, t]) => [name, renderKustomization(join(K8S, t.dir))]),
) as Record<Target, K8sObject[]>;
const exampleSecret = parseAllDocuments(readFileSync(join(K8S, 'secret.example.yaml'), 'utf8'))[0]!.toJS();

/** The typed model of each apiVersion + kind, from kubernetes-models and @kubernetes-models/keda. */
const models: Record<string, Record<string, Yaml>> = {
  v1: core,
  'apps/v1': apps,
  'batch/v1': batch,
  'autoscaling/v2': autoscaling,
  'policy/v1': policy,
  'keda.sh/v1alpha1': keda,
};

const find = (objects: K8sObject[], kind: string, name: string) => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found;
};
const all = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);

/** The Secret a target's pods read: rendered with it (in-cluster stores) or the example users copy. */
function secretOf(target: Target, name: string): Record<string, string> {
  const secret =
    targets[target].secretFrom === null
      ? find(rendered[target], 'Secret', name)
      : name === exampleSecret.metadata.name
        ? exampleSecret
        : undefined;
  if (!secret) throw new Error(`${target}: no Secret ${name}`);
  return { ...(secret.stringData ?? {}) };
}

/** A container's environment as the process sees it, secrets resolved. */
function envOf(target: Target, container: Record<string, Yaml>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) Object.assign(env, secretOf(target, source.secretRef.name));
  for (const entry of container.env ?? []) {
    if (entry.value !== undefined) env[entry.name] = String(entry.value);
    else {
      const ref = entry.valueFrom.secretKeyRef;
      const secret = secretOf(target, ref.name);
      if (!(ref.key in secret)) throw new Error(`${target}: Secret ${ref.name} has no key ${ref.key}`);
      env[entry.name] = secret[ref.key]!;
    }
  }
  return env;
}

/** The Dockerfile an image is built from: hypersweep-<x> from docker/<x>.Dockerfile. */
function dockerfileOf(image: string): string {
  const name = splitImage(image)[0].split('/').at(-1)!;
  const match = /^hypersweep-(.+)$/.exec(name);
  if (!match) throw new Error(`image ${image} is not one of docker/'s`);
  return `docker/${match[1]}.Dockerfile`;
}

/** The script a container runs: its command, else its image's CMD. */
function scriptOf(container: Record<string, Yaml>): string {
  const command: string[] =
    container.command ??
    JSON.parse(
      dockerfile(dockerfileOf(container.image))
        .at(-1)!
        .lines.find((l) => l.startsWith('CMD'))!
        .slice(3),
    );
  expect(command[0]).toBe('node');
  return command[1]!;
}

/** The environment variables each script reads, recorded by running its real config loader on the env. */
const readers: Record<string, (env: NodeJS.ProcessEnv) => unknown> = {
  'services/api/dist/server.js': loadApiConfig,
  'services/worker/dist/main.js': loadWorkerConfig,
  'packages/db/dist/cli/migrate.js': databaseUrlFromEnv,
  'packages/db/dist/cli/wait-migrated.js': databaseUrlFromEnv,
};
function namesRead(script: string, env: Record<string, string>): Set<string> {
  const read = new Set<string>();
  const reader = readers[script];
  if (!reader) throw new Error(`no config loader known for ${script}`);
  reader(
    new Proxy(env, {
      get(target, key) {
        if (typeof key === 'string') read.add(key);
        return target[key as string];
      },
    }),
  );
  return read;
}

/** Trials one worker pod trains at once: WORKER_CONCURRENCY threads × the pack size its backend uses. */
function slotsOf(env: Record<string, string>): number {
  const config = loadWorkerConfig(env);
  const backend = config.backend as keyof typeof packedByDefault;
  const pack =
    config.packSize === 'auto'
      ? backend in packedByDefault && packedByDefault[backend]
        ? AUTO_PACK_SIZE
        : 1
      : config.packSize;
  return config.concurrency * pack;
}

/** KEDA's metrics-api scaler on format: prometheus: the first sample of the metric the selector names. */
function kedaValue(exposition: string, valueLocation: string): number {
  const selector = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?$/.exec(valueLocation);
  if (!selector) throw new Error(`valueLocation ${valueLocation} is not a metric selector`);
  const wanted = (selector[2] ?? '').split(',').filter(Boolean);
  for (const line of exposition.split('\n')) {
    const sample = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample || sample[1] !== selector[1]) continue;
    const labels = (sample[2] ?? '').split(',');
    if (wanted.every((w) => labels.includes(w))) return Number(sample[3]);
  }
  throw new Error(`value ${valueLocation} not found`); // KEDA's error: the scaler then keeps the replicas it has
}

describe('deploy/kubernetes', () => {
  it('renders what each target applies, every object valid against the Kubernetes and KEDA schemas', () => {
    const names = (target: Target) => rendered[target].map((o) => `${o.kind}/${o.metadata.name}`).sort();
    const base = [
      'Deployment/hypersweep-api',
      'Deployment/hypersweep-worker',
      'HorizontalPodAutoscaler/hypersweep-api',
      'Job/hypersweep-migrate',
      'Namespace/hypersweep',
      'PodDisruptionBudget/hypersweep-api',
      'PodDisruptionBudget/hypersweep-worker',
      'ScaledObject/hypersweep-worker',
      'Service/hypersweep-api',
    ];
    expect(names('base')).toEqual(base);
    expect(names('overlays/try-it')).toEqual(
      [
        ...base,
        'Deployment/redis',
        'Secret/hypersweep',
        'Secret/hypersweep-postgres',
        'Service/postgres',
        'Service/redis',
        'StatefulSet/postgres',
      ].sort(),
    );
    expect(names('overlays/gpu')).toEqual(
      [...base, 'Deployment/hypersweep-worker-gpu', 'ScaledObject/hypersweep-worker-gpu'].sort(),
    );
    for (const [target, objects] of Object.entries(rendered)) {
      for (const object of [...objects, exampleSecret]) {
        const model = models[object.apiVersion]?.[object.kind];
        expect(model, `${target}: a schema for ${object.apiVersion} ${object.kind}`).toBeTypeOf('function');
        expect(
          () => new model(object).validate(),
          `${target}: ${object.kind}/${object.metadata.name}`,
        ).not.toThrow();
        if (object.kind !== 'Namespace') expect(object.metadata.namespace).toBe('hypersweep');
      }
    }
    // The schemas catch a wrong type (a string port), so passing them means something.
    const api = structuredClone(find(rendered.base, 'Deployment', 'hypersweep-api'));
    podSpec(api)!.containers[0].ports[0].containerPort = 'http';
    expect(() => new apps.Deployment(api).validate()).toThrow(/containerPort/);
    const scaled = structuredClone(find(rendered.base, 'ScaledObject', 'hypersweep-worker'));
    scaled.spec.triggers[0].metadata.targetValue = 2;
    expect(() => new keda.ScaledObject(scaled as keda.IScaledObject).validate()).toThrow(/targetValue/);
  });

  it('runs images built from docker/, as their users, with env names the services read and secrets that exist', () => {
    for (const target of Object.keys(targets) as Target[]) {
      for (const object of rendered[target]) {
        for (const container of containersOf(object)) {
          const where = `${target} ${object.kind}/${object.metadata.name} ${container.name}`;
          const env = envOf(target, container);
          if (!container.image.startsWith('registry.example.com/hypersweep/')) {
            // The in-cluster stores: official images, nothing of ours.
            expect(['postgres:15', 'redis:7'], where).toContain(container.image);
            continue;
          }
          expect(splitImage(container.image)[1], where).toBe('0.1.0');
          const stages = dockerfile(dockerfileOf(container.image));
          const script = scriptOf(container);
          expect(
            readFileSync(join(repoRoot, script.replace('/dist/', '/src/').replace(/\.js$/, '.ts'))),
            where,
          ).toBeTruthy();
          const read = namesRead(script, env);
          for (const name of Object.keys(env)) expect(read, `${where} sets ${name}`).toContain(name);
          expect(env.DATABASE_URL, where).toMatch(/^postgresql:\/\//);
          // runAsNonRoot needs a numeric user: the one the image's Dockerfile switches to.
          const runtime = stages.at(-1)!.lines.join('\n');
          const user = /^USER (\S+)$/m.exec(runtime)![1]!;
          const uid = user === 'node' ? 1000 : Number(new RegExp(`--uid (\\d+) ${user}`).exec(runtime)?.[1]);
          expect(podSpec(object)!.securityContext, where).toMatchObject({
            runAsNonRoot: true,
            runAsUser: uid,
          });
        }
      }
    }
    // The in-cluster DATABASE_URL is the in-cluster Postgres, with its credentials.
    const pgEnv = secretOf('overlays/try-it', 'hypersweep-postgres');
    const service = find(rendered['overlays/try-it'], 'Service', 'postgres');
    expect(secretOf('overlays/try-it', 'hypersweep').DATABASE_URL).toBe(
      `postgresql://${pgEnv.POSTGRES_USER}:${pgEnv.POSTGRES_PASSWORD}@postgres:${service.spec.ports[0].port}/${pgEnv.POSTGRES_DB}`,
    );
    expect(secretOf('overlays/try-it', 'hypersweep').REDIS_URL).toBe(
      `redis://redis:${find(rendered['overlays/try-it'], 'Service', 'redis').spec.ports[0].port}`,
    );
  });

  it('probes the API routes on the port it listens on, behind a Service, an HPA on CPU and a PDB', async () => {
    const objects = rendered.base;
    const api = find(objects, 'Deployment', 'hypersweep-api');
    const container = podSpec(api)!.containers.find((c: Yaml) => c.name === 'api');
    const port = loadApiConfig(envOf('base', container)).port;
    const named = (name: string) => container.ports.find((p: Yaml) => p.name === name).containerPort;
    expect(container.readinessProbe.httpGet.path).toBe('/ready');
    expect(container.livenessProbe.httpGet.path).toBe('/health');
    for (const probe of [container.readinessProbe, container.livenessProbe])
      expect(named(probe.httpGet.port)).toBe(port);
    // The routes answer on the real API (its stores up): 200 on both paths the probes ask.
    const stack = await startStack();
    try {
      for (const path of [container.readinessProbe.httpGet.path, container.livenessProbe.httpGet.path])
        expect((await stack.app.inject(path)).statusCode, path).toBe(200);
    } finally {
      await stack.close();
    }
    const service = find(objects, 'Service', 'hypersweep-api');
    expect(service.spec.selector).toEqual(api.spec.selector.matchLabels);
    expect(named(service.spec.ports[0].targetPort)).toBe(port);
    const hpa = find(objects, 'HorizontalPodAutoscaler', 'hypersweep-api');
    expect(hpa.spec.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'hypersweep-api',
    });
    expect(hpa.spec.metrics[0].resource.name).toBe('cpu');
    expect(container.resources.requests.cpu).toBeTruthy(); // CPU utilization needs a request
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(find(objects, 'PodDisruptionBudget', 'hypersweep-api').spec).toMatchObject({
      minAvailable: 1,
      selector: api.spec.selector,
    });
    // The autoscalers own the replicas: a re-apply must not reset them.
    for (const d of all(rendered['overlays/gpu'], 'Deployment'))
      expect(d.spec.replicas, d.metadata.name).toBeUndefined();
  });

  it('starts the API and workers only after the migration Job, in init containers that wait for it', () => {
    const job = find(rendered.base, 'Job', 'hypersweep-migrate');
    expect(scriptOf(podSpec(job)!.containers[0])).toBe('packages/db/dist/cli/migrate.js');
    expect(podSpec(job)!.restartPolicy).toBe('Never');
    for (const object of all(rendered['overlays/gpu'], 'Deployment')) {
      const init = podSpec(object)!.initContainers;
      expect(init, object.metadata.name).toHaveLength(1);
      expect(scriptOf(init[0]), object.metadata.name).toBe('packages/db/dist/cli/wait-migrated.js');
      // Same image as the main container: it checks the migrations that image was built with.
      expect(init[0].image).toBe(podSpec(object)!.containers[0].image);
    }
  });

  it('gives every worker a grace period longer than its own SIGTERM shutdown limit, and the GPU worker a GPU', () => {
    const workers = all(rendered['overlays/gpu'], 'Deployment').filter((d) =>
      d.metadata.name.includes('worker'),
    );
    expect(workers.map((w) => w.metadata.name).sort()).toEqual([
      'hypersweep-worker',
      'hypersweep-worker-gpu',
    ]);
    for (const worker of workers) {
      const container = podSpec(worker)!.containers[0];
      const config = loadWorkerConfig(envOf('overlays/gpu', container));
      const graceMs = podSpec(worker)!.terminationGracePeriodSeconds * 1000;
      // The worker exits by shutdownMs at the latest (handed back, or giving up); 10 s for the process to end.
      expect(graceMs, worker.metadata.name).toBeGreaterThanOrEqual(config.shutdownMs + 10_000);
      // Its dataset cache stays under the volume's size limit.
      const volume = podSpec(worker)!.volumes.find((v: Yaml) => v.name === container.volumeMounts[0].name);
      expect(config.datasetCacheDir.startsWith(container.volumeMounts[0].mountPath)).toBe(true);
      expect(config.datasetCacheMaxBytes).toBeLessThan(
        Number.parseInt(volume.emptyDir.sizeLimit, 10) * 1024 ** 3,
      );
    }
    const gpu = podSpec(find(rendered['overlays/gpu'], 'Deployment', 'hypersweep-worker-gpu'))!;
    expect(gpu.containers[0].resources.limits['nvidia.com/gpu']).toBe(1);
    expect(gpu.nodeSelector).toBeTruthy();
    expect(loadWorkerConfig(envOf('overlays/gpu', gpu.containers[0])).backend).toBe('node-gpu');
  });

  it('scales each worker Deployment from zero on the API metric, one pod per trials it trains at once', () => {
    const objects = rendered['overlays/gpu'];
    const service = find(objects, 'Service', 'hypersweep-api');
    for (const scaled of all(objects, 'ScaledObject')) {
      const target = find(objects, 'Deployment', scaled.spec.scaleTargetRef.name);
      expect(scaled.spec.minReplicaCount).toBe(0);
      expect(scaled.spec.triggers).toHaveLength(1);
      const trigger = scaled.spec.triggers[0];
      expect(trigger.type).toBe('metrics-api');
      expect(trigger.metadata.format).toBe('prometheus');
      expect(trigger.metadata.valueLocation).toBe('hypersweep_queue_jobs_unfinished');
      // The API Service, by its name in the namespace everything is applied to, on its port.
      const url = new URL(trigger.metadata.url);
      expect(url.hostname).toBe(`${service.metadata.name}.${service.metadata.namespace}.svc`);
      expect(Number(url.port)).toBe(service.spec.ports[0].port);
      expect(url.pathname).toBe('/metrics');
      expect(Number(trigger.metadata.targetValue), target.metadata.name).toBe(
        slotsOf(envOf('overlays/gpu', podSpec(target)!.containers[0])),
      );
    }
  });
});

describe('the metric KEDA scales workers on, against the real queue', () => {
  let stack: Stack;
  let cacheDir: string;
  beforeAll(async () => {
    stack = await startStack();
    cacheDir = mkdtempSync(join(tmpdir(), 'hs-k8s-cache-'));
  });
  afterAll(async () => {
    await stack?.close();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('counts trials from enqueue to finish, handed-back ones included; the worker hands back within its limit', async () => {
    const scaled = find(rendered.base, 'ScaledObject', 'hypersweep-worker');
    const { valueLocation } = scaled.spec.triggers[0].metadata;
    const metric = async () => kedaValue((await stack.app.inject('/metrics')).body, valueLocation);
    const redis = createRedis(stack.env.REDIS_URL!);
    const key = (name: string) => `${stack.prefix}:${TRIAL_QUEUE_NAME}:${name}`;
    const keys = async () => ({
      wait: await redis.llen(key('wait')),
      active: await redis.llen(key('active')),
      delayed: await redis.zcard(key('delayed')),
      prioritized: await redis.zcard(key('prioritized')),
    });
    const db = new pg.Client({ connectionString: stack.db.url });
    await db.connect();
    try {
      expect(await metric()).toBe(0);
      const created = await stack.app.inject({
        method: 'POST',
        url: '/v1/sweeps',
        payload: {
          workload: 'rosenbrock',
          training: { epochs: 4000 },
          optimizers: [{ type: 'Adam', lr: [0.001, 0.002, 0.003] }],
        },
      });
      expect(created.statusCode, created.body).toBe(201);
      const sweepId = created.json().id;
      // Enqueued through the real queue code: BullMQ's wait list grows, and so does the metric.
      await waitFor(async () => ((await metric()) === 3 ? true : undefined), 'the metric to count 3 trials');
      expect(await keys()).toEqual({ wait: 3, active: 0, delayed: 0, prioritized: 0 });

      // A worker as the manifest runs it (2 trials at once, its shutdown limit) takes two: the wait list
      // shrinks, the metric does not (they are not finished), so KEDA keeps the busy pod.
      const manifestEnv = envOf(
        'base',
        podSpec(find(rendered.base, 'Deployment', 'hypersweep-worker'))!.containers[0],
      );
      const workerEnv = { ...manifestEnv, ...stack.env, DATASET_CACHE_DIR: cacheDir, LOG_LEVEL: 'warn' };
      const first = stack.spawnWorker({ ...workerEnv, WORKER_ID: 'scaled-down' });
      const running = async () =>
        (
          await db.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM trials WHERE sweep_id = $1 AND status = 'running' AND steps_done > 50`,
            [sweepId],
          )
        ).rows[0]!.n;
      await waitFor(async () => ((await running()) === 2 ? true : undefined), 'two trials training');
      expect(await keys()).toMatchObject({ wait: 1, active: 2 });
      expect(await metric()).toBe(3);

      // Scale-down: the kubelet sends SIGTERM. The worker hands both trials back and exits 0 (1 would mean
      // it hit WORKER_SHUTDOWN_MS, which the grace period outlasts: the test above).
      first.kill('SIGTERM');
      expect(await new Promise((resolve) => first.once('exit', resolve))).toBe(0);
      const { rows } = await db.query(
        `SELECT status, count(*)::int AS n FROM trials WHERE sweep_id = $1 GROUP BY 1`,
        [sweepId],
      );
      expect(rows).toEqual([{ status: 'queued', n: 3 }]);
      // Handed-back jobs sit in the delayed set: the wait list alone says 1, the metric says 3, so with
      // zero workers left KEDA still starts one for them.
      expect(await keys()).toEqual({ wait: 1, active: 0, delayed: 2, prioritized: 0 });
      expect(await metric()).toBe(3);

      // The worker KEDA starts finishes them all; only then does the metric reach 0 (scale to zero).
      stack.spawnWorker({ ...workerEnv, WORKER_ID: 'scaled-up' });
      await waitFor(
        async () => {
          const { rows: done } = await db.query(
            `SELECT count(*)::int AS n FROM trials WHERE sweep_id = $1 AND status = 'completed'`,
            [sweepId],
          );
          return done[0].n === 3 ? true : undefined;
        },
        'the three trials to complete',
        180_000,
      );
      await waitFor(async () => ((await metric()) === 0 ? true : undefined), 'the metric to fall to 0');
      expect(await keys()).toEqual({ wait: 0, active: 0, delayed: 0, prioritized: 0 });
    } finally {
      await db.end();
      redis.disconnect();
    }
  }, 300_000);
});

describe('wait-migrated (the init container)', () => {
  it('waits while migrations are missing and exits 0 once the migration Job applied them', async () => {
    const server = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
    const url = withDatabase(server, `hypersweep_test_wait_${process.pid}_${Date.now()}`);
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [join(repoRoot, 'packages/db/dist/cli/wait-migrated.js')], {
      env: { ...process.env, DATABASE_URL: url },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      await waitFor(async () => (out.includes('waiting for migrations') ? true : undefined), 'it to wait');
      expect(child.exitCode).toBeNull();
      await ensureDatabase(url);
      await applyMigrations(url);
      expect(await exited).toBe(0);
      expect(out).toContain('migrations applied');
    } finally {
      child.kill('SIGKILL');
      await dropDatabase(url);
    }
  });
});
