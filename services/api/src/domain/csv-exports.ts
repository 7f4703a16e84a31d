import type { StoredStep } from '@hypersweep/db';
import {
  type ConfigGroup,
  factorValues,
  type ObjectiveMode,
  type TrialStatus,
  trialStatuses,
} from '@hypersweep/spec';
import type { FastifyReply } from 'fastify';
import type { ApiContext } from '../context.js';
import { toCsv } from '../csv.js';
import type { benchmarksProfile, sweepBenchmark } from './benchmark.js';
import { type configRow, leaderboardOrder, loadTrials, sweptColumns } from './compared-trials.js';

// The `format=csv` answers: the leaderboard, the configurations and a trial's steps, as attachments.

const sendCsv = (reply: FastifyReply, filename: string, body: string) =>
  reply
    .type('text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${filename}"`)
    .send(body);

/**
 * GET /v1/sweeps/:id/trials?format=csv: the leaderboard (same order, filter and page) with one column per
 * swept option.
 */
export async function sendTrialsCsv(
  context: ApiContext,
  reply: FastifyReply,
  sweep: { id: string; objectiveMode: ObjectiveMode },
  page: { status?: TrialStatus | undefined; limit: number; offset: number },
) {
  const trials = await loadTrials(context.pool, sweep.id);
  const columns = sweptColumns(trials, true);
  const rows = leaderboardOrder(trials, sweep.objectiveMode)
    .filter((t) => page.status === undefined || t.status === page.status)
    .slice(page.offset, page.offset + page.limit)
    .map((t) => {
      const values = factorValues(t.config);
      return [
        t.index,
        t.id,
        t.status,
        ...columns.map((c) => values.get(c)),
        t.bestValue,
        t.bestStep,
        t.finalLoss,
        t.stepsDone,
        t.durationMs,
      ];
    });
  const header = [
    'index',
    'id',
    'status',
    ...columns,
    'best_value',
    'best_step',
    'final_loss',
    'steps',
    'duration_ms',
  ];
  return sendCsv(reply, `sweep-${sweep.id}-trials.csv`, toCsv(header, rows));
}

/** GET /v1/sweeps/:id/configs?format=csv: a page of configurations (`items`, from `offset` in `groups`). */
export function sendConfigsCsv(
  reply: FastifyReply,
  id: string,
  page: {
    rows: Parameters<typeof sweptColumns>[0];
    groups: readonly ConfigGroup[];
    items: ReturnType<typeof configRow>[];
    offset: number;
  },
) {
  const columns = sweptColumns(page.rows, false);
  const header = ['rank', 'key', ...columns, 'seeds', 'n', 'mean', 'std', 'min', 'max'];
  // a configuration's furthest pruned trial: the epoch it stopped at and its value there
  header.push(
    'ci95_low',
    'ci95_high',
    'mean_final_loss',
    ...trialStatuses,
    'pruned_at_epoch',
    'pruned_value',
  );
  const lines = page.items.map((item, i) => {
    const values = factorValues({ ...page.groups[page.offset + i]!.config, seed: 0 });
    return [
      item.rank,
      item.key,
      ...columns.map((c) => values.get(c)),
      item.seeds.join(' '),
      item.n,
      item.mean,
      item.std,
      item.min,
      item.max,
      item.interval?.low,
      item.interval?.high,
      item.meanFinalLoss,
      ...trialStatuses.map((s) => item.status[s]),
      item.pruned.furthest?.epochs,
      item.pruned.furthest?.value,
    ];
  });
  return sendCsv(reply, `sweep-${id}-configs.csv`, toCsv(header, lines));
}

/** GET /v1/trials/:id/metrics?format=csv: one row per step, one lr column per param group. */
export function sendMetricsCsv(reply: FastifyReply, id: string, rows: readonly StoredStep[]) {
  const groups = rows.reduce((n, r) => Math.max(n, r.lrs?.length ?? 0), 0);
  const header = [
    'step',
    'epoch',
    'loss',
    'lr',
    ...Array.from({ length: groups }, (_, g) => `lr_group_${g}`),
  ];
  const lines = rows.map((r) => [r.step, r.epoch, r.loss, r.lr, ...(r.lrs ?? [])]);
  return sendCsv(reply, `trial-${id}-metrics.csv`, toCsv(header, lines));
}

type Benchmark = Awaited<ReturnType<typeof sweepBenchmark>>;

/** GET /v1/sweeps/:id/benchmark?format=csv: one row per optimizer entry, its best tuned config's numbers. */
export function sendBenchmarkCsv(reply: FastifyReply, benchmark: Benchmark) {
  const header = [
    'entry',
    'optimizer',
    'one_shot',
    'rank',
    'p_value',
    'tied_with_best',
    'configs_tried',
    'tuned_config',
    'tuning_mean',
    'n',
    'mean',
    'std',
    'ci95_low',
    'ci95_high',
    'min',
    'max',
    'reached',
    'never',
    'steps_median',
    'steps_q25',
    'steps_q75',
    'seconds_median',
    'seconds_q25',
    'seconds_q75',
  ];
  const rows = benchmark.optimizers.map((o) => {
    const rank = benchmark.ranking.rows.find((r) => r.entry === o.entry);
    const tuned = o.tuned[0];
    const e = o.evaluation;
    const t = o.target;
    return [
      o.entry,
      o.label,
      o.oneShot,
      rank?.rank,
      rank?.pValue,
      rank?.tiedWithBest,
      o.tuning.configsTried,
      tuned?.config,
      tuned?.tuningMean,
      e.n,
      e.mean,
      e.std,
      e.ci95?.low,
      e.ci95?.high,
      e.min,
      e.max,
      t.reached,
      t.never,
      t.steps.median,
      t.steps.q25,
      t.steps.q75,
      t.seconds.median,
      t.seconds.q25,
      t.seconds.q75,
    ];
  });
  return sendCsv(reply, `sweep-${benchmark.id}-benchmark.csv`, toCsv(header, rows));
}

/** GET /v1/benchmarks?format=csv: one row per optimizer, one column per tau. */
export function sendProfilesCsv(
  reply: FastifyReply,
  profiles: Awaited<ReturnType<typeof benchmarksProfile>>,
) {
  const header = ['optimizer', ...profiles.taus.map((tau) => `tau_${tau}`)];
  const rows = profiles.profiles.map((p) => [p.optimizer, ...p.fractions]);
  return sendCsv(reply, 'performance-profiles.csv', toCsv(header, rows));
}
