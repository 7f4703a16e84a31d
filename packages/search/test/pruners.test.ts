import { describe, expect, it } from 'vitest';
import { ashaBracket, ashaDecision, ashaMilestones, nanPercentile } from '../src/asha.js';
import { crc32 } from '../src/crc32.js';
import { hyperbandBracket, hyperbandBrackets, hyperbandDecision } from '../src/hyperband.js';
import { type RungDecision, type RungTrial, successiveHalvingDecision } from '../src/successive-halving.js';
import { type RefPrunerTrial, reference } from './reference.js';

type Decide = (
  trial: RefPrunerTrial,
  rungTrial: RungTrial,
  othersAt: (rung: number) => number[],
) => RungDecision;

/** Runs the recorded trials one after another, as Optuna's study did, with rung values kept in memory. */
function replay(trials: RefPrunerTrial[], group: (t: RefPrunerTrial) => number, decide: Decide) {
  const rungs = new Map<string, number[]>();
  const prunedAt: (number | null)[] = [];
  for (const trial of trials) {
    let completedRungs = 0;
    let pruned: number | null = null;
    for (const [i, value] of trial.curve.entries()) {
      const step = i + 1;
      const decision = decide(
        trial,
        { step, value, completedRungs },
        (rung) => rungs.get(`${group(trial)}/${rung}`) ?? [],
      );
      for (const record of decision.records) {
        const key = `${group(trial)}/${record.rung}`;
        rungs.set(key, [...(rungs.get(key) ?? []), record.value]);
        completedRungs = record.rung + 1;
      }
      if (decision.prune) {
        pruned = step;
        break;
      }
    }
    prunedAt.push(pruned);
  }
  return prunedAt;
}

describe('SuccessiveHalvingPruner against Optuna 3.1', () => {
  for (const c of reference.successive_halving) {
    const o = c.options;
    it(`min_resource ${o.min_resource}, rf ${o.reduction_factor}, min_early_stopping_rate ${o.min_early_stopping_rate}, bootstrap_count ${o.bootstrap_count}, ${c.direction}`, () => {
      const ours = replay(
        c.trials,
        () => 0,
        (_, t, othersAt) => successiveHalvingDecision(o, c.direction, t, othersAt),
      );
      expect(ours).toEqual(c.trials.map((t) => t.pruned_at));
      expect(ours.some((p) => p !== null)).toBe(true);
    });
  }

  it('with reduction factor 3 passes about a third of the trials through each rung', () => {
    const c = reference.successive_halving[0]!;
    expect(c.options.reduction_factor).toBe(3);
    const pruned = c.trials.map((t) => t.pruned_at);
    // Rungs at epochs 1, 3, 9, 27: a trial reaching rung k's epoch and passing it survives to the next.
    const reached = (epoch: number) => pruned.filter((p) => p === null || p > epoch).length;
    const n = c.trials.length;
    expect(reached(1) / n).toBeGreaterThan(0.2);
    expect(reached(1) / n).toBeLessThan(0.5);
    expect(reached(3) / reached(1)).toBeLessThan(0.6);
  });

  it('records the rung value, the cutoff and why', () => {
    const d = successiveHalvingDecision(
      { min_resource: 1, reduction_factor: 3, min_early_stopping_rate: 0, bootstrap_count: 0 },
      'minimize',
      { step: 1, value: 0.9, completedRungs: 0 },
      () => [0.1, 0.2, 0.3, 0.4, 0.5],
    );
    // Six values, 6 // 3 - 1 = 1: the second best (0.2) is the cutoff.
    expect(d).toMatchObject({
      prune: true,
      rung: 0,
      value: 0.9,
      cutoff: 0.2,
      competing: 6,
      records: [{ rung: 0, value: 0.9 }],
    });
    expect(d.reason).toContain('cutoff 0.2');
  });
});

describe('HyperbandPruner against Optuna 3.1', () => {
  it("has no bracket when the trials are shorter than min_resource, and Optuna's budgets otherwise", () => {
    expect(hyperbandBrackets(3, 2, 3).nBrackets).toBe(0);
    // 27 epochs, rf 3: 4 brackets with ceil(4 * 3^s / (s + 1)) for s = 3..0: 27, 12, 6, 4.
    expect(hyperbandBrackets(1, 27, 3)).toEqual({ nBrackets: 4, budgets: [27, 12, 6, 4], total: 49 });
  });

  it("crc32 is zlib's (the standard check value)", () => {
    expect(crc32('123456789')).toBe(0xcbf43926);
  });

  for (const c of reference.hyperband) {
    const o = c.options;
    it(`min_resource ${o.min_resource}, max_resource ${o.max_resource}, rf ${o.reduction_factor}, ${c.direction}: brackets and decisions`, () => {
      const brackets = hyperbandBrackets(o.min_resource, o.max_resource, o.reduction_factor);
      const bracketOf = (t: RefPrunerTrial) => hyperbandBracket(c.study_name, t.number, brackets);
      expect(c.trials.map(bracketOf)).toEqual(c.trials.map((t) => t.bracket));
      expect(new Set(c.trials.map(bracketOf)).size).toBeGreaterThan(1);
      const ours = replay(c.trials, bracketOf, (t, rt, othersAt) =>
        hyperbandDecision({ ...o, bootstrap_count: 0 }, c.direction, bracketOf(t), rt, othersAt),
      );
      expect(ours).toEqual(c.trials.map((t) => t.pruned_at));
    });
  }
});

// ASHA: reference cases written by hand from Ray Tune's source (python/ray/tune/schedulers/
// async_hyperband.py, Ray 2.x; Ray cannot be installed here), not recorded from Ray itself.
describe('ASHAScheduler (hand-written cases from Ray Tune 2.x source logic)', () => {
  const options = { grace_period: 1, max_t: 100, reduction_factor: 4, brackets: 1 };

  it('milestones: MAX_RUNGS = int(log(100/1)/log(4) - 0 + 1) = int(4.32) = 4, highest first', () => {
    expect(ashaMilestones(options, 0)).toEqual([64, 16, 4, 1]);
    // Bracket 1 starts one rung later: int(3.32 - 1 + 1)= 3 rungs, 4^1..4^3.
    expect(ashaMilestones(options, 1)).toEqual([64, 16, 4]);
    // grace 2, max_t 9, rf 3: log(4.5)/log(3) = 1.369 -> int(2.369) = 2 rungs: 2*3^1, 2*3^0.
    expect(ashaMilestones({ grace_period: 2, max_t: 9, reduction_factor: 3, brackets: 1 }, 0)).toEqual([
      6, 2,
    ]);
  });

  it('cutoff: np.nanpercentile(recorded, (1 - 1/rf) * 100), linear interpolation, NaN ignored', () => {
    // Ray's doctest: _Bracket(1, 10, 2, 3) with rewards 2 and 4 at a rung: the cutoff is the 50th
    // percentile, 3.0.
    expect(nanPercentile([2, 4], 50)).toBe(3);
    // [1, 2, 3, 4] at the 75th percentile: virtual index 3 * 0.75 = 2.25 -> 3 + 0.25 * (4 - 3).
    expect(nanPercentile([4, 1, 3, 2], 75)).toBe(3.25);
    expect(nanPercentile([Number.NaN, 1, 3], 50)).toBe(2);
  });

  it('stops a result below the cutoff of the rewards recorded before it, and records it either way', () => {
    // Ray's doctest of _Bracket(1, 10, 2, ...): trial1 reward 2 at t=1 continues (empty rung),
    // trial2 reward 4 continues (cutoff = percentile([2], 50) = 2, 4 >= 2), trial3 reward 1 stops
    // (cutoff = percentile([2, 4], 50) = 3, 1 < 3). mode "max": reward = value.
    const o = { grace_period: 1, max_t: 10, reduction_factor: 2, brackets: 1 };
    const rung: number[] = [];
    const results = [2, 4, 1].map((value) => {
      const d = ashaDecision(
        o,
        'maximize',
        0,
        { iteration: 1, value, recordedMilestones: new Set() },
        () => rung,
      );
      rung.push(d.reward!);
      return d;
    });
    expect(results.map((d) => d.stop)).toEqual([false, false, true]);
    expect(results.map((d) => d.cutoff)).toEqual([null, 2, 3]);
    expect(results[2]!.milestone).toBe(1);
  });

  it('mode "min" negates the metric (Ray\'s metric_op = -1)', () => {
    // Losses 0.5 and 0.3 recorded as rewards -0.5, -0.3; a loss of 0.45 (reward -0.45) against
    // percentile([-0.5, -0.3], 75) = -0.5 + 0.75 * 0.2 = -0.35 stops: -0.45 < -0.35.
    const d = ashaDecision(
      options,
      'minimize',
      0,
      { iteration: 1, value: 0.45, recordedMilestones: new Set() },
      () => [-0.5, -0.3],
    );
    expect(d.stop).toBe(true);
    expect(d.cutoff).toBeCloseTo(-0.35, 12);
    // A loss of 0.3 (reward -0.3 >= -0.35) continues.
    expect(
      ashaDecision(
        options,
        'minimize',
        0,
        { iteration: 1, value: 0.3, recordedMilestones: new Set() },
        () => [-0.5, -0.3],
      ).stop,
    ).toBe(false);
  });

  it('judges only at the highest milestone reached and not yet recorded; between milestones nothing happens', () => {
    // At t=5 with milestone 4 already recorded, rungs [64, 16, 4, 1] give: 64, 16 not reached, 4
    // recorded -> Ray's loop `continue`s, 1 not recorded but reached -> judged there. A trial that
    // recorded 1 and 4 is past every rung it reached: CONTINUE, nothing recorded.
    const seen: number[] = [];
    const d = ashaDecision(
      options,
      'maximize',
      0,
      { iteration: 5, value: 1, recordedMilestones: new Set([4]) },
      (m) => {
        seen.push(m);
        return [];
      },
    );
    expect(d.milestone).toBe(1);
    expect(seen).toEqual([1]);
    const none = ashaDecision(
      options,
      'maximize',
      0,
      { iteration: 5, value: 1, recordedMilestones: new Set([1, 4]) },
      () => [9],
    );
    expect(none).toMatchObject({ stop: false, milestone: null });
  });

  it('stops at max_t', () => {
    expect(
      ashaDecision(
        options,
        'maximize',
        0,
        { iteration: 100, value: 1, recordedMilestones: new Set() },
        () => [],
      ).stop,
    ).toBe(true);
  });

  it("assigns brackets deterministically, with Ray's softmax weights over the rung counts", () => {
    const o = { ...options, brackets: 3 };
    const counts = [0, 0, 0];
    for (let i = 0; i < 3000; i++) counts[ashaBracket(o, 'sweep', i)]!++;
    expect(ashaBracket(o, 'sweep', 7)).toBe(ashaBracket(o, 'sweep', 7));
    // Rung counts 4, 3, 2: probabilities e^0, e^-1, e^-2 normalised = 0.665, 0.245, 0.090.
    expect(counts[0]! / 3000).toBeCloseTo(0.665, 1);
    expect(counts[2]! / 3000).toBeCloseTo(0.09, 1);
  });
});
