import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import {
  endedSweepStatuses,
  extendableSweepStatuses,
  finishedTrialStatuses,
  objectiveMetrics,
  sweepStatuses,
  trialStatuses,
} from '@hypersweep/core';
import type { FastifyPluginAsync } from 'fastify';

// public/ sits beside src/ and dist/, so the same relative URL works from both.
const PUBLIC_DIR = fileURLToPath(new URL('../../public/', import.meta.url));
// The statuses as an ES module for the dashboard (no build step), from their one declaration.
const STATUSES_MODULE = [
  `export const sweepStatuses = ${JSON.stringify(sweepStatuses)};`,
  `export const trialStatuses = ${JSON.stringify(trialStatuses)};`,
  `export const endedSweepStatuses = ${JSON.stringify(endedSweepStatuses)};`,
  `export const extendableSweepStatuses = ${JSON.stringify(extendableSweepStatuses)};`,
  `export const finishedTrialStatuses = ${JSON.stringify(finishedTrialStatuses)};`,
  `export const objectiveMetrics = ${JSON.stringify(objectiveMetrics)};`,
  '',
].join('\n');
// uplot has no `exports` map: its `main` resolves to dist/uPlot.cjs.js, beside the ESM build and the CSS.
const UPLOT_DIST = dirname(createRequire(import.meta.url).resolve('uplot'));

/**
 * The live dashboard: static files (vanilla ES modules, no build step) at `/` that talk only to the public
 * REST API, `/statuses.js` (the sweep and trial statuses of @hypersweep/spec as an ES module), and uPlot's
 * ESM build and stylesheet at `/assets/uplot/`. None appears in the OpenAPI document
 * (@fastify/static hides its routes by default; schemaHide says so explicitly).
 */
export const dashboardRoutes: FastifyPluginAsync = async (app) => {
  await app.register(fastifyStatic, { root: PUBLIC_DIR, prefix: '/', schemaHide: true });
  app.get('/statuses.js', { schema: { hide: true } }, (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').send(STATUSES_MODULE),
  );
  await app.register(fastifyStatic, {
    root: UPLOT_DIST,
    prefix: '/assets/uplot/',
    allowedPath: (path) => path === '/uPlot.esm.js' || path === '/uPlot.min.css',
    schemaHide: true,
    // the first registration already added reply.sendFile
    decorateReply: false,
  });
};
