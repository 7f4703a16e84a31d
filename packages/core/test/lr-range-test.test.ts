import { describe, expect, it } from 'vitest';
import {
  initialSmoothedLoss,
  lrRangeTestDefaults,
  lrRangeTestErrors,
  rampLr,
  rampScheduler,
  smoothedCurve,
  smoothLoss,
  suggestLrs,
} from '../src/lr-range-test.js';

describe('the lr ramp', () => {
  it('exp: start · (end/start)^(i/steps), as fastai SchedExp(pos = i / num_it)', () => {
    const s = { start_lr: 1e-7, end_lr: 10, steps: 100, mode: 'exp' as const };
    expect(rampLr(s, 0)).toBe(1e-7);
    // 1e-7 · (1e8)^(25/100) = 1e-7 · 1e2 = 1e-5; at 50: 1e-7 · 1e4 = 1e-3; at 100 (one past the last): 10
    expect(rampLr(s, 25)).toBeCloseTo(1e-5, 18);
    expect(rampLr(s, 50) / 1e-3).toBeCloseTo(1, 14);
    expect(rampLr(s, 99) / (1e-7 * 1e8 ** 0.99)).toBeCloseTo(1, 14);
    expect(rampLr(s, 100) / 10).toBeCloseTo(1, 14);
  });

  it('linear: start + (i/steps) · (end − start)', () => {
    const s = { start_lr: 0.01, end_lr: 1.01, steps: 100, mode: 'linear' as const };
    // 0.01 + i · 0.01
    for (const i of [0, 1, 37, 99]) expect(rampLr(s, i)).toBeCloseTo(0.01 + i * 0.01, 15);
  });

  it('the scheduler that drives it: ExponentialLR(gamma) or LinearLR from start/end, stepped per step', () => {
    const exp = rampScheduler({ start_lr: 1e-4, end_lr: 1, steps: 4, mode: 'exp' });
    // gamma = (1 / 1e-4)^(1/4) = 10
    expect(exp.lr).toBe(1e-4);
    expect(exp.scheduler).toMatchObject({ type: 'ExponentialLR', interval: 'step' });
    expect(exp.scheduler['gamma']).toBeCloseTo(10, 12);
    const linear = rampScheduler({ start_lr: 0.1, end_lr: 2, steps: 10, mode: 'linear' });
    expect(linear).toEqual({
      lr: 2,
      scheduler: { type: 'LinearLR', start_factor: 0.05, end_factor: 1, total_iters: 10, interval: 'step' },
    });
  });
});

describe('the stopping rule', () => {
  it('bias-corrected EMA of the loss; stops when it exceeds 4x its best (β = 0.5, by hand)', () => {
    const losses = [4, 2, 1, 1, 8, 40];
    // avg_n = 0.5·avg_{n−1} + 0.5·loss_n; smoothed_n = avg_n / (1 − 0.5^n)
    // n=1: avg 2        -> 2 / 0.5          = 4
    // n=2: avg 2        -> 2 / 0.75         = 8/3
    // n=3: avg 1.5      -> 1.5 / 0.875      = 12/7
    // n=4: avg 1.25     -> 1.25 / 0.9375    = 4/3    (best)
    // n=5: avg 4.625    -> 4.625 / 0.96875  = 148/31 ≈ 4.774 <= 4 · 4/3 = 5.333: goes on
    // n=6: avg 22.3125  -> 22.3125/0.984375 = 68/3   ≈ 22.67 >  5.333: stops after step 6
    const expected = [4, 8 / 3, 12 / 7, 4 / 3, 148 / 31, 68 / 3];
    const stops = [false, false, false, false, false, true];
    let state = initialSmoothedLoss();
    losses.forEach((loss, i) => {
      const next = smoothLoss(state, loss, 0.5);
      expect(next.smoothed).toBeCloseTo(expected[i]!, 12);
      expect(next.stop).toBe(stops[i]);
      state = next.state;
    });
    expect(state.best).toBeCloseTo(4 / 3, 14);
    expect(
      smoothedCurve(
        losses.map((loss, i) => ({ step: i + 1, lr: i, loss })),
        0.5,
      ).map((p) => p.smoothed),
    ).toEqual(
      losses.reduce<{ s: typeof state; out: number[] }>(
        (acc, loss) => {
          const next = smoothLoss(acc.s, loss, 0.5);
          return { s: next.state, out: [...acc.out, next.smoothed] };
        },
        { s: initialSmoothedLoss(), out: [] },
      ).out,
    );
  });

  it('a non-finite loss stops it', () => {
    expect(smoothLoss(initialSmoothedLoss(), Number.NaN, 0.98).stop).toBe(true);
    expect(smoothLoss(initialSmoothedLoss(), Number.POSITIVE_INFINITY, 0.98).stop).toBe(true);
  });
});

describe('the suggestions (fastai steep and minimum)', () => {
  // smoothing 0: the smoothed loss is the loss, so the curve below is what the suggestions read.
  // lr_i = 2^i, so ln lr_{i+1} − ln lr_i = ln 2 everywhere and the steepest slope is the biggest drop.
  const losses = [9, 9, 5, 4.8, 4.5, 3.0, 2.8, 2.0, 1.9, 1.7, 1.6, 1.65, 1.8, 2.5, 3.0, 0.1, 50, 50, 50, 50];
  const curve = smoothedCurve(
    losses.map((loss, i) => ({ step: i + 1, lr: 2 ** i, loss })),
    0,
  );

  it('read the curve without its first steps/10 points and its last 5', () => {
    const s = suggestLrs(curve, 20);
    // window: points 2 .. 14 (skip 20 // 10 = 2 at the start; 20 − 5 = 15 is the end)
    expect(s.window).toEqual({ skipBegin: 2, count: 13 });
    // slopes (s[i+1] − s[i]) / ln 2 in the window: 2→3 −0.2, 3→4 −0.3, 4→5 −1.5 (steepest), 6→7 −0.8, ...
    // (1→2 drops by 4 but point 1 is skipped): steep = lr_4 = 16
    expect(s.steep).toBe(16);
    // lowest in the window: point 10 (1.6; point 15's 0.1 is among the last 5): 2^10 / 10 = 102.4
    expect(s.lrAtMinimum).toBe(1024);
    expect(s.minimum).toBeCloseTo(102.4, 12);
  });

  it('cut at the first non-finite smoothed loss; null with nothing left', () => {
    const withNaN = curve.map((p, i) => (i === 6 ? { ...p, smoothed: Number.NaN } : p));
    // window points 2..5: slopes −0.2, −0.3, −1.5 -> steep lr_4; lowest 3.0 at point 5 -> 32 / 10
    const s = suggestLrs(withNaN, 20);
    expect(s.window.count).toBe(4);
    expect(s.steep).toBe(16);
    expect(s.minimum).toBeCloseTo(3.2, 12);
    expect(suggestLrs(curve.slice(0, 5), 20)).toMatchObject({ steep: null, minimum: null });
    // one point: a minimum, no slope
    expect(suggestLrs(curve.slice(0, 8), 20)).toMatchObject({ steep: null, lrAtMinimum: 4 });
  });
});

describe('settings', () => {
  it('defaults are fastai lr_find defaults', () => {
    expect(lrRangeTestDefaults).toEqual({
      start_lr: 1e-7,
      end_lr: 10,
      steps: 100,
      mode: 'exp',
      smoothing: 0.98,
    });
    expect(lrRangeTestErrors(lrRangeTestDefaults)).toEqual([]);
  });

  it('names each bad field', () => {
    const errors = lrRangeTestErrors({
      start_lr: 1,
      end_lr: 0.5,
      steps: 1,
      mode: 'cosine' as never,
      smoothing: 1,
    });
    expect(errors.map((e) => e.field)).toEqual(['end_lr', 'steps', 'mode', 'smoothing']);
    expect(errors[0]!.message).toBe('end_lr must be greater than start_lr (1), got 0.5');
    expect(lrRangeTestErrors({ ...lrRangeTestDefaults, start_lr: 0 }).map((e) => e.field)).toEqual([
      'start_lr',
    ]);
    expect(lrRangeTestErrors({ ...lrRangeTestDefaults, steps: 10_001 })).toEqual([
      { field: 'steps', message: 'steps must be an integer from 2 to 10000, got 10001' },
    ]);
    expect(lrRangeTestErrors({ ...lrRangeTestDefaults, steps: 10_000 })).toEqual([]);
  });
});
