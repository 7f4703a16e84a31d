import {
  endedSweepStatuses,
  extendableSweepStatuses,
  objectiveMetrics,
  sweepStatuses,
  trialStatuses,
} from '@hypersweep/core';
import { createTestDatabase, type TestDatabase } from '@hypersweep/db/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadApiConfig } from '../src/config.js';

describe('GET /statuses.js', () => {
  let db: TestDatabase;
  let app: FastifyInstance;
  beforeAll(async () => {
    db = await createTestDatabase();
    app = await buildApp({ config: loadApiConfig({ DATABASE_URL: db.url }), logger: false });
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it("serves the dashboard the spec's status lists as an ES module", async () => {
    const res = await app.inject('/statuses.js');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/javascript/);
    const module = await import(`data:text/javascript,${encodeURIComponent(res.body)}`);
    expect(module).toMatchObject({
      sweepStatuses: [...sweepStatuses],
      trialStatuses: [...trialStatuses],
      endedSweepStatuses: [...endedSweepStatuses],
      extendableSweepStatuses: [...extendableSweepStatuses],
      objectiveMetrics: [...objectiveMetrics],
    });
  });
});
