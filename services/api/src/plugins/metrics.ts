import { countAllTrialsByStatus } from '@hypersweep/db';
import { rowsWrittenKey, UNFINISHED_JOB_STATES } from '@hypersweep/queue';
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { Type } from 'typebox';
import type { ApiContext } from '../context.js';
import { errorResponses } from '../schemas.js';

/**
 * Prometheus metrics at GET /metrics: HTTP requests and latency by route, queue depth by state (and the
 * unfinished jobs KEDA scales workers on: deploy/kubernetes), trials by status, and the step-metric rows all workers have written (a Redis counter the workers increment).
 */
export function installMetrics(app: FastifyInstance, context: ApiContext): void {
  const registry = new Registry();
  const requests = new Counter({
    name: 'hypersweep_http_requests_total',
    help: 'HTTP requests by method, route and status code',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'hypersweep_http_request_duration_seconds',
    help: 'HTTP request duration by method and route',
    labelNames: ['method', 'route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  new Gauge({
    name: 'hypersweep_queue_jobs',
    help: 'Trial jobs in the queue by state',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const counts = await context.trialQueue
        .getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized')
        .catch(() => ({})); // Redis down: none
      for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
    },
  });
  new Gauge({
    name: 'hypersweep_queue_jobs_unfinished',
    help: 'Trial jobs waiting, prioritized, delayed (handed back, retrying) or active: what workers autoscale on',
    registers: [registry],
    async collect() {
      // Redis down: no sample at all (not 0, which would scale every worker away).
      this.reset();
      const counts = await context.trialQueue.getJobCounts(...UNFINISHED_JOB_STATES).catch(() => null);
      if (counts) this.set(Object.values(counts).reduce((sum, n) => sum + n, 0));
    },
  });
  new Gauge({
    name: 'hypersweep_trials',
    help: 'Trials by status',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      this.reset();
      const counts = await countAllTrialsByStatus(context.pool).catch(() => ({})); // Postgres down: none
      for (const [status, n] of Object.entries(counts)) this.set({ status }, n);
    },
  });
  new Gauge({
    name: 'hypersweep_metric_rows_written_total',
    help: 'Step-metric rows written to Postgres by all workers',
    registers: [registry],
    async collect() {
      const written = await context.redis.get(rowsWrittenKey(context.config.queuePrefix)).catch(() => null);
      if (written !== null) this.set(Number(written));
    },
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    latency.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });

  app.get(
    '/metrics',
    {
      schema: {
        operationId: 'getMetrics',
        tags: ['health'],
        summary: 'Prometheus metrics (text exposition format)',
        response: {
          200: {
            description: 'Prometheus text exposition format 0.0.4',
            content: { 'text/plain': { schema: Type.String() } },
          },
          ...errorResponses([500]),
        },
      },
    },
    async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()),
  );
}
