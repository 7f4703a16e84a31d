import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { readLrRangeTest } from '../src/lr-range-test-store.js';
import { listSweeps } from '../src/sweep-store.js';
import { seedSweep, useStoreDatabase } from './store-fixture.js';

describe('lr range tests in the store', () => {
  let pool: pg.Pool;
  useStoreDatabase((store) => {
    pool = store.pool;
  });

  it('is a sweep with settings, read with its trial and steps in order, and not listed among sweeps', async () => {
    const settings = { start_lr: 1e-7, end_lr: 10, steps: 3, mode: 'exp', smoothing: 0.98 };
    const test = await seedSweep(pool, 1, { name: 'lr test', lrRangeTest: settings });
    const sweep = await seedSweep(pool, 2);
    // written out of order, the NaN of a blown-up step included
    await pool.query(
      `INSERT INTO step_metrics (trial_id, step, epoch, loss, lr, lrs)
       VALUES ($1, 2, 0, 'NaN', 1e-3, '{1e-3}'), ($1, 1, 0, 2.5, 1e-7, '{1e-7}')`,
      [test.trialIds[0]],
    );
    const read = await readLrRangeTest(pool, test.sweepId);
    expect(read).toMatchObject({
      id: test.sweepId,
      name: 'lr test',
      status: 'queued',
      settings,
      trial: { id: test.trialIds[0], status: 'queued', stepsDone: 0, error: null },
    });
    expect(read!.steps[0]).toEqual({ step: 1, lr: 1e-7, loss: 2.5 });
    expect(read!.steps[1]!.step).toBe(2);
    expect(read!.steps[1]!.loss).toBeNaN();
    // a plain sweep is no range test; a range test is no sweep of the list
    expect(await readLrRangeTest(pool, sweep.sweepId)).toBeNull();
    const listed = (await listSweeps(pool, { limit: 50 })).map((s) => s.id);
    expect(listed).toContain(sweep.sweepId);
    expect(listed).not.toContain(test.sweepId);
  });
});
