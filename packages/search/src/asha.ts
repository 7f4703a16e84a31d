import { crc32 } from './crc32.js';
import { goOn, type Pruner, type PruningReads, rungValuesAt, type TrialReport } from './pruning.js';
import { RandomState } from './random-state.js';
import type { Direction } from './tpe-sampler.js';

/** Ray Tune's ASHAScheduler options, names and defaults as Ray 2.x (time_attr = epochs). */
export interface AshaOptions {
  grace_period: number;
  max_t: number;
  reduction_factor: number;
  brackets: number;
}

export const ashaDefaults: AshaOptions = { grace_period: 1, max_t: 100, reduction_factor: 4, brackets: 1 };

/**
 * The milestones of bracket s, highest first, as Ray's `_Bracket.__init__`:
 * MAX_RUNGS = int(log(max_t / grace_period) / log(rf) - s + 1), milestone k = grace * rf^(k + s).
 */
export function ashaMilestones(options: AshaOptions, bracket: number): number[] {
  const maxRungs = Math.trunc(
    Math.log(options.max_t / options.grace_period) / Math.log(options.reduction_factor) - bracket + 1,
  );
  const milestones: number[] = [];
  for (let k = maxRungs - 1; k >= 0; k--)
    milestones.push(options.grace_period * options.reduction_factor ** (k + bracket));
  return milestones;
}

/**
 * The bracket of a trial. Ray draws it with np.random (softmax of the brackets' rung counts); here
 * the draw is seeded by "<sweep id>_<trial number>" so that every worker and every rerun agrees.
 */
export function ashaBracket(options: AshaOptions, studyName: string, trialNumber: number): number {
  if (options.brackets <= 1) return 0;
  const sizes = Array.from({ length: options.brackets }, (_, s) => ashaMilestones(options, s).length);
  const max = Math.max(...sizes);
  const probs = sizes.map((size) => Math.E ** (size - max));
  return new RandomState(crc32(`${studyName}_${trialNumber}`)).choice(probs, 1)[0]!;
}

/** NumPy's nanpercentile, linear method: q in percent. */
export function nanPercentile(values: ArrayLike<number>, q: number): number {
  const finite: number[] = [];
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i]!)) finite.push(values[i]!);
  if (finite.length === 0) return Number.NaN;
  const sorted = Float64Array.from(finite).sort();
  const virtual = (sorted.length - 1) * (q / 100);
  const lo = Math.floor(virtual);
  const hi = Math.min(lo + 1, sorted.length - 1);
  const t = virtual - lo;
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

export interface AshaDecision {
  stop: boolean;
  /** The milestone this result was recorded at (null: none reached or already recorded). */
  milestone: number | null;
  /** The reward recorded (Ray's metric_op * value: larger is better). */
  reward: number | null;
  /** The cutoff in reward units (null while the rung was empty). */
  cutoff: number | null;
  reason: string | null;
}

/**
 * Ray Tune's AsyncHyperBandScheduler.on_trial_result with `_Bracket.on_result`
 * (python/ray/tune/schedulers/async_hyperband.py, stop_last_trials=True): a result at `iteration`
 * (epoch) is judged at the highest milestone it reached and has not recorded yet, against the
 * rewards recorded there before it: it stops when its reward is below the (1 - 1/rf) quantile
 * (np.nanpercentile) of them. It is recorded at that milestone either way. At max_t it stops.
 * `othersAt(milestone)` gives the rewards the other trials of the bracket recorded there.
 */
export function ashaDecision(
  options: AshaOptions,
  direction: Direction,
  bracket: number,
  trial: { iteration: number; value: number; recordedMilestones: ReadonlySet<number> },
  othersAt: (milestone: number) => ArrayLike<number>,
): AshaDecision {
  if (trial.iteration >= options.max_t) {
    return {
      stop: true,
      milestone: null,
      reward: null,
      cutoff: null,
      reason: `stopped at epoch ${trial.iteration + 1}: max_t ${options.max_t} reached`,
    };
  }
  const reward = direction === 'maximize' ? trial.value : -trial.value;
  for (const milestone of ashaMilestones(options, bracket)) {
    if (trial.iteration < milestone || trial.recordedMilestones.has(milestone)) continue;
    const recorded = othersAt(milestone);
    const cutoff =
      recorded.length === 0 ? null : nanPercentile(recorded, (1 - 1 / options.reduction_factor) * 100);
    const stop = cutoff !== null && reward < cutoff;
    const metricCutoff = cutoff === null ? null : direction === 'maximize' ? cutoff : -cutoff;
    return {
      stop,
      milestone,
      reward,
      cutoff,
      reason: stop
        ? `pruned at epoch ${trial.iteration + 1}: ${trial.value} at milestone ${milestone} is worse than the cutoff ${metricCutoff} (the ${1 - 1 / options.reduction_factor} quantile of ${recorded.length} trials)`
        : null,
    };
  }
  return { stop: false, milestone: null, reward: null, cutoff: null, reason: null };
}

/**
 * Ray Tune's ASHAScheduler behind the Pruner interface. Rung values are stored as objective values
 * and ASHA compares rewards (Ray's metric_op * value: negated for "minimize"); the cutoff of a pruned
 * trial is given back in objective units. A report without a value decides nothing.
 */
export function ashaPruner(options: AshaOptions): Pruner {
  const reads = (trial: TrialReport): PruningReads | null =>
    trial.value === null
      ? null
      : { rungs: { bracket: ashaBracket(options, trial.studyName, trial.number), from: 'all' } };
  return {
    reads,
    prune(study, trial) {
      const bracket = reads(trial)?.rungs?.bracket;
      if (bracket === undefined || trial.value === null) return goOn();
      const value = trial.value;
      const sign = study.direction === 'maximize' ? 1 : -1;
      const d = ashaDecision(
        options,
        study.direction,
        bracket,
        { iteration: trial.epoch, value, recordedMilestones: new Set(study.trialRungs) },
        (milestone) => rungValuesAt(study, bracket, milestone).map((v) => sign * v),
      );
      const records = d.milestone === null ? [] : [{ rung: d.milestone, value }];
      if (!d.stop) return goOn(bracket, records);
      return {
        prune: true,
        bracket,
        records,
        rung: d.milestone,
        value: d.milestone === null ? null : value,
        cutoff: d.cutoff === null ? null : sign * d.cutoff,
        reason: d.reason,
      };
    },
  };
}
