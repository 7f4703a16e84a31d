import { claimTrial, createPool, insertSweep, loadPruningStudy } from '@hypersweep/db';
import { createTestDatabase, type TestDatabase } from '@hypersweep/db/testing';
import { configHash, validateSubmittedSweep } from '@hypersweep/spec';
import { workloadInfos } from '@hypersweep/trainer';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepSettler } from '../src/search-proposer.js';

// The tune-then-evaluate lifecycle over the real Postgres (packages/core protocol.ts): each entry's budget,
// the phase change, and pruners in the tuning phase only. Trials end by direct updates: what a worker's
// finish writes (status, best value) without training them.

const context = { workloads: workloadInfos() };

const protocolSpec = (search: 'random' | 'tpe', trials: number) => ({
  workload: 'rosenbrock',
  training: { epochs: 2 },
  pruner: { type: 'MedianPruner' },
  optimizers: [
    { type: 'SGD', lr: { loguniform: [1e-4, 1e-2] } },
    { type: 'Adam', lr: { loguniform: [1e-4, 1e-1] } },
  ],
  protocol: {
    type: 'tune-then-evaluate',
    tuning: { search, trials, seeds: [1, 2] },
    evaluation: { seeds: [3, 4, 5], top: 1 },
    target: { metric: 'train_loss', value: 1 },
  },
});

interface Row {
  id: string;
  index: number;
  phase: string;
  entry: number;
  status: string;
  config: { seed: number; optimizer: { options: { lr: number } } };
}

describe('the tune-then-evaluate lifecycle (real Postgres)', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  beforeAll(async () => {
    db = await createTestDatabase();
    pool = createPool(db.url);
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });
  const settle = (sweepId: string) => sweepSettler({ pool, relay: { kick() {} } })(sweepId);

  /** Stores a protocol sweep as POST /v1/sweeps does. */
  async function submit(spec: unknown): Promise<string> {
    const valid = validateSubmittedSweep(spec, context);
    if (!valid.ok) throw new Error(JSON.stringify(valid.errors));
    const { sweepId } = await insertSweep(pool, {
      name: 'protocol',
      spec,
      objective: valid.spec.objective,
      pruner: valid.spec.pruner,
      search: null,
      protocol: valid.protocol,
      seeds: valid.spec.seeds.length,
      trialCount: valid.budget,
      trials: valid.trials.map((config, i) => ({
        config,
        configHash: configHash(config),
        params: valid.params[i] ?? null,
        phase: valid.origins[i]!.phase,
        entry: valid.origins[i]!.entry,
      })),
    });
    return sweepId;
  }
  const trials = async (sweepId: string) =>
    (
      await pool.query<Row>(
        'SELECT id, index, phase, entry, status, config FROM trials WHERE sweep_id = $1 ORDER BY index',
        [sweepId],
      )
    ).rows;
  /** Ends trials as a worker would: status and best value (train_loss: smaller is better). */
  const end = (ids: string[], status: string, value: (i: number) => number | null) =>
    pool.query(
      `UPDATE trials t SET status = v.status::"TrialStatus", best_value = v.value, started_at = now(), finished_at = now()
       FROM unnest($1::uuid[], $2::text[], $3::float8[]) AS v(id, status, value) WHERE t.id = v.id`,
      [ids, ids.map(() => status), ids.map((_, i) => value(i))],
    );

  it('gives every entry the same budget: failed and pruned configs count as tried and are not replaced', async () => {
    // TPE: 4 configs in flight per entry (its default parallelism), 5 in all, each on seeds 1 and 2.
    const sweepId = await submit(protocolSpec('tpe', 5));
    let rows = await trials(sweepId);
    expect(rows.map((r) => `${r.phase[0]}${r.entry}`).join(' ')).toBe(
      `${'t0 '.repeat(8)}${'t1 '.repeat(8)}`.trim(),
    );
    const sgd = rows.filter((r) => r.entry === 0);
    const adam = rows.filter((r) => r.entry === 1);
    // SGD: config 0 fails on both seeds, config 1 is pruned on one, configs 2 and 3 complete:
    // config 2 with values 5 and 7 (mean 6), config 3 with 4 and 10 (mean 7).
    await end([sgd[0]!.id, sgd[1]!.id], 'failed', () => null);
    await end([sgd[2]!.id], 'pruned', () => 0.5);
    await end([sgd[3]!.id], 'completed', () => 0.1);
    await end([sgd[4]!.id, sgd[5]!.id, sgd[6]!.id, sgd[7]!.id], 'completed', (i) => [5, 7, 4, 10][i]!);
    await end(
      adam.map((r) => r.id),
      'completed',
      (i) => i + 1,
    );
    // Each entry is owed its fifth config, and nothing more.
    const first = await settle(sweepId);
    expect(first.proposed).toHaveLength(4);
    rows = await trials(sweepId);
    const count = (phase: string, entry: number) =>
      rows.filter((r) => r.phase === phase && r.entry === entry).length;
    expect([count('tuning', 0), count('tuning', 1), count('evaluation', 0)]).toEqual([10, 10, 0]);
    expect((await settle(sweepId)).proposed).toHaveLength(0);

    // The fifth configs end: SGD's fails, Adam's completes worse than its best (values 100).
    const fifth = rows.filter((r) => r.index >= 16);
    await end(
      fifth.filter((r) => r.entry === 0).map((r) => r.id),
      'failed',
      () => null,
    );
    await end(
      fifth.filter((r) => r.entry === 1).map((r) => r.id),
      'completed',
      () => 100,
    );
    const second = await settle(sweepId);
    // The phase change: the best config of each entry on evaluation seeds 3, 4, 5.
    expect(second.proposed).toHaveLength(6);
    rows = await trials(sweepId);
    expect([count('tuning', 0), count('tuning', 1)]).toEqual([10, 10]);
    const evaluated = rows.filter((r) => r.phase === 'evaluation');
    expect(evaluated.map((r) => `${r.entry}:${r.config.seed}`)).toEqual([
      '0:3',
      '0:4',
      '0:5',
      '1:3',
      '1:4',
      '1:5',
    ]);
    // SGD's best completed config is config 2 (mean 6 < 7); the failed and pruned ones are not ranked.
    expect(evaluated[0]!.config.optimizer.options.lr).toBe(sgd[4]!.config.optimizer.options.lr);
    // Adam's best is its first config (values 1 and 2).
    expect(evaluated[3]!.config.optimizer.options.lr).toBe(adam[0]!.config.optimizer.options.lr);

    // Pruners act in the tuning phase only: an evaluation trial is claimed without the sweep's pruner.
    const claimed = await claimTrial(pool, evaluated[0]!.id, 'w1');
    expect(claimed?.pruner).toBeNull();
    const tuningLeft = await pool.query<{ id: string }>(
      `INSERT INTO trials (sweep_id, index, config, config_hash, phase, entry)
       VALUES ($1, 1000, '{}', 'x', 'tuning', 0) RETURNING id`,
      [sweepId],
    );
    expect((await claimTrial(pool, tuningLeft.rows[0]!.id, 'w1'))?.pruner).toMatchObject({
      type: 'MedianPruner',
    });
  });

  it('creates the evaluation trials once when two settlements run at once', async () => {
    const sweepId = await submit(protocolSpec('random', 2));
    const rows = await trials(sweepId);
    expect(rows).toHaveLength(8);
    await end(
      rows.map((r) => r.id),
      'completed',
      (i) => i,
    );
    const [a, b] = await Promise.all([settle(sweepId), settle(sweepId)]);
    expect(a.proposed.length + b.proposed.length).toBe(6);
    const evaluation = (await trials(sweepId)).filter((r) => r.phase === 'evaluation');
    expect(evaluation).toHaveLength(6);
    expect(new Set(evaluation.map((r) => r.index)).size).toBe(6);
    expect((await settle(sweepId)).proposed).toHaveLength(0);

    // The MedianPruner of a tuning trial judges by completed tuning trials only: evaluation trials that
    // completed (with an epoch-0 value) are neither counted nor compared with.
    const all = await trials(sweepId);
    await end(
      all.filter((r) => r.phase === 'evaluation').map((r) => r.id),
      'completed',
      () => 0,
    );
    await pool.query(
      `INSERT INTO epoch_metrics (trial_id, epoch, train_loss, lr)
       SELECT id, 0, index, 0.01 FROM trials WHERE sweep_id = $1`,
      [sweepId],
    );
    const study = await loadPruningStudy(pool, {
      sweepId,
      trialId: all[0]!.id,
      objective: { metric: 'train_loss', mode: 'min' },
      completedAt: 0,
    });
    expect(study.completedTrials).toBe(8);
    expect([...study.completedValues.get(0)!].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });
});
