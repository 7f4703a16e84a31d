import { asMinimized, isUuid, topConfigs, tuningConfigs } from '@hypersweep/core';
import {
  findSweep,
  type ProtocolTrialRow,
  readProtocolTrials,
  type SweepRow,
  sweepProject,
} from '@hypersweep/db';
import { configKey, type ProtocolPlan, summarize, type TrialConfig, withoutSeed } from '@hypersweep/spec';
import type { ApiContext } from '../context.js';
import { HttpError, notFound } from '../errors.js';
import { PROFILE_TAUS, performanceProfile, quantile, tuningCurve, welchTTest } from './benchmark-stats.js';

/** How the answer computes what it reports: the rules, in the response where the numbers are. */
export const BENCHMARK_METHODS = {
  budget:
    'Every tuned optimizer entry has the same budget of tuning configs, each run on every tuning seed. A config counts once sampled, whatever became of it: failed and pruned configs were tried (the paper counts configs tried) and are not replaced.',
  tuned:
    "An entry's top configs by the mean objective over the tuning seeds, among configs whose every tuning trial completed.",
  evaluation:
    'Over completed evaluation trials only (the evaluation seeds; tuning trials never count): n, mean, sample std, 95% interval of the mean (Student t, n - 1 degrees of freedom), min, max of the best objective value.',
  target:
    "Steps: the last optimizer step of the first epoch at which the target metric reached the target. Seconds: the trial's run time times that step's share of its steps (trials are not timed per step). Median and interquartile range over the evaluation trials that reached it; `never` counts the finished ones that did not.",
  tuningCurve:
    'Expected best objective (mean over tuning seeds) after k configs, exact over all orderings of the configs tried (not Monte Carlo): the best of the first k of a random ordering is the best of a uniformly random k-subset, P(best = i-th best) = C(N - i, k - 1) / C(N, k); configs without a value rank last. q25 / q75: exact quantiles of that best; mean is conditional on one of the k having a value (pNone: the chance none has).',
  ranking:
    "Welch's t-test (two-sided, unequal variances) of each optimizer's evaluation values against the best optimizer's (by evaluation mean); p >= 0.05: not distinguishable from the best at 95%.",
} as const;

const ALPHA = 0.05;

/** The direction a target metric improves in: accuracy up, losses down. */
const targetDirection = (metric: string): 'min' | 'max' => (metric === 'val_accuracy' ? 'max' : 'min');

/** A protocol sweep named by `:id`: 404 unknown, 409 without a protocol. */
async function protocolSweep(context: ApiContext, id: string, path: string) {
  const sweep = await findSweep(context.pool, id);
  if (sweep === null) throw notFound('sweep', id);
  if (sweep.protocol === null) {
    const message = `sweep ${id} has no protocol: a benchmark needs "protocol": {"type": "tune-then-evaluate", ...} in its spec`;
    throw new HttpError(409, message, [{ path, message }]);
  }
  return sweep as SweepRow & { protocol: ProtocolPlan & Record<string, unknown> };
}

const labelsOf = (plan: ProtocolPlan) => {
  const counts = new Map<string, number>();
  for (const e of plan.entries) counts.set(e.type, (counts.get(e.type) ?? 0) + 1);
  return new Map(
    plan.entries.map((e) => [e.entry, (counts.get(e.type) ?? 0) > 1 ? `${e.type}#${e.entry}` : e.type]),
  );
};

const spread = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: quantile(sorted, 0.5), q25: quantile(sorted, 0.25), q75: quantile(sorted, 0.75) };
};

const FINISHED = new Set(['completed', 'failed', 'pruned', 'cancelled']);

/** GET /v1/sweeps/:id/benchmark: what the protocol found, from whatever trials have finished so far. */
export async function sweepBenchmark(context: ApiContext, id: string) {
  const sweep = await protocolSweep(context, id, '/params/id');
  const plan = sweep.protocol;
  const mode = sweep.objectiveMode;
  const direction = targetDirection(plan.target.metric);
  const rows = await readProtocolTrials(context.pool, sweep.id, { ...plan.target, direction });
  const labels = labelsOf(plan);
  const optimizers = plan.entries.map((entry) => {
    const trials = rows.filter((t) => t.entry === entry.entry);
    const tuning = trials.filter((t) => t.phase === 'tuning');
    const evaluation = trials.filter((t) => t.phase === 'evaluation');
    return {
      entry: entry.entry,
      label: labels.get(entry.entry)!,
      type: entry.type,
      oneShot: entry.oneShot,
      tuning: tuningView(tuning, plan, mode, entry.oneShot),
      tuned: tunedView(tuning, evaluation, plan, mode, entry.oneShot),
      evaluation: evaluationView(evaluation),
      target: targetView(evaluation),
    };
  });
  return {
    id: sweep.id,
    name: sweep.name,
    status: sweep.status,
    objective: { metric: sweep.objectiveMetric, mode },
    protocol: {
      type: plan.type,
      tuning: plan.tuning,
      evaluation: plan.evaluation,
      target: { ...plan.target, direction },
    },
    trials: countStatuses(rows),
    optimizers,
    ranking: ranking(optimizers, mode),
    methods: BENCHMARK_METHODS,
  };
}

function countStatuses(rows: readonly ProtocolTrialRow[]) {
  const count = (phase: string) => {
    const of = rows.filter((t) => t.phase === phase);
    return {
      created: of.length,
      finished: of.filter((t) => FINISHED.has(t.status)).length,
      completed: of.filter((t) => t.status === 'completed').length,
      failed: of.filter((t) => t.status === 'failed').length,
      pruned: of.filter((t) => t.status === 'pruned').length,
    };
  };
  return { tuning: count('tuning'), evaluation: count('evaluation') };
}

/** The tuning configs tried: each config's value is the mean over its tuning seeds (null unless all completed). */
function tuningView(tuning: ProtocolTrialRow[], plan: ProtocolPlan, mode: 'min' | 'max', oneShot: boolean) {
  const seeds = plan.tuning.seeds.length;
  const configs = tuningConfigs(tuning, seeds, (c) => configKey(c as TrialConfig));
  const ended = configs.map((c) => c.trials).filter((group) => group.every((t) => FINISHED.has(t.status)));
  const values = ended.map((group) =>
    group.length === seeds && group.every((t) => t.status === 'completed' && t.bestValue !== null)
      ? group.reduce((a, t) => a + asMinimized(mode, t.bestValue!), 0) / seeds
      : null,
  );
  const signed = (v: number | null) => (v === null ? null : asMinimized(mode, v));
  return {
    budget: oneShot ? 0 : plan.tuning.trials,
    configsTried: configs.length,
    configsEnded: ended.length,
    configsWithValue: values.filter((v) => v !== null).length,
    curve: tuningCurve(values).map((p) => ({
      k: p.k,
      mean: signed(p.mean),
      // Quantiles in the objective's own orientation: a maximised objective's 25% is the minimised one's 75%.
      q25: signed(mode === 'max' ? p.q75 : p.q25),
      q75: signed(mode === 'max' ? p.q25 : p.q75),
      pNone: p.pNone,
    })),
  };
}

function tunedView(
  tuning: ProtocolTrialRow[],
  evaluation: ProtocolTrialRow[],
  plan: ProtocolPlan,
  mode: 'min' | 'max',
  oneShot: boolean,
) {
  const byKey = new Map<string, ProtocolTrialRow[]>();
  for (const t of evaluation) {
    const key = configKey(t.config as TrialConfig);
    byKey.set(key, [...(byKey.get(key) ?? []), t]);
  }
  const ended = tuning
    .filter((t) => t.status === 'completed' || t.status === 'failed' || t.status === 'pruned')
    .map((t) => ({ ...t, status: t.status as 'completed', params: null, lastEpoch: null, lastValue: null }));
  const ranked = oneShot
    ? []
    : topConfigs(ended, plan.tuning.seeds.length, mode, plan.evaluation.top, (c) =>
        configKey(c as TrialConfig),
      );
  const tuningScore = new Map(
    ranked.map((r) => [configKey(r.config as TrialConfig), asMinimized(mode, r.score)]),
  );
  return [...byKey.entries()].map(([key, trials], rank) => ({
    rank: rank + 1,
    config: withoutSeed(trials[0]!.config as TrialConfig) as Record<string, unknown>,
    tuningMean: tuningScore.get(key) ?? null,
    evaluationTrialIds: trials.map((t) => t.id),
  }));
}

function evaluationView(evaluation: ProtocolTrialRow[]) {
  const values = evaluation
    .filter((t) => t.status === 'completed' && t.bestValue !== null)
    .map((t) => ({ trialId: t.id, seed: (t.config as TrialConfig).seed, value: t.bestValue! }));
  const summary = summarize(values.map((v) => v.value));
  return {
    ...summary,
    ci95: summary.interval === null ? null : { low: summary.interval.low, high: summary.interval.high },
    values,
    unfinished: evaluation.filter((t) => !FINISHED.has(t.status)).length,
  };
}

function targetView(evaluation: ProtocolTrialRow[]) {
  // Seeds that reached the target, and finished ones that never did (a running trial may yet).
  const counted = evaluation.filter(
    (t) => t.stepsToTarget !== null || (FINISHED.has(t.status) && t.status !== 'cancelled'),
  );
  const perSeed = counted.map((t) => ({
    trialId: t.id,
    seed: (t.config as TrialConfig).seed,
    steps: t.stepsToTarget,
    seconds:
      t.stepsToTarget === null || t.seconds === null || t.stepsDone === 0
        ? null
        : (t.seconds * t.stepsToTarget) / t.stepsDone,
  }));
  const reached = perSeed.filter((s) => s.steps !== null);
  return {
    reached: reached.length,
    never: perSeed.length - reached.length,
    steps: spread(reached.map((s) => s.steps!)),
    seconds: spread(reached.filter((s) => s.seconds !== null).map((s) => s.seconds!)),
    perSeed,
  };
}

function ranking(
  optimizers: ReadonlyArray<{
    entry: number;
    label: string;
    evaluation: { mean: number | null; values: { value: number }[] };
  }>,
  mode: 'min' | 'max',
) {
  const ranked = optimizers
    .filter((o) => o.evaluation.mean !== null)
    .sort((a, b) => asMinimized(mode, a.evaluation.mean!) - asMinimized(mode, b.evaluation.mean!));
  const best = ranked[0];
  const values = (o: { evaluation: { values: { value: number }[] } }) =>
    o.evaluation.values.map((v) => v.value);
  return {
    test: "Welch's t-test, two-sided, alpha 0.05, against the best optimizer by evaluation mean",
    best: best?.label ?? null,
    rows: ranked.map((o, i) => {
      const test = i === 0 ? null : welchTTest(values(o), values(best!));
      return {
        rank: i + 1,
        entry: o.entry,
        label: o.label,
        mean: o.evaluation.mean,
        pValue: test?.p ?? null,
        // The best is its own peer; without a test (fewer than two values) nothing tells them apart.
        tiedWithBest: i === 0 || test === null || test.p >= ALPHA,
      };
    }),
  };
}

/** What GET /v1/benchmarks asks for. */
export interface BenchmarksQuery {
  sweeps: string;
  measure: 'seconds' | 'steps';
}

/**
 * GET /v1/benchmarks?sweeps=ID,ID: AlgoPerf's performance profiles over the sweeps (one workload each).
 * An optimizer's time on a workload is the median over its tuned config's evaluation seeds of the time to
 * the target, a seed that never reached it counting as infinite (so it has none when half its seeds never
 * did). Optimizers are matched across sweeps by label (the entry's type).
 */
export async function benchmarksProfile(context: ApiContext, query: BenchmarksQuery, scope: string | null) {
  const ids = query.sweeps
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (ids.length === 0 || ids.length > 50) {
    const message = 'sweeps is a comma-separated list of 1 to 50 sweep ids';
    throw new HttpError(400, message, [{ path: '/query/sweeps', message }]);
  }
  ids.forEach((id, i) => {
    if (!isUuid(id)) {
      const message = `${JSON.stringify(id)} is not a sweep id (a UUID)`;
      throw new HttpError(400, message, [{ path: `/query/sweeps/${i}`, message }]);
    }
  });
  const benchmarks = [];
  for (const [i, id] of ids.entries()) {
    try {
      // Another project's sweep is not found, as if it did not exist.
      const project = scope === null ? null : await sweepProject(context.pool, id);
      if (project !== null && project !== scope) throw notFound('sweep', id);
      benchmarks.push(await sweepBenchmark(context, id));
    } catch (error) {
      if (error instanceof HttpError)
        throw new HttpError(error.statusCode, error.message, [
          { path: `/query/sweeps/${i}`, message: error.message },
        ]);
      throw error;
    }
  }
  const labels = [...new Set(benchmarks.flatMap((b) => b.optimizers.map((o) => o.label)))];
  const times = benchmarks.map((b) =>
    labels.map((label) => {
      const o = b.optimizers.find((x) => x.label === label);
      return o === undefined ? null : medianTime(o, query.measure);
    }),
  );
  return {
    measure: query.measure,
    taus: PROFILE_TAUS,
    workloads: benchmarks.map((b, w) => ({
      sweepId: b.id,
      name: b.name,
      status: b.status,
      target: b.protocol.target,
      times: Object.fromEntries(labels.map((label, o) => [label, times[w]![o]!])),
    })),
    profiles: performanceProfile(labels, times, PROFILE_TAUS),
    method:
      'Performance profile (Dolan and Moré 2002, as AlgoPerf): for each optimizer, the fraction of workloads on which its time to the target is at most tau times the fastest optimizer time there. A time is the median over the evaluation seeds, a seed that never reached the target counting as infinite; none: it counts at no tau.',
  };
}

/** The median over an optimizer's finished evaluation seeds of its time to the target (never: infinite). */
function medianTime(
  optimizer: { target: { perSeed: Array<{ steps: number | null; seconds: number | null }> } },
  measure: 'seconds' | 'steps',
): number | null {
  const times = optimizer.target.perSeed
    .map((s) => s[measure] ?? Number.POSITIVE_INFINITY)
    .sort((a, b) => a - b);
  if (times.length === 0) return null;
  const middle = times.length / 2;
  const median =
    times.length % 2 === 1 ? times[Math.floor(middle)]! : (times[middle - 1]! + times[middle]!) / 2;
  return Number.isFinite(median) ? median : null;
}
