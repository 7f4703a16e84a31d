import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { benchmarksProfile, sweepBenchmark } from '../../domain/benchmark.js';
import { sendBenchmarkCsv, sendProfilesCsv } from '../../domain/csv-exports.js';
import { scopeOf } from '../../plugins/auth.js';
import { benchmarkSchema, benchmarksSchema } from './schemas.js';

/** A tune-then-evaluate sweep's answer, and performance profiles across the sweeps of several workloads. */
export const benchmarkRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const context = app.hypersweep;

  app.get('/v1/sweeps/:id/benchmark', { schema: benchmarkSchema }, async (request, reply) => {
    const benchmark = await sweepBenchmark(context, request.params.id);
    if (request.query.format === 'csv') return sendBenchmarkCsv(reply, benchmark);
    return benchmark;
  });

  app.get('/v1/benchmarks', { schema: benchmarksSchema }, async (request, reply) => {
    const { format, ...query } = request.query;
    const profiles = await benchmarksProfile(context, query, scopeOf(request));
    if (format === 'csv') return sendProfilesCsv(reply, profiles);
    return profiles;
  });
};
