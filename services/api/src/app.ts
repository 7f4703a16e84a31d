import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import type { ApiConfig } from './config.js';
import { type ApiContext, contextPlugin, createApiContext } from './context.js';
import { installErrorHandler, requestIdOf } from './errors.js';
import { documentApiKeyAuth, installApiKeyAuth, installAuditLog } from './plugins/auth.js';
import { dashboardRoutes } from './plugins/dashboard.js';
import { installLimits } from './plugins/limits.js';
import { installMetrics } from './plugins/metrics.js';
import { benchmarkRoutes } from './routes/benchmarks/index.js';
import { catalogRoutes } from './routes/catalog/index.js';
import { comparisonRoutes } from './routes/comparisons/index.js';
import { datasetRoutes } from './routes/datasets/index.js';
import { eventRoutes } from './routes/events/index.js';
import { externalRoutes } from './routes/external/index.js';
import { healthRoutes } from './routes/health/index.js';
import { keyRoutes } from './routes/keys/index.js';
import { lrRangeTestRoutes } from './routes/lr-range-tests/index.js';
import { sweepRoutes } from './routes/sweeps/index.js';
import { trialRoutes } from './routes/trials/index.js';
import { ErrorResponse } from './schemas.js';

/** Of the style element Swagger UI's bundle inserts (see the swaggerUi registration below). */
const SWAGGER_UI_STYLE_HASH = 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w=';

export interface BuildAppOptions {
  config: ApiConfig;
  /** Reuse connections (tests); otherwise the app opens its own and closes them on close(). */
  context?: ApiContext;
  logger?: FastifyServerOptions['logger'];
}

/**
 * The whole API as one Fastify instance: external plugins (swagger) first, then the shared context
 * (decorated as `app.hypersweep`), then the routes. server.ts listens; tests call `app.inject` on the same app.
 */
export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const { config } = options;
  const app = Fastify({
    logger: options.logger ?? { level: config.logLevel },
    // Every log line of a request carries `requestId`, also in its answer's x-request-id (errors.ts).
    genReqId: requestIdOf,
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    bodyLimit: config.bodyLimit,
    ajv: {
      customOptions: {
        allErrors: true,
        coerceTypes: 'array',
        removeAdditional: false,
        // The named OpenAPI examples of a schema (schemas.ts withExamples): an annotation, nothing to check.
        keywords: ['x-examples'],
      },
    },
  }).withTypeProvider<TypeBoxTypeProvider>();
  const context = options.context ?? createApiContext(config, app.log);
  if (!options.context) app.addHook('onClose', () => context.close());

  installErrorHandler(app);
  app.addSchema(ErrorResponse);
  // Security headers on every answer; the Content-Security-Policy is the dashboard's (its scripts and
  // styles are files of its own; styles set from scripts go through CSSOM). Swagger UI's pages under /docs
  // get their own policy below, with the hashes of its inline script and style.
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
  });

  await app.register(swagger, {
    // Shared schemas (app.addSchema) are components named by their $id (ErrorResponse), not def-0.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
    openapi: {
      // 3.1: the spec schema uses JSON Schema 2020-12 (prefixItems for betas, type null for `schedulers: [null]`).
      openapi: '3.1.0',
      info: {
        title: 'hypersweep',
        description:
          'Hyperparameter sweeps over PyTorch-style optimizers and lr schedulers, trained on TensorFlow.js. Option names, defaults and numerics follow torch.optim (PyTorch 1.13).',
        version: '0.1.0',
        // The repository declares no license (package.json is private, there is no LICENSE file).
        license: { name: 'UNLICENSED' },
      },
      // Relative: the API is wherever this document is served from (`npm start`: http://localhost:3000).
      servers: [{ url: '/', description: 'The server that serves this document' }],
      tags: [
        { name: 'sweeps', description: 'Submit, list, inspect, cancel and delete sweeps' },
        { name: 'trials', description: 'Trials and their per-step metrics' },
        {
          name: 'external',
          description:
            'Train the trials of a sweep with workload.external yourself: claim, report, finish (the Python client and `hypersweep agent` speak it)',
        },
        {
          name: 'datasets',
          description: 'Upload, list, inspect and delete datasets for sweeps of your own model',
        },
        {
          name: 'lr-range-tests',
          description:
            "Smith's learning-rate range test (fastai's lr_find): the curve and the suggested learning rates",
        },
        { name: 'catalog', description: 'Optimizers, schedulers, workloads; schedule previews' },
        { name: 'health', description: 'Liveness, readiness and Prometheus metrics' },
        {
          name: 'access',
          description: 'API keys of projects (read, write, admin) and the audit log of every change',
        },
      ],
      components: {
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            description:
              "`Authorization: Bearer <key>`: a key made by `hypersweep keys create` / POST /v1/keys (`hs_...`, of one project, role read, write or admin), or one of the server's API_KEYS (global admins). Enforced once any key exists; with none (no API_KEYS, none created) every operation is open.",
          },
        },
      },
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    // Its own policy, less upgrade-insecure-requests (the API is served over plain http on localhost too,
    // where the upgrade would break every request of the page), plus the hash of the one style element the
    // swagger-ui-dist bundle of @fastify/swagger-ui 6.1.3 adds at run time (the dashboard test's
    // Content-Security-Policy check names a new hash if an upgrade changes it).
    staticCSP: true,
    transformStaticCSP: (header) =>
      header
        .replace(/\s*upgrade-insecure-requests;?/, '')
        .replace(/style-src 'self'/, `style-src 'self' '${SWAGGER_UI_STYLE_HASH}'`),
  });

  documentApiKeyAuth(app);
  installApiKeyAuth(app, context);
  installAuditLog(app, context);
  // Off unless CORS_ORIGINS lists the origins whose pages may call the API (with their keys).
  if (config.corsOrigins.length > 0)
    await app.register(cors, {
      origin: config.corsOrigins,
      allowedHeaders: ['authorization', 'content-type', 'x-request-id'],
      exposedHeaders: ['x-request-id', 'retry-after'],
    });
  await installLimits(app, context);
  await app.register(contextPlugin, { context });
  installMetrics(app, context);
  await app.register(healthRoutes);
  await app.register(catalogRoutes);
  await app.register(sweepRoutes);
  await app.register(trialRoutes);
  await app.register(externalRoutes);
  await app.register(comparisonRoutes);
  await app.register(benchmarkRoutes);
  await app.register(eventRoutes);
  await app.register(datasetRoutes);
  await app.register(lrRangeTestRoutes);
  await app.register(keyRoutes);
  await app.register(dashboardRoutes);
  return app;
}
