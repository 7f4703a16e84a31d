import { type Command, Option } from 'commander';
import { clientFor, getAllTrials } from '../api.js';
import { flattenConfig, groupBySeed, sweptColumns } from '../config-columns.js';
import { formatNumber, formatTable, formatValue, printJson } from '../format.js';
import { parsePositiveInt } from './sweeps.js';

/** `top ID`: the leaderboard as a table, per trial or per config (seeds averaged). */
export function registerTopCommand(program: Command): void {
  program
    .command('top')
    .description("The best trials of a sweep by its objective; --by config averages each config's seeds")
    .argument('<id>', 'sweep id')
    .addOption(
      new Option('--by <what>', 'one row per trial, or per config (trials that differ only by seed)')
        .choices(['trial', 'config'])
        .default('trial'),
    )
    .option('-n, --limit <n>', 'rows to show', parsePositiveInt, 10)
    .option('--json', 'print JSON')
    .action(async (id: string, options: { by: string; limit: number; json?: boolean }, command: Command) => {
      const board = await getAllTrials(clientFor(command), id);
      const metric = board.objective.metric;
      if (options.by === 'config') {
        const { columns, groups } = groupBySeed(board.items, board.objective.mode);
        const top = groups.slice(0, options.limit);
        if (options.json) {
          return printJson(
            top.map((g) => ({
              config: g.config,
              mean: g.mean,
              std: g.std,
              best: g.best,
              seeds: g.trials.map((t) => flattenConfig(t.config).seed),
              trialIds: g.trials.map((t) => t.id),
            })),
          );
        }
        return console.log(
          formatTable(
            ['rank', `mean ${metric}`, 'std', 'best', 'seeds', ...columns],
            top.map((g, i) => [
              String(i + 1),
              formatNumber(g.mean),
              formatNumber(g.std),
              formatNumber(g.best),
              `${g.trials.filter((t) => t.bestValue !== null).length}/${g.trials.length}`,
              ...columns.map((c) => formatValue(g.config[c])),
            ]),
          ),
        );
      }
      const top = board.items.slice(0, options.limit);
      if (options.json) return printJson(top);
      const columns = sweptColumns(board.items.map((t) => flattenConfig(t.config)));
      console.log(
        formatTable(
          ['rank', 'trial', 'status', metric, 'step', ...columns],
          top.map((t, i) => {
            const flat = flattenConfig(t.config);
            return [
              String(i + 1),
              String(t.index),
              t.status,
              formatNumber(t.bestValue),
              t.bestStep === null ? '-' : String(t.bestStep),
              ...columns.map((c) => formatValue(flat[c])),
            ];
          }),
        ),
      );
    });
}
