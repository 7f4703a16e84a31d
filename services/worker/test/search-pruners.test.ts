import { readFileSync } from 'node:fs';
import { createPool, insertSweep, type Transactional, writeEpochMetrics } from '@hypersweep/db';
import { createTestDatabase, type TestDatabase } from '@hypersweep/db/testing';
import { RandomState, type SuccessiveHalvingOptions } from '@hypersweep/search';
import type { AnyPrunerConfig, Objective } from '@hypersweep/spec';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EpochReport, pruneReason } from '../src/search-pruners.js';

// pruneReason against real Postgres: every pruner through one path (load the study, decide, store).

/** Optuna's SuccessiveHalving decisions, recorded by packages/search/reference/record_optuna.py. */
const reference = JSON.parse(
  readFileSync(new URL('../../../packages/search/reference/optuna-reference.json', import.meta.url), 'utf8'),
) as {
  successive_halving: {
    options: SuccessiveHalvingOptions;
    direction: 'minimize' | 'maximize';
    trials: { number: number; curve: number[]; pruned_at: number | null }[];
  }[];
};

const valLoss: Objective = { metric: 'val_loss', mode: 'min' };

describe('pruneReason (real Postgres)', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  beforeAll(async () => {
    db = await createTestDatabase();
    pool = createPool(db.url, { max: 12 });
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  const newSweep = async (trials: number, pruner: AnyPrunerConfig, objective = valLoss) =>
    insertSweep(pool, {
      name: 'pruning',
      spec: {},
      objective,
      pruner,
      trials: Array.from({ length: trials }, (_, i) => ({ config: { i }, configHash: `h${i}` })),
    });

  const report = (sweepId: string, trialId: string, fields: Partial<EpochReport>): EpochReport => ({
    sweepId,
    trialId,
    index: 0,
    epoch: 1,
    value: null,
    best: null,
    objective: valLoss,
    epochs: 27,
    ...fields,
  });

  const pruneColumns = async (trialId: string) =>
    (await pool.query('SELECT prune_rung, prune_value, prune_cutoff FROM trials WHERE id = $1', [trialId]))
      .rows[0];

  /** A pool that counts the statements and connections it lends. */
  const counting = () => {
    const seen = { queries: 0, connects: 0 };
    const wrapped = {
      query: (...args: Parameters<pg.Pool['query']>) => {
        seen.queries += 1;
        return (pool.query as (...a: unknown[]) => unknown)(...args);
      },
      connect: () => {
        seen.connects += 1;
        return pool.connect();
      },
    } as unknown as Transactional;
    return { seen, pool: wrapped };
  };

  describe('MedianPruner', () => {
    const median: AnyPrunerConfig = {
      type: 'MedianPruner',
      n_startup_trials: 3,
      n_warmup_steps: 1,
      interval_steps: 2,
    };

    it("prunes a best worse than Postgres' percentile_cont median of the completed trials, bit for bit, and stores epoch, best and median", async () => {
      // 41 completed trials with random losses at epochs 0-79 (some NaN, some null, some missing), one running
      const epochs = 80;
      const { sweepId, trialIds } = await newSweep(42, median);
      const random = new RandomState(7);
      for (const [i, trialId] of trialIds.slice(0, 41).entries()) {
        const rows = Array.from({ length: epochs }, (_, epoch) => ({
          epoch,
          trainLoss: 1,
          // good and bad configs: the two middle values often lie in different binades, where the
          // interpolation formula shows in the last bit
          valLoss:
            (i + epoch) % 9 === 0
              ? Number.NaN
              : (i + epoch) % 7 === 0
                ? null
                : i % 2 === 0
                  ? random.uniform(0.02, 0.05)
                  : random.uniform(0.6, 0.95),
          lr: 0.1,
        }));
        await writeEpochMetrics(pool, trialId, i % 5 === 0 ? rows.slice(0, epochs / 2) : rows);
      }
      await pool.query(`UPDATE trials SET status = 'completed' WHERE sweep_id = $1 AND index < 41`, [
        sweepId,
      ]);
      const running = trialIds[41]!;
      // epochs where the two middle values' plain mean, (lo + hi) / 2, is not Postgres' lo + 0.5 * (hi - lo)
      let telling = 0;
      for (let epoch = 1; epoch < epochs; epoch += 2) {
        const expected = (
          await pool.query(
            `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY e.val_loss) AS median, count(*)::int AS n,
                    array_agg(e.val_loss ORDER BY e.val_loss) AS sorted
             FROM epoch_metrics e JOIN trials t ON t.id = e.trial_id
             WHERE t.sweep_id = $1 AND t.status = 'completed' AND e.epoch = $2
               AND e.val_loss IS NOT NULL AND e.val_loss <> 'NaN'::float8`,
            [sweepId, epoch],
          )
        ).rows[0] as { median: number; n: number; sorted: number[] };
        expect(expected.n).toBeGreaterThan(20);
        const { n, sorted } = expected;
        if (n % 2 === 0 && (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2 !== expected.median) telling += 1;
        const reason = await pruneReason(
          pool,
          median,
          report(sweepId, running, { index: 41, epoch, best: 100 }),
        );
        expect(reason).toBe(
          `pruned at epoch ${epoch + 1}: best val_loss 100 is worse than the median ${expected.median} of ${n} completed trials`,
        );
        expect(await pruneColumns(running)).toEqual({
          prune_rung: epoch,
          prune_value: 100,
          prune_cutoff: expected.median,
        });
        // a best below the median goes on
        expect(
          await pruneReason(
            pool,
            median,
            report(sweepId, running, { index: 41, epoch, best: expected.median / 2 }),
          ),
        ).toBeNull();
      }
      expect(telling).toBeGreaterThan(0);
    });

    it('reads nothing off the interval, in the warm-up or without a best; one statement without the lock otherwise', async () => {
      const { sweepId, trialIds } = await newSweep(4, median);
      for (const trialId of trialIds.slice(0, 3)) {
        await writeEpochMetrics(pool, trialId, [{ epoch: 3, trainLoss: 1, valLoss: 0.1, lr: 0.1 }]);
      }
      const trialId = trialIds[3]!;
      for (const fields of [
        { epoch: 0, best: 9 },
        { epoch: 2, best: 9 },
        { epoch: 3, best: null },
      ]) {
        const { seen, pool: probe } = counting();
        expect(await pruneReason(probe, median, report(sweepId, trialId, fields))).toBeNull();
        expect(seen).toEqual({ queries: 0, connects: 0 });
      }
      // fewer than n_startup_trials completed: one read, nothing stored
      const { seen, pool: probe } = counting();
      expect(await pruneReason(probe, median, report(sweepId, trialId, { epoch: 3, best: 9 }))).toBeNull();
      expect(seen).toEqual({ queries: 1, connects: 0 });
      await pool.query(`UPDATE trials SET status = 'completed' WHERE sweep_id = $1 AND index < 3`, [sweepId]);
      expect(await pruneReason(probe, median, report(sweepId, trialId, { epoch: 3, best: 9 }))).toBe(
        'pruned at epoch 4: best val_loss 9 is worse than the median 0.1 of 3 completed trials',
      );
      expect(seen).toEqual({ queries: 3, connects: 0 });
      expect(await pruneColumns(trialId)).toEqual({ prune_rung: 3, prune_value: 9, prune_cutoff: 0.1 });
    });
  });

  describe('rung pruners', () => {
    for (const c of reference.successive_halving) {
      const o = c.options;
      it(`replays Optuna 3.1's SuccessiveHalving study through Postgres (rf ${o.reduction_factor}, rate ${o.min_early_stopping_rate}, bootstrap ${o.bootstrap_count}, ${c.direction})`, async () => {
        const pruner: AnyPrunerConfig = { type: 'SuccessiveHalvingPruner', ...o };
        const objective: Objective =
          c.direction === 'minimize' ? valLoss : { metric: 'val_accuracy', mode: 'max' };
        const { sweepId, trialIds } = await newSweep(c.trials.length, pruner, objective);
        const prunedAt: (number | null)[] = [];
        for (const t of c.trials) {
          let pruned: number | null = null;
          for (const [i, value] of t.curve.entries()) {
            const fields = { index: t.number, epoch: i + 1, value, objective };
            if ((await pruneReason(pool, pruner, report(sweepId, trialIds[t.number]!, fields))) !== null) {
              pruned = i + 1;
              break;
            }
          }
          prunedAt.push(pruned);
        }
        expect(prunedAt).toEqual(c.trials.map((t) => t.pruned_at));
      });
    }

    it('judges trials reporting the same rung at once one after the other: each sees those before it', async () => {
      // bootstrap_count 3: the first three values a rung holds are pruned, whoever reports them
      const pruner: AnyPrunerConfig = {
        type: 'SuccessiveHalvingPruner',
        min_resource: 1,
        reduction_factor: 2,
        min_early_stopping_rate: 0,
        bootstrap_count: 3,
      };
      const { sweepId, trialIds } = await newSweep(8, pruner);
      const reasons = await Promise.all(
        trialIds.map((trialId, index) =>
          pruneReason(pool, pruner, report(sweepId, trialId, { index, epoch: 1, value: 0.5 })),
        ),
      );
      expect(reasons.filter((r) => r !== null).sort()).toEqual(
        [1, 2, 3].map(
          (n) => `pruned at epoch 2: rung 0 holds ${n} value(s), not more than bootstrap_count 3`,
        ),
      );
      const { rows } = await pool.query('SELECT count(*)::int AS n FROM trial_rungs WHERE sweep_id = $1', [
        sweepId,
      ]);
      expect(rows[0].n).toBe(8);
    });

    it("ASHAScheduler (Ray's doctest, mode max): stores the milestone, the value and the cutoff in objective units", async () => {
      const pruner: AnyPrunerConfig = {
        type: 'ASHAScheduler',
        grace_period: 1,
        max_t: 10,
        reduction_factor: 2,
        brackets: 1,
      };
      const objective: Objective = { metric: 'val_accuracy', mode: 'max' };
      const { sweepId, trialIds } = await newSweep(3, pruner, objective);
      const reasons: (string | null)[] = [];
      for (const [index, value] of [2, 4, 1].entries()) {
        reasons.push(
          await pruneReason(pool, pruner, report(sweepId, trialIds[index]!, { index, value, objective })),
        );
      }
      expect(reasons).toEqual([
        null,
        null,
        'pruned at epoch 2: 1 at milestone 1 is worse than the cutoff 3 (the 0.5 quantile of 2 trials)',
      ]);
      expect(await pruneColumns(trialIds[2]!)).toEqual({ prune_rung: 1, prune_value: 1, prune_cutoff: 3 });
      expect(await pruneColumns(trialIds[0]!)).toEqual({
        prune_rung: null,
        prune_value: null,
        prune_cutoff: null,
      });
      // a report without a value reads nothing
      const { seen, pool: probe } = counting();
      expect(
        await pruneReason(probe, pruner, report(sweepId, trialIds[0]!, { epoch: 10, value: null })),
      ).toBeNull();
      expect(seen).toEqual({ queries: 0, connects: 0 });
    });
  });
});
