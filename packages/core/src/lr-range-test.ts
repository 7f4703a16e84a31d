/**
 * The learning-rate range test (Smith 2017, "Cyclical Learning Rates for Training Neural Networks", §3.3;
 * fastai's `Learner.lr_find`, Lightning's `Tuner.lr_find`): train with a learning rate that grows every step
 * from `start_lr` towards `end_lr`, record each step's loss, stop once the smoothed loss has blown up, and
 * read suggestions off the curve. Pure functions: the trainer stops by them, the API draws by them.
 */

export type LrRampMode = 'exp' | 'linear';

export interface LrRangeTestSettings {
  start_lr: number;
  end_lr: number;
  steps: number;
  mode: LrRampMode;
  /** β of the exponential moving average of the loss (fastai's Recorder and Lightning: 0.98). */
  smoothing: number;
}

/** fastai's `lr_find` defaults (start_lr 1e-7, end_lr 10, num_it 100, exponential; Recorder beta 0.98). */
export const lrRangeTestDefaults: LrRangeTestSettings = {
  start_lr: 1e-7,
  end_lr: 10,
  steps: 100,
  mode: 'exp',
  smoothing: 0.98,
};

/** Steps a test may have at most: its curve is read and sent whole. */
export const MAX_LR_RANGE_TEST_STEPS = 10_000;

/** The stop rule's factor: fastai's LRFinder and Lightning's `early_stop_threshold` (4). */
export const DIVERGENCE_FACTOR = 4;

/**
 * The learning rate of step `i` (0-based) of a ramp of `steps` steps, as fastai's SchedExp / Lightning's
 * _ExponentialLR and _LinearLR: position p = i / steps, `exp`: start · (end / start)^p, `linear`:
 * start + p · (end − start). Step 0 trains at start_lr; end_lr would be step `steps`, one past the last.
 */
export function rampLr(
  settings: Pick<LrRangeTestSettings, 'start_lr' | 'end_lr' | 'steps' | 'mode'>,
  i: number,
) {
  const p = i / settings.steps;
  const { start_lr: start, end_lr: end } = settings;
  return settings.mode === 'exp' ? start * (end / start) ** p : start + p * (end - start);
}

/**
 * The torch scheduler that drives the ramp when stepped after every optimizer step (interval "step"),
 * with the optimizer's `lr` set to `lr` (what the trial's optimizer entry gets). `exp`: ExponentialLR with
 * gamma = (end / start)^(1 / steps), so step i trains at start · gamma^i; `linear`: LinearLR from
 * start / end to 1 over `steps` steps with base lr end_lr (LinearLR's factors must lie in (0, 1]), so step i
 * trains at end · (start/end + (1 − start/end) · i / steps) = start + (end − start) · i / steps.
 */
export function rampScheduler(
  settings: Pick<LrRangeTestSettings, 'start_lr' | 'end_lr' | 'steps' | 'mode'>,
): {
  lr: number;
  scheduler: { type: string; interval: 'step' } & Record<string, unknown>;
} {
  const { start_lr: start, end_lr: end, steps } = settings;
  if (settings.mode === 'exp')
    return {
      lr: start,
      scheduler: { type: 'ExponentialLR', gamma: (end / start) ** (1 / steps), interval: 'step' },
    };
  return {
    lr: end,
    scheduler: {
      type: 'LinearLR',
      start_factor: start / end,
      end_factor: 1,
      total_iters: steps,
      interval: 'step',
    },
  };
}

/**
 * The bias-corrected exponential moving average of the loss and its best value so far, step by step
 * (fastai's AvgSmoothLoss: avg ← β·avg + (1 − β)·loss, smoothed = avg / (1 − β^n)). Plain data, so a
 * trial's checkpoint carries it and a resumed trial goes on exactly where it stopped.
 */
export interface SmoothedLoss {
  /** The raw moving average (before bias correction). */
  avg: number;
  /** Losses averaged so far. */
  n: number;
  /** The lowest smoothed loss so far (Infinity before the first). */
  best: number;
}

export const initialSmoothedLoss = (): SmoothedLoss => ({ avg: 0, n: 0, best: Number.POSITIVE_INFINITY });

/**
 * Folds one step's loss in: the step's smoothed loss, and whether the test stops after this step (the
 * smoothed loss above DIVERGENCE_FACTOR times the best so far, as fastai's LRFinder.after_batch: the best
 * is updated first, and the step that trips the rule is kept). A non-finite loss stops it too.
 */
export function smoothLoss(
  state: SmoothedLoss,
  loss: number,
  beta: number,
): { state: SmoothedLoss; smoothed: number; stop: boolean } {
  const avg = beta * state.avg + (1 - beta) * loss;
  const n = state.n + 1;
  const smoothed = avg / (1 - beta ** n);
  const best = Math.min(state.best, smoothed);
  const stop = !Number.isFinite(smoothed) || smoothed > DIVERGENCE_FACTOR * best;
  return { state: { avg, n, best }, smoothed, stop };
}

export interface LrCurvePoint {
  step: number;
  lr: number;
  loss: number;
  smoothed: number;
}

/** Each stored step's smoothed loss (steps in order, from step 1). */
export function smoothedCurve(
  steps: readonly { step: number; lr: number; loss: number }[],
  beta: number,
): LrCurvePoint[] {
  let state = initialSmoothedLoss();
  return steps.map((s) => {
    const next = smoothLoss(state, s.loss, beta);
    state = next.state;
    return { ...s, smoothed: next.smoothed };
  });
}

export interface LrSuggestions {
  /** fastai's `steep`: the lr where the smoothed loss falls fastest against log lr. */
  steep: number | null;
  /** fastai's `minimum`: the lr of the lowest smoothed loss, divided by 10. */
  minimum: number | null;
  /** The lr of the lowest smoothed loss itself (minimum × 10). */
  lrAtMinimum: number | null;
  /** The points the suggestions were read from: steps [skipBegin, skipBegin + count) of the curve. */
  window: { skipBegin: number; count: number };
}

/**
 * fastai's suggestions (`lr_find`'s suggest_funcs `steep` and `minimum`): over the curve without its
 * first `planned // 10` points and its last 5 (the warm-up, and the blow-up that stopped the test), cut at
 * the first non-finite loss: `steep` = lrs[argmin((s[i+1] − s[i]) / (ln lr[i+1] − ln lr[i]))], `minimum` =
 * lrs[argmin(s)] / 10, s the smoothed losses. Null when too few points are left (2 for steep, 1 for minimum).
 */
export function suggestLrs(curve: readonly LrCurvePoint[], plannedSteps: number): LrSuggestions {
  const skipBegin = Math.floor(plannedSteps / 10);
  let points = curve.slice(skipBegin, Math.max(skipBegin, curve.length - 5));
  const firstNaN = points.findIndex((p) => !Number.isFinite(p.smoothed));
  if (firstNaN >= 0) points = points.slice(0, firstNaN);
  const window = { skipBegin, count: points.length };
  if (points.length === 0) return { steep: null, minimum: null, lrAtMinimum: null, window };
  let lowest = 0;
  for (let i = 1; i < points.length; i++) if (points[i]!.smoothed < points[lowest]!.smoothed) lowest = i;
  const lrAtMinimum = points[lowest]!.lr;
  let steep: number | null = null;
  let steepest = Number.POSITIVE_INFINITY;
  for (let i = 0; i + 1 < points.length; i++) {
    const a = points[i]!;
    const b = points[i + 1]!;
    const grad = (b.smoothed - a.smoothed) / (Math.log(b.lr) - Math.log(a.lr));
    if (grad < steepest) {
      steepest = grad;
      steep = a.lr;
    }
  }
  return { steep, minimum: lrAtMinimum / 10, lrAtMinimum, window };
}

/** What is wrong with a range test's settings, by field (the API adds the JSON pointer). */
export function lrRangeTestErrors(
  s: LrRangeTestSettings,
): { field: keyof LrRangeTestSettings; message: string }[] {
  const errors: { field: keyof LrRangeTestSettings; message: string }[] = [];
  if (!(s.start_lr > 0) || !Number.isFinite(s.start_lr))
    errors.push({ field: 'start_lr', message: `start_lr must be a finite number > 0, got ${s.start_lr}` });
  if (!Number.isFinite(s.end_lr) || !(s.end_lr > s.start_lr))
    errors.push({
      field: 'end_lr',
      message: `end_lr must be greater than start_lr (${s.start_lr}), got ${s.end_lr}`,
    });
  if (!Number.isInteger(s.steps) || s.steps < 2 || s.steps > MAX_LR_RANGE_TEST_STEPS)
    errors.push({
      field: 'steps',
      message: `steps must be an integer from 2 to ${MAX_LR_RANGE_TEST_STEPS}, got ${s.steps}`,
    });
  if (s.mode !== 'exp' && s.mode !== 'linear')
    errors.push({ field: 'mode', message: `mode must be "exp" or "linear", got ${JSON.stringify(s.mode)}` });
  if (!(s.smoothing >= 0 && s.smoothing < 1))
    errors.push({ field: 'smoothing', message: `smoothing must be in [0, 1), got ${s.smoothing}` });
  return errors;
}
