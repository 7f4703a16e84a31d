import type { Benchmark } from '@hypersweep/client';
import type { Command } from 'commander';
import { clientFor, getBenchmark, resolveSweepId } from '../api.js';
import { formatNumber, formatTable, formatValue, printJson } from '../format.js';
import { SWEEP_ID } from './sweeps.js';

/** `benchmark ID`: a tune-then-evaluate sweep's table (GET /v1/sweeps/:id/benchmark). */
export function registerBenchmarkCommand(program: Command): void {
  program
    .command('benchmark')
    .description(
      "A tune-then-evaluate sweep's answer: per optimizer its tuned config, evaluation mean over the evaluation seeds, time to target, and whether it is distinguishable from the best",
    )
    .argument('<id>', SWEEP_ID)
    .option('--json', 'print JSON')
    .action(async (given: string, options: { json?: boolean }, command: Command) => {
      const client = clientFor(command);
      const id = await resolveSweepId(client, given);
      const benchmark = await getBenchmark(client, id);
      if (options.json) return printJson(benchmark);
      console.log(formatBenchmark(benchmark));
    });
}

const range = (low: number | null | undefined, high: number | null | undefined) =>
  low === null || low === undefined || high === null || high === undefined
    ? '-'
    : `${formatNumber(low)}..${formatNumber(high)}`;

/** The table `hypersweep benchmark` prints, best first (then optimizers without evaluation results). */
export function formatBenchmark(b: Benchmark): string {
  const { tuning, evaluation, target } = b.protocol;
  const ranks = new Map(b.ranking.rows.map((r) => [r.entry, r]));
  const ordered = [...b.optimizers].sort(
    (x, y) =>
      (ranks.get(x.entry)?.rank ?? Infinity) - (ranks.get(y.entry)?.rank ?? Infinity) || x.entry - y.entry,
  );
  const header = `${b.name}: ${b.status}. Tuning: ${tuning.search}, ${tuning.trials} configs per optimizer on seeds ${tuning.seeds.join(', ')}; evaluation: top ${evaluation.top} on seeds ${evaluation.seeds.join(', ')}; target ${target.metric} ${target.direction === 'max' ? '>=' : '<='} ${target.value}.`;
  const table = formatTable(
    [
      'rank',
      'optimizer',
      'tuned',
      `tuning ${b.objective.metric}`,
      'n',
      'mean',
      'std',
      '95% CI',
      'min',
      'max',
      'reached',
      'steps to target',
      'p (Welch)',
      'vs best',
    ],
    ordered.map((o) => {
      const rank = ranks.get(o.entry);
      const tuned = o.tuned[0];
      const options = tuned
        ? (tuned.config['optimizer'] as { options?: Record<string, unknown> })?.options
        : undefined;
      const e = o.evaluation;
      const t = o.target;
      return [
        rank ? String(rank.rank) : '-',
        o.label,
        o.oneShot ? 'one-shot' : tuned ? `lr=${formatValue(options?.['lr'])}` : '-',
        o.oneShot
          ? '-'
          : `${formatNumber(tuned?.tuningMean ?? null)} (${o.tuning.configsTried}/${o.tuning.budget})`,
        String(e.n),
        formatNumber(e.mean),
        formatNumber(e.std),
        range(e.ci95?.low, e.ci95?.high),
        formatNumber(e.min),
        formatNumber(e.max),
        `${t.reached}/${t.reached + t.never}`,
        t.steps.median === null
          ? '-'
          : `${formatNumber(t.steps.median)} [${range(t.steps.q25, t.steps.q75)}]`,
        rank?.pValue === null || rank?.pValue === undefined ? '-' : formatNumber(rank.pValue),
        rank === undefined ? '-' : rank.rank === 1 ? 'best' : rank.tiedWithBest ? 'tied' : 'worse',
      ];
    }),
  );
  const counts = `Trials: tuning ${b.trials.tuning.finished}/${b.trials.tuning.created} finished, evaluation ${b.trials.evaluation.finished}/${b.trials.evaluation.created}.`;
  return `${header}\n${table}\n${counts} ${b.ranking.test}.`;
}
