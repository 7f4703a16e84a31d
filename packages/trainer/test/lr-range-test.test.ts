import { type LrRangeTestSettings, rampLr, rampScheduler, smoothedCurve, smoothLoss } from '@hypersweep/core';
import { describe, expect, it } from 'vitest';
import { selectBackend, type TrialConfig } from '../src/index.js';
import { mnistTrial, record } from './helpers.js';

await selectBackend('wasm');

/** An lr range test's trial config as the API builds it: the ramp's scheduler, the steps, the stop rule. */
function rangeTest(settings: Omit<LrRangeTestSettings, 'smoothing'>, smoothing: number | null): TrialConfig {
  const { lr, scheduler } = rampScheduler(settings);
  const { type, interval, ...options } = scheduler;
  return mnistTrial({
    optimizer: { type: 'SGD', options: { lr, momentum: 0.9 } },
    scheduler: { type, options, interval },
    // 10 steps per epoch: the ramp crosses epochs
    training: { epochs: settings.steps, batchSize: 32, maxSteps: settings.steps },
    ...(smoothing === null ? {} : { stopOnDivergence: { smoothing } }),
  });
}

const closeTo = (actual: number, expected: number) =>
  expect(Math.abs(actual - expected) / expected).toBeLessThan(1e-12);

describe('an lr range test trial', () => {
  it.each(['exp', 'linear'] as const)('trains step i at the ramp lr (%s closed form)', async (mode) => {
    const settings = { start_lr: 1e-5, end_lr: 1e-2, steps: 25, mode };
    const { steps, result } = await record(rangeTest(settings, null));
    expect(result.status).toBe('completed');
    expect(steps.map((s) => s.step)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    // exp: 1e-5 · 1000^(i/25); linear: 1e-5 + (i/25) · (1e-2 − 1e-5)
    for (const [i, s] of steps.entries()) closeTo(s.lr, rampLr(settings, i));
    closeTo(steps[0]!.lr, 1e-5);
    closeTo(steps[24]!.lr, mode === 'exp' ? 1e-5 * 1000 ** (24 / 25) : 1e-5 + (24 / 25) * (1e-2 - 1e-5));
  });

  it('stops, completed, after the step whose smoothed loss exceeds 4x its best', async () => {
    const settings = { start_lr: 1e-3, end_lr: 1e4, steps: 80, mode: 'exp' as const };
    const { steps, result } = await record(rangeTest(settings, 0.9));
    expect(result.status).toBe('completed');
    expect(steps.length).toBeLessThan(80);
    expect(result.stepsDone).toBe(steps.length);
    // recomputed from the stored losses: the rule trips at the last stored step, and not before
    const curve = smoothedCurve(steps, 0.9);
    const best = Math.min(...curve.slice(0, -1).map((p) => p.smoothed));
    const last = curve.at(-1)!.smoothed;
    expect(!Number.isFinite(last) || last > 4 * Math.min(best, last)).toBe(true);
    for (let i = 1; i < curve.length - 1; i++) {
      const bestBefore = Math.min(...curve.slice(0, i + 1).map((p) => p.smoothed));
      expect(curve[i]!.smoothed).toBeLessThanOrEqual(4 * bestBefore);
    }
  });

  it('resumes from a checkpoint with its smoothed loss: the same steps, the same stop, none twice', async () => {
    const config = rangeTest({ start_lr: 1e-3, end_lr: 1e4, steps: 80, mode: 'exp' }, 0.9);
    const full = await record(config, { checkpointEvery: 5 });
    const saved = full.checkpoints.find((c) => c.step === 10)!;
    expect(saved.smoothedLoss?.n).toBe(10);
    // the checkpoint's state is the fold of the first 10 losses
    let state = { avg: 0, n: 0, best: Number.POSITIVE_INFINITY };
    for (const s of full.steps.slice(0, 10)) state = smoothLoss(state, s.loss, 0.9).state;
    expect(saved.smoothedLoss).toEqual(state);
    const resumed = await record(config, { resumeFrom: saved });
    expect(resumed.steps).toEqual(full.steps.slice(10));
    expect(resumed.result.stepsDone).toBe(full.result.stepsDone);
  });
});
