import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { cancelSweepRoutes } from './cancel.js';
import { createSweepRoute } from './create.js';
import { extendSweepRoute } from './extend.js';
import { readSweepRoutes } from './read.js';

/** Every route that submits, reads, grows, cancels or deletes a sweep (its comparisons and events apart). */
export const sweepRoutes: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(createSweepRoute);
  await app.register(readSweepRoutes);
  await app.register(cancelSweepRoutes);
  await app.register(extendSweepRoute);
};
