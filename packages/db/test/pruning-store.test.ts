import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { writeEpochMetrics } from '../src/metric-writer.js';
import { loadPruningStudy, type StoredPruneDecision, storePruneDecision } from '../src/pruning-store.js';
import { withSweepLock } from '../src/search-store.js';
import { claimTrial, finishTrial } from '../src/trial-store.js';
import { seedSweep, useStoreDatabase } from './store-fixture.js';

const objective = { metric: 'val_loss', mode: 'min' } as const;

const goesOn = (bracket: number, records: StoredPruneDecision['records']): StoredPruneDecision => ({
  prune: false,
  bracket,
  records,
  rung: null,
  value: null,
  cutoff: null,
});

const pruneColumns = async (pool: pg.Pool, trialId: string) =>
  (await pool.query('SELECT prune_rung, prune_value, prune_cutoff FROM trials WHERE id = $1', [trialId]))
    .rows[0];

describe('pruning store', () => {
  let pool: pg.Pool;
  useStoreDatabase((store) => {
    pool = store.pool;
  });

  const complete = async (trialId: string) => {
    await claimTrial(pool, trialId, 'w');
    await finishTrial(pool, trialId, 'w', {
      status: 'completed',
      stepsDone: 1,
      bestValue: null,
      bestStep: null,
      finalLoss: null,
      backend: 'cpu',
      error: null,
    });
  };

  it("loads the completed trials' values at one epoch (NaN as stored, nulls left out) and how many completed", async () => {
    const { sweepId, trialIds } = await seedSweep(pool, 6);
    const valLoss = [0.4, 0.2, Number.NaN, null, 0.9];
    for (const [i, value] of valLoss.entries()) {
      await writeEpochMetrics(pool, trialIds[i]!, [
        { epoch: 1, trainLoss: 10 + i, valLoss: value, lr: 0.1 },
        { epoch: 2, trainLoss: 20 + i, valLoss: 0.5, lr: 0.1 },
      ]);
    }
    // trials 0-3 and 5 completed (5 stored no epochs); trial 4 is still running: its value is left out
    for (const i of [0, 1, 2, 3, 5]) await complete(trialIds[i]!);
    const study = await loadPruningStudy(pool, { sweepId, trialId: trialIds[4]!, objective, completedAt: 1 });
    expect(study).toEqual({
      direction: 'minimize',
      metric: 'val_loss',
      completedTrials: 5,
      completedValues: new Map([[1, expect.any(Array)]]),
      trialRungs: [],
      rungValues: [],
    });
    const values = study.completedValues.get(1)!;
    expect(values).toHaveLength(3);
    expect(values.filter((v) => Number.isNaN(v))).toHaveLength(1);
    expect(values.filter((v) => !Number.isNaN(v)).sort()).toEqual([0.2, 0.4]);
    // another objective column, a maximised one; an epoch nobody stored
    const trainLoss = await loadPruningStudy(pool, {
      sweepId,
      trialId: trialIds[4]!,
      objective: { metric: 'train_loss', mode: 'max' },
      completedAt: 2,
    });
    expect(trainLoss.direction).toBe('maximize');
    expect([...trainLoss.completedValues.get(2)!].sort()).toEqual([20, 21, 22, 23]);
    const none = await loadPruningStudy(pool, { sweepId, trialId: trialIds[4]!, objective, completedAt: 7 });
    expect(none).toMatchObject({ completedTrials: 5, completedValues: new Map([[7, []]]) });
    // nothing asked, nothing read
    expect(await loadPruningStudy(pool, { sweepId, trialId: trialIds[4]!, objective })).toMatchObject({
      completedTrials: 0,
      completedValues: new Map(),
    });
  });

  it('loads every double exactly as stored', async () => {
    const doubles = [
      0.1 + 0.2,
      1 / 3,
      5e-324,
      2.2250738585072014e-308,
      1.7976931348623157e308,
      -Infinity,
      Infinity,
      123456789.12345679,
    ];
    const { sweepId, trialIds } = await seedSweep(pool, doubles.length + 1);
    for (const [i, value] of doubles.entries()) {
      await writeEpochMetrics(pool, trialIds[i]!, [{ epoch: 0, trainLoss: value, valLoss: null, lr: 0.1 }]);
      await complete(trialIds[i]!);
    }
    const study = await loadPruningStudy(pool, {
      sweepId,
      trialId: trialIds[doubles.length]!,
      objective: { metric: 'train_loss', mode: 'min' },
      completedAt: 0,
    });
    const sorted = (values: readonly number[]) => Float64Array.from(values).sort();
    expect(sorted(study.completedValues.get(0)!)).toEqual(sorted(doubles));
  });

  it("stores rung values per bracket (a rung keeps its first value) and loads the others' from the trial's next rung or all", async () => {
    const { sweepId, trialIds } = await seedSweep(pool, 3);
    const [a, b, c] = trialIds as [string, string, string];
    await storePruneDecision(pool, sweepId, a, goesOn(0, [{ rung: 0, value: 0.3 }]));
    await storePruneDecision(pool, sweepId, a, goesOn(0, [{ rung: 0, value: 9 }]));
    await storePruneDecision(
      pool,
      sweepId,
      b,
      goesOn(0, [
        { rung: 0, value: 0.4 },
        { rung: 1, value: 0.2 },
      ]),
    );
    await storePruneDecision(pool, sweepId, c, goesOn(1, [{ rung: 0, value: 0.7 }]));
    // a decision that goes on leaves the prune columns alone
    expect(await pruneColumns(pool, b)).toEqual({ prune_rung: null, prune_value: null, prune_cutoff: null });

    const load = (trialId: string, bracket: number, from: 'next' | 'all') =>
      loadPruningStudy(pool, { sweepId, trialId, objective, rungs: { bracket, from } });
    // a has recorded rung 0: from its next rung (1) up, b's 0.2 only; the bracket's other trials only
    expect(await load(a, 0, 'next')).toMatchObject({
      trialRungs: [0],
      rungValues: [{ bracket: 0, rung: 1, values: [0.2] }],
      completedValues: new Map(),
    });
    const all = await load(a, 0, 'all');
    expect(all.rungValues.sort((x, y) => x.rung - y.rung)).toEqual([
      { bracket: 0, rung: 0, values: [0.4] },
      { bracket: 0, rung: 1, values: [0.2] },
    ]);
    expect((await load(c, 0, 'all')).rungValues.find((r) => r.rung === 0)?.values.sort()).toEqual([0.3, 0.4]);
    expect(await load(a, 1, 'all')).toMatchObject({ rungValues: [{ bracket: 1, rung: 0, values: [0.7] }] });
    expect(await load(b, 0, 'next')).toMatchObject({ trialRungs: [0, 1], rungValues: [] });
  });

  it('stores why a trial was pruned: the rung (or epoch), its value and the cutoff; nulls where there are none', async () => {
    const { sweepId, trialIds } = await seedSweep(pool, 2);
    const pruned = {
      prune: true,
      bracket: 2,
      records: [{ rung: 1, value: 0.2 }],
      rung: 1,
      value: 0.2,
      cutoff: 0.1,
    };
    await storePruneDecision(pool, sweepId, trialIds[0]!, pruned);
    expect(await pruneColumns(pool, trialIds[0]!)).toEqual({
      prune_rung: 1,
      prune_value: 0.2,
      prune_cutoff: 0.1,
    });
    expect(
      await loadPruningStudy(pool, {
        sweepId,
        trialId: trialIds[1]!,
        objective,
        rungs: { bracket: 2, from: 'all' },
      }),
    ).toMatchObject({ rungValues: [{ bracket: 2, rung: 1, values: [0.2] }] });
    // ASHA at max_t: pruned without a rung
    await storePruneDecision(pool, sweepId, trialIds[1]!, {
      ...pruned,
      records: [],
      rung: null,
      value: null,
      cutoff: null,
    });
    expect(await pruneColumns(pool, trialIds[1]!)).toEqual({
      prune_rung: null,
      prune_value: null,
      prune_cutoff: null,
    });
  });

  it('a decision that throws inside the sweep lock stores nothing', async () => {
    const { sweepId, trialIds } = await seedSweep(pool, 1);
    const trialId = trialIds[0]!;
    await expect(
      withSweepLock(pool, sweepId, 'rungs', async (client) => {
        await storePruneDecision(client, sweepId, trialId, {
          prune: true,
          bracket: 0,
          records: [{ rung: 5, value: 1 }],
          rung: 5,
          value: 1,
          cutoff: 0,
        });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(
      await loadPruningStudy(pool, { sweepId, trialId, objective, rungs: { bracket: 0, from: 'all' } }),
    ).toMatchObject({ trialRungs: [] });
    expect(await pruneColumns(pool, trialId)).toEqual({
      prune_rung: null,
      prune_value: null,
      prune_cutoff: null,
    });
  });
});
