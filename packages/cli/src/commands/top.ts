import { type Command, Option } from 'commander';
import { clientFor, getAllConfigs, getAllTrials, resolveSweepId } from '../api.js';
import { configColumns, flattenConfig, sweptColumns } from '../config-columns.js';
import { formatNumber, formatTable, formatValue, printJson } from '../format.js';
import { parsePositiveInt, SWEEP_ID } from './sweeps.js';

/** `top ID`: the leaderboard as a table, per trial or per config (seeds averaged). */
export function registerTopCommand(program: Command): void {
  program
    .command('top')
    .description("The best trials of a sweep by its objective; --by config averages each config's seeds")
    .argument('<id>', SWEEP_ID)
    .addOption(
      new Option('--by <what>', 'one row per trial, or per config (trials that differ only by seed)')
        .choices(['trial', 'config'])
        .default('trial'),
    )
    .option('-n, --limit <n>', 'rows to show', parsePositiveInt, 10)
    .option('--json', 'print JSON')
    .action(
      async (given: string, options: { by: string; limit: number; json?: boolean }, command: Command) => {
        const client = clientFor(command);
        const id = await resolveSweepId(client, given);
        if (options.by === 'config') {
          const board = await getAllConfigs(client, id);
          const { columns, groups } = configColumns(board.items, board.objective.mode);
          const top = groups.slice(0, options.limit);
          if (options.json) {
            return printJson(
              top.map((g) => ({
                config: g.config,
                mean: g.row.mean,
                std: g.row.std,
                best: g.best,
                seeds: g.row.seeds,
                trialIds: g.row.trialIds,
              })),
            );
          }
          return console.log(
            formatTable(
              ['rank', `mean ${board.objective.metric}`, 'std', 'best', 'seeds', ...columns],
              top.map((g, i) => [
                String(i + 1),
                formatNumber(g.row.mean),
                formatNumber(g.row.std),
                formatNumber(g.best),
                `${g.row.n}/${g.row.trialIds.length}`,
                ...columns.map((c) => formatValue(g.config[c])),
              ]),
            ),
          );
        }
        const board = await getAllTrials(client, id);
        const metric = board.objective.metric;
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
      },
    );
}
