import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { claimExternalTrial, failLostExternalTrials } from '../src/external-store.js';
import { insertSweep } from '../src/sweep-store.js';
import { claimTrial, queuedTrialsOfLiveSweeps, reclaimExpiredTrials } from '../src/trial-store.js';
import { newSweep, seedSweep, useStoreDatabase } from './store-fixture.js';

// The statements of external trials, and the service's own statements leaving them alone.
describe('external trial store', () => {
  let pool: pg.Pool;
  useStoreDatabase((store) => {
    pool = store.pool;
  });

  const enqueue = (ids: { sweepId: string; trialIds: string[] }) => [
    { kind: 'enqueue' as const, trials: ids.trialIds.map((trialId) => ({ trialId, sweepId: ids.sweepId })) },
  ];

  it('writes no enqueue message, and no worker, reconciler pass or expiry takes its trials', async () => {
    const sweep = await insertSweep(pool, newSweep(2, { external: true }), enqueue);
    expect(sweep.outbox).toEqual([]);
    expect(await claimTrial(pool, sweep.trialIds[0]!, 'worker-1')).toBeNull();
    const queued = await queuedTrialsOfLiveSweeps(pool, { limit: 100 });
    expect(queued.map((ref) => ref.sweepId)).not.toContain(sweep.sweepId);
    const claimed = await claimExternalTrial(pool, sweep.sweepId, 'agent', 60_000, 5);
    expect(claimed).toMatchObject({ id: sweep.trialIds[0], index: 0, resumeFrom: 0 });
    // Its heartbeat is old by the worker's lease: the reconciler still leaves it to its trainer.
    await pool.query("UPDATE trials SET heartbeat_at = now() - interval '1 hour' WHERE id = $1", [
      claimed!.id,
    ]);
    const reclaimed = await reclaimExpiredTrials(pool, 1000);
    expect(reclaimed.requeued.map((ref) => ref.trialId)).not.toContain(claimed!.id);
    const { rows } = await pool.query('SELECT status FROM trials WHERE id = $1', [claimed!.id]);
    expect(rows[0].status).toBe('running');
  });

  it('claims each trial once across concurrent claims; an expired lease is taken over and counted lost', async () => {
    const sweep = await seedSweep(pool, 3, { external: true });
    const claims = await Promise.all(
      Array.from({ length: 5 }, (_, i) => claimExternalTrial(pool, sweep.sweepId, `agent-${i}`, 60_000, 5)),
    );
    const taken = claims.filter((claim) => claim !== null).map((claim) => claim!.id);
    expect(taken.sort()).toEqual([...sweep.trialIds].sort());
    await pool.query("UPDATE trials SET heartbeat_at = now() - interval '2 minutes' WHERE id = $1", [
      sweep.trialIds[1],
    ]);
    const again = await claimExternalTrial(pool, sweep.sweepId, 'agent-x', 60_000, 5);
    expect(again?.id).toBe(sweep.trialIds[1]);
    const { rows } = await pool.query('SELECT lost, worker_id FROM trials WHERE id = $1', [
      sweep.trialIds[1],
    ]);
    expect(rows[0]).toEqual({ lost: 1, worker_id: 'agent-x' });
    // Lost once more than TRIAL_MAX_LOST allows: failed, with its event, instead of claimed again.
    await pool.query("UPDATE trials SET heartbeat_at = now() - interval '2 minutes' WHERE id = $1", [
      sweep.trialIds[1],
    ]);
    expect(await claimExternalTrial(pool, sweep.sweepId, 'agent-y', 60_000, 1)).toBeNull();
    expect(await failLostExternalTrials(pool, sweep.sweepId, 60_000, 1)).toBe(1);
    const failed = await pool.query('SELECT status, error FROM trials WHERE id = $1', [sweep.trialIds[1]]);
    expect(failed.rows[0].status).toBe('failed');
    expect(failed.rows[0].error).toMatch(/TRIAL_MAX_LOST/);
  });
});
