import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from './generated/prisma/client.js';

export type { EpochMetric, StepMetric, Sweep, Trial } from './generated/prisma/client.js';
export { Prisma, PrismaClient } from './generated/prisma/client.js';
export { ObjectiveMode, SweepStatus, TrialStatus } from './generated/prisma/enums.js';

/** Prisma Client over node-postgres (Prisma 7's driver-adapter runtime: no native engine). */
export function createPrismaClient(databaseUrl: string, options: { max?: number } = {}): PrismaClient {
  return new PrismaClient({
    adapter: new PrismaPg({ connectionString: databaseUrl, max: options.max ?? 10 }),
  });
}

/** A plain node-postgres pool, for the bulk statements Prisma has no API for (unnest inserts, aggregates). */
export function createPool(databaseUrl: string, options: { max?: number } = {}): pg.Pool {
  return new pg.Pool({ connectionString: databaseUrl, max: options.max ?? 10 });
}
