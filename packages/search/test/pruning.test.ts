import { describe, expect, it } from 'vitest';
import { ashaBracket } from '../src/asha.js';
import { createPruner, type PrunerSettings } from '../src/create-pruner.js';
import { hyperbandBracket, hyperbandBrackets } from '../src/hyperband.js';
import { percentileCont } from '../src/median-pruner.js';
import type { PruneDecision, Pruner, PruningStudy, TrialReport } from '../src/pruning.js';
import type { Direction } from '../src/tpe-sampler.js';
import { type RefPrunerTrial, reference } from './reference.js';

// Every pruner through the one interface, over hand-built studies; the Optuna reference decisions
// are replayed through it with an in-memory store that loads what `reads` names, as the database does.

const study = (fields: Partial<PruningStudy> = {}): PruningStudy => ({
  direction: 'minimize',
  metric: 'val_loss',
  completedTrials: 0,
  completedValues: new Map(),
  trialRungs: [],
  rungValues: [],
  ...fields,
});

const report = (fields: Partial<TrialReport> = {}): TrialReport => ({
  studyName: 'sweep',
  number: 0,
  epoch: 1,
  value: 0.5,
  best: 0.5,
  epochs: 27,
  ...fields,
});

const kept = (bracket = 0, records: PruneDecision['records'] = []): PruneDecision => ({
  prune: false,
  bracket,
  records,
  rung: null,
  value: null,
  cutoff: null,
  reason: null,
});

/** Rung values kept in memory; a study is loaded as the database loads it (the `from` rung, others' values only). */
class MemoryStore {
  private rows: { trial: number; bracket: number; rung: number; value: number }[] = [];

  load(trial: number, pruner: Pruner, r: TrialReport, direction: Direction): PruningStudy | null {
    const reads = pruner.reads(r);
    if (reads === null) return null;
    const trialRungs = this.rows
      .filter((x) => x.trial === trial)
      .map((x) => x.rung)
      .sort((a, b) => a - b);
    const rungValues: { bracket: number; rung: number; values: number[] }[] = [];
    if (reads.rungs) {
      const { bracket, from } = reads.rungs;
      const fromRung = from === 'next' ? trialRungs.length : 0;
      for (const x of this.rows) {
        if (x.trial === trial || x.bracket !== bracket || x.rung < fromRung) continue;
        const entry = rungValues.find((e) => e.rung === x.rung);
        if (entry) entry.values.push(x.value);
        else rungValues.push({ bracket, rung: x.rung, values: [x.value] });
      }
    }
    return study({ direction, trialRungs, rungValues });
  }

  store(trial: number, decision: PruneDecision): void {
    for (const { rung, value } of decision.records) {
      if (!this.rows.some((x) => x.trial === trial && x.rung === rung)) {
        this.rows.push({ trial, bracket: decision.bracket, rung, value });
      }
    }
  }
}

/** Optuna's study, trial after trial through the interface: the step each trial was pruned at. */
function replay(settings: PrunerSettings, trials: RefPrunerTrial[], direction: Direction, studyName = 's') {
  const pruner = createPruner(settings);
  const store = new MemoryStore();
  return trials.map((t) => {
    for (const [i, value] of t.curve.entries()) {
      const r = report({
        studyName,
        number: t.number,
        epoch: i + 1,
        value,
        best: null,
        epochs: t.curve.length,
      });
      const loaded = store.load(t.number, pruner, r, direction);
      if (loaded === null) continue;
      const decision = pruner.prune(loaded, r);
      store.store(t.number, decision);
      if (decision.prune) return i + 1;
    }
    return null;
  });
}

describe('createPruner', () => {
  it('refuses a pruner type it does not know', () => {
    expect(() => createPruner({ type: 'PercentilePruner' } as unknown as PrunerSettings)).toThrow(
      'unknown pruner type PercentilePruner',
    );
  });
});

describe('MedianPruner through the interface', () => {
  const median = (
    options: Partial<{ n_startup_trials: number; n_warmup_steps: number; interval_steps: number }>,
  ) =>
    createPruner({
      type: 'MedianPruner',
      n_startup_trials: 5,
      n_warmup_steps: 0,
      interval_steps: 1,
      ...options,
    });
  const atEpoch = (epoch: number, values: (number | null)[], completedTrials = values.length) =>
    study({ completedTrials, completedValues: new Map([[epoch, values]]) });

  it('reads the completed values at the epoch; prunes a best worse than their median, null and NaN left out', () => {
    const pruner = median({ n_startup_trials: 3 });
    const r = report({ epoch: 4, best: 0.5, value: 0.7 });
    expect(pruner.reads(r)).toEqual({ completedAt: 4 });
    const s = atEpoch(4, [0.4, null, 0.2, Number.NaN, 0.9], 6);
    expect(pruner.prune(s, r)).toEqual({
      prune: true,
      bracket: 0,
      records: [],
      rung: 4,
      value: 0.5,
      cutoff: 0.4,
      reason: 'pruned at epoch 5: best val_loss 0.5 is worse than the median 0.4 of 3 completed trials',
    });
    // the best is what counts, not this epoch's value; equal to the median is not worse
    expect(pruner.prune(s, { ...r, best: 0.4 })).toEqual(kept());
    expect(pruner.prune(s, { ...r, best: 0.3 })).toEqual(kept());
    // values at other epochs say nothing about this one
    expect(pruner.prune(s, { ...r, epoch: 5 })).toEqual(kept());
  });

  it('maximize: a best below the median is worse', () => {
    const pruner = median({ n_startup_trials: 1 });
    const s = { ...atEpoch(2, [0.8, 1]), direction: 'maximize' as const, metric: 'val_accuracy' };
    const d = pruner.prune(s, report({ epoch: 2, best: 0.7 }));
    expect(d).toMatchObject({ prune: true, rung: 2, value: 0.7, cutoff: 0.9 });
    expect(d.reason).toBe(
      'pruned at epoch 3: best val_accuracy 0.7 is worse than the median 0.9 of 2 completed trials',
    );
    expect(pruner.prune(s, report({ epoch: 2, best: 0.95 })).prune).toBe(false);
  });

  it("takes Postgres' percentile_cont median, lo + 0.5 * (hi - lo), not (lo + hi) / 2", () => {
    // 0.03 + 0.5 * 0.87 = 0.46499999999999997 (what Postgres answers); (0.03 + 0.9) / 2 = 0.465
    expect(percentileCont([0.9, 0.03], 0.5)).toBe(0.46499999999999997);
    expect(percentileCont([3, 1, 2], 0.5)).toBe(2);
    expect(percentileCont([], 0.5)).toBeNaN();
    const d = median({ n_startup_trials: 0 }).prune(
      atEpoch(0, [0.9, 0.03]),
      report({ epoch: 0, best: 0.465 }),
    );
    expect(d).toMatchObject({ prune: true, cutoff: 0.46499999999999997 });
  });

  it('prunes nothing with no completed trials, fewer than n_startup_trials, or no value at the epoch', () => {
    const r = report({ epoch: 1, best: 100 });
    expect(median({ n_startup_trials: 0 }).prune(study(), r)).toEqual(kept());
    expect(median({ n_startup_trials: 5 }).prune(atEpoch(1, [0.1, 0.2, 0.3, 0.4]), r)).toEqual(kept());
    expect(median({ n_startup_trials: 4 }).prune(atEpoch(1, [0.1, 0.2, 0.3, 0.4]), r).prune).toBe(true);
    // completed trials that stored nothing usable at the epoch
    expect(median({ n_startup_trials: 0 }).prune(atEpoch(1, [null, Number.NaN], 9), r)).toEqual(kept());
  });

  it('decides nothing (reads nothing) without a best value, during the warm-up, or off the interval', () => {
    const pruner = median({ n_startup_trials: 0, n_warmup_steps: 2, interval_steps: 3 });
    const worse = (epoch: number) => report({ epoch, best: 100 });
    const decides = [0, 1, 2, 3, 4, 5, 6, 7, 8].filter((epoch) => pruner.reads(worse(epoch)) !== null);
    // after 2 warm-up epochs, every third epoch
    expect(decides).toEqual([2, 5, 8]);
    for (const epoch of [0, 1, 2, 3, 4, 5, 6, 7, 8]) {
      // the same study prunes exactly at the epochs that decide
      expect(pruner.prune(atEpoch(epoch, [0.1, 0.2]), worse(epoch)).prune).toBe(decides.includes(epoch));
    }
    expect(pruner.reads(report({ epoch: 5, best: null }))).toBeNull();
    expect(pruner.prune(atEpoch(5, [0.1]), report({ epoch: 5, best: null }))).toEqual(kept());
  });
});

describe('SuccessiveHalvingPruner through the interface', () => {
  const settings = (options: Partial<PrunerSettings> = {}) =>
    ({
      type: 'SuccessiveHalvingPruner',
      min_resource: 1,
      reduction_factor: 3,
      min_early_stopping_rate: 0,
      bootstrap_count: 0,
      ...options,
    }) as PrunerSettings;

  for (const c of reference.successive_halving) {
    it(`replays Optuna 3.1 (rf ${c.options.reduction_factor}, rate ${c.options.min_early_stopping_rate}, bootstrap ${c.options.bootstrap_count}, ${c.direction})`, () => {
      const ours = replay({ type: 'SuccessiveHalvingPruner', ...c.options }, c.trials, c.direction);
      expect(ours).toEqual(c.trials.map((t) => t.pruned_at));
    });
  }

  it('reads the rungs from the next one up; records the value and prunes below the cutoff, saying why', () => {
    const pruner = createPruner(settings());
    const r = report({ epoch: 1, value: 0.9 });
    expect(pruner.reads(r)).toEqual({ rungs: { bracket: 0, from: 'next' } });
    const s = study({ rungValues: [{ bracket: 0, rung: 0, values: [0.1, 0.2, 0.3, 0.4, 0.5] }] });
    expect(pruner.prune(s, r)).toEqual({
      prune: true,
      bracket: 0,
      records: [{ rung: 0, value: 0.9 }],
      rung: 0,
      value: 0.9,
      cutoff: 0.2,
      reason: 'pruned at epoch 2: 0.9 at rung 0 is not among the best 1/3 of its 6 values (cutoff 0.2)',
    });
    // a good value passes and is recorded; an empty rung passes its first value
    expect(pruner.prune(s, { ...r, value: 0.15 })).toEqual(kept(0, [{ rung: 0, value: 0.15 }]));
    expect(pruner.prune(study(), r)).toEqual(kept(0, [{ rung: 0, value: 0.9 }]));
    // values of another bracket do not count
    expect(pruner.prune(study({ rungValues: [{ ...s.rungValues[0]!, bracket: 1 }] }), r).prune).toBe(false);
  });

  it('judges from the first rung the trial has not recorded', () => {
    const pruner = createPruner(settings());
    // rungs at epochs 1, 3, 9; rung 0 recorded already: at epoch 3 only rung 1 is judged
    const s = study({
      trialRungs: [0],
      rungValues: [
        { bracket: 0, rung: 0, values: [0.01, 0.02, 0.03] },
        { bracket: 0, rung: 1, values: [0.5, 0.6] },
      ],
    });
    expect(pruner.prune(s, report({ epoch: 3, value: 0.4 }))).toEqual(kept(0, [{ rung: 1, value: 0.4 }]));
    expect(pruner.prune(s, report({ epoch: 2, value: 0.4 }))).toEqual(kept());
  });

  it('a NaN value is pruned at the rung it reaches, without a cutoff; a missing value decides nothing', () => {
    const pruner = createPruner(settings());
    expect(pruner.prune(study(), report({ epoch: 1, value: Number.NaN }))).toEqual({
      prune: true,
      bracket: 0,
      records: [],
      rung: 0,
      value: Number.NaN,
      cutoff: null,
      reason: 'pruned at epoch 2: the objective is NaN',
    });
    expect(pruner.reads(report({ value: null }))).toBeNull();
    expect(pruner.prune(study(), report({ value: null }))).toEqual(kept());
  });

  it('bootstrap_count: prunes while the rung holds too few values', () => {
    const pruner = createPruner(settings({ bootstrap_count: 2 }));
    expect(pruner.prune(study(), report({ epoch: 1, value: 0.1 }))).toMatchObject({
      prune: true,
      rung: 0,
      records: [{ rung: 0, value: 0.1 }],
      reason: 'pruned at epoch 2: rung 0 holds 1 value(s), not more than bootstrap_count 2',
    });
  });

  it('"auto" min_resource: the trial\'s epochs / 100, at least 1', () => {
    const pruner = createPruner(settings({ min_resource: 'auto' }));
    // 250 epochs: first rung at epoch 2
    expect(pruner.prune(study(), report({ epochs: 250, epoch: 1 }))).toEqual(kept());
    expect(pruner.prune(study(), report({ epochs: 250, epoch: 2 })).records).toEqual([
      { rung: 0, value: 0.5 },
    ]);
    expect(pruner.prune(study(), report({ epochs: 30, epoch: 1 })).records).toEqual([
      { rung: 0, value: 0.5 },
    ]);
  });
});

describe('HyperbandPruner through the interface', () => {
  for (const c of reference.hyperband) {
    const settings: PrunerSettings = { type: 'HyperbandPruner', ...c.options, bootstrap_count: 0 };
    it(`replays Optuna 3.1's brackets and decisions (max_resource ${c.options.max_resource}, rf ${c.options.reduction_factor}, ${c.direction})`, () => {
      const pruner = createPruner(settings);
      const brackets = c.trials.map(
        (t) =>
          pruner.reads(report({ studyName: c.study_name, number: t.number, epochs: t.curve.length }))?.rungs
            ?.bracket,
      );
      expect(brackets).toEqual(c.trials.map((t) => t.bracket));
      expect(replay(settings, c.trials, c.direction, c.study_name)).toEqual(c.trials.map((t) => t.pruned_at));
    });
  }

  it("judges a trial among its own bracket's values only", () => {
    const settings = {
      type: 'HyperbandPruner',
      min_resource: 1,
      max_resource: 27,
      reduction_factor: 3,
      bootstrap_count: 0,
    } as const;
    const pruner = createPruner(settings);
    const brackets = hyperbandBrackets(1, 27, 3);
    const number = [...Array(50).keys()].find((n) => hyperbandBracket('sweep', n, brackets) === 0)!;
    // bracket 0: rungs at epochs 1, 3, 9, 27
    const r = report({ number, epoch: 1, value: 0.9 });
    expect(pruner.reads(r)).toEqual({ rungs: { bracket: 0, from: 'next' } });
    const others = [0.1, 0.2, 0.3, 0.4, 0.5];
    expect(pruner.prune(study({ rungValues: [{ bracket: 0, rung: 0, values: others }] }), r)).toMatchObject({
      prune: true,
      bracket: 0,
      rung: 0,
      cutoff: 0.2,
    });
    expect(pruner.prune(study({ rungValues: [{ bracket: 1, rung: 0, values: others }] }), r)).toEqual(
      kept(0, [{ rung: 0, value: 0.9 }]),
    );
  });

  it('"auto" max_resource shorter than min_resource: no bracket, nothing read or decided', () => {
    const pruner = createPruner({
      type: 'HyperbandPruner',
      min_resource: 3,
      max_resource: 'auto',
      reduction_factor: 3,
      bootstrap_count: 0,
    });
    expect(pruner.reads(report({ epochs: 2, epoch: 1 }))).toBeNull();
    expect(pruner.prune(study(), report({ epochs: 2, epoch: 1 }))).toEqual(kept());
    expect(pruner.reads(report({ epochs: 3, epoch: 1 }))).toEqual({ rungs: { bracket: 0, from: 'next' } });
  });
});

// ASHA: hand-written from Ray Tune 2.x's async_hyperband.py (Ray cannot be installed here).
describe('ASHAScheduler through the interface', () => {
  const asha = (
    options: Partial<{
      grace_period: number;
      max_t: number;
      reduction_factor: number;
      brackets: number;
    }> = {},
  ) =>
    createPruner({
      type: 'ASHAScheduler',
      grace_period: 1,
      max_t: 100,
      reduction_factor: 4,
      brackets: 1,
      ...options,
    });

  it("Ray's doctest (_Bracket(1, 10, 2, ...), mode max): rewards 2 and 4 go on, 1 stops below the cutoff 3", () => {
    const pruner = asha({ max_t: 10, reduction_factor: 2 });
    const store = new MemoryStore();
    const decisions = [2, 4, 1].map((value, number) => {
      const r = report({ number, epoch: 1, value });
      const d = pruner.prune(store.load(number, pruner, r, 'maximize')!, r);
      store.store(number, d);
      return d;
    });
    expect(decisions.slice(0, 2)).toEqual([
      kept(0, [{ rung: 1, value: 2 }]),
      kept(0, [{ rung: 1, value: 4 }]),
    ]);
    expect(decisions[2]).toEqual({
      prune: true,
      bracket: 0,
      records: [{ rung: 1, value: 1 }],
      rung: 1,
      value: 1,
      cutoff: 3,
      reason: 'pruned at epoch 2: 1 at milestone 1 is worse than the cutoff 3 (the 0.5 quantile of 2 trials)',
    });
  });

  it('mode min: compares negated values and gives the cutoff back as an objective value', () => {
    const pruner = asha();
    const r = report({ epoch: 1, value: 0.45 });
    expect(pruner.reads(r)).toEqual({ rungs: { bracket: 0, from: 'all' } });
    const s = study({ rungValues: [{ bracket: 0, rung: 1, values: [0.5, 0.3] }] });
    const d = pruner.prune(s, r);
    // rewards -0.5, -0.3: the 0.75 quantile is -0.35; -0.45 is below it
    expect(d).toMatchObject({ prune: true, rung: 1, value: 0.45, records: [{ rung: 1, value: 0.45 }] });
    expect(d.cutoff).toBeCloseTo(0.35, 12);
    expect(pruner.prune(s, { ...r, value: 0.3 })).toEqual(kept(0, [{ rung: 1, value: 0.3 }]));
  });

  it('NaN rung values are left out of the quantile; an empty rung lets the first value pass', () => {
    const pruner = asha({ reduction_factor: 2 });
    const s = study({
      direction: 'maximize',
      rungValues: [{ bracket: 0, rung: 1, values: [Number.NaN, 2, 4] }],
    });
    expect(pruner.prune(s, report({ value: 2.9 }))).toMatchObject({ prune: true, cutoff: 3 });
    expect(pruner.prune(s, report({ value: 3 })).prune).toBe(false);
    expect(pruner.prune(study(), report({ value: 1e9 }))).toEqual(kept(0, [{ rung: 1, value: 1e9 }]));
  });

  it('judges at the highest milestone reached and not recorded; nothing when every one is recorded', () => {
    const pruner = asha();
    const s = study({
      direction: 'maximize',
      trialRungs: [4],
      rungValues: [
        { bracket: 0, rung: 1, values: [10, 20] },
        { bracket: 0, rung: 4, values: [0, 0] },
      ],
    });
    expect(pruner.prune(s, report({ epoch: 5, value: 1 }))).toMatchObject({ prune: true, rung: 1 });
    expect(pruner.prune({ ...s, trialRungs: [1, 4] }, report({ epoch: 5, value: 1 }))).toEqual(kept());
  });

  it('stops at max_t without a rung, value or cutoff; a missing value decides nothing', () => {
    const pruner = asha();
    expect(pruner.prune(study(), report({ epoch: 100, value: 1 }))).toEqual({
      prune: true,
      bracket: 0,
      records: [],
      rung: null,
      value: null,
      cutoff: null,
      reason: 'stopped at epoch 101: max_t 100 reached',
    });
    expect(pruner.reads(report({ epoch: 100, value: null }))).toBeNull();
    expect(pruner.prune(study(), report({ epoch: 100, value: null }))).toEqual(kept());
  });

  it("brackets: reads and records in the trial's drawn bracket, judged among that bracket only", () => {
    const options = { grace_period: 1, max_t: 100, reduction_factor: 4, brackets: 3 };
    const pruner = asha(options);
    const number = [...Array(50).keys()].find((n) => ashaBracket(options, 'sweep', n) === 1)!;
    const r = report({ number, epoch: 4, value: 0.9 });
    expect(pruner.reads(r)).toEqual({ rungs: { bracket: 1, from: 'all' } });
    // bracket 1's milestones are 4, 16, 64: at epoch 4 the trial is judged at 4
    const values = [0.1, 0.2, 0.3];
    expect(pruner.prune(study({ rungValues: [{ bracket: 1, rung: 4, values }] }), r)).toMatchObject({
      prune: true,
      bracket: 1,
      rung: 4,
      records: [{ rung: 4, value: 0.9 }],
    });
    expect(pruner.prune(study({ rungValues: [{ bracket: 0, rung: 4, values }] }), r)).toEqual(
      kept(1, [{ rung: 4, value: 0.9 }]),
    );
  });
});
