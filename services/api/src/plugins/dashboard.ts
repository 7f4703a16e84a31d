import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';

// public/ sits beside src/ and dist/, so the same relative URL works from both.
const PUBLIC_DIR = fileURLToPath(new URL('../../public/', import.meta.url));
// uplot has no `exports` map: its `main` resolves to dist/uPlot.cjs.js, beside the ESM build and the CSS.
const UPLOT_DIST = dirname(createRequire(import.meta.url).resolve('uplot'));

/**
 * The live dashboard: static files (vanilla ES modules, no build step) at `/` that talk only to the public
 * REST API, and uPlot's ESM build and stylesheet at `/assets/uplot/`. Neither appears in the OpenAPI document
 * (@fastify/static hides its routes by default; schemaHide says so explicitly).
 */
export const dashboardRoutes: FastifyPluginAsync = async (app) => {
  await app.register(fastifyStatic, { root: PUBLIC_DIR, prefix: '/', schemaHide: true });
  await app.register(fastifyStatic, {
    root: UPLOT_DIST,
    prefix: '/assets/uplot/',
    allowedPath: (path) => path === '/uPlot.esm.js' || path === '/uPlot.min.css',
    schemaHide: true,
    // the first registration already added reply.sendFile
    decorateReply: false,
  });
};
