import type { TrialSummary } from '@hypersweep/client';
import { toCsv as writeCsv } from '@hypersweep/data';
import { type Command, Option } from 'commander';
import { clientFor, getAllTrials, resolveSweepId } from '../api.js';
import { flattenConfig, sweptColumns } from '../config-columns.js';
import { SWEEP_ID } from './sweeps.js';

const RESULT_COLUMNS = [
  'best_value',
  'best_step',
  'final_loss',
  'steps_done',
  'duration_ms',
  'backend',
  'error',
] as const;

/** One row per trial: its id, index and status, the swept options, then the results. */
export function trialRows(trials: TrialSummary[]): { columns: string[]; rows: Record<string, unknown>[] } {
  const flats = trials.map((t) => flattenConfig(t.config));
  const swept = sweptColumns(flats);
  const columns = ['trial_id', 'index', 'status', ...swept, ...RESULT_COLUMNS];
  const rows = trials.map((t, i) => ({
    trial_id: t.id,
    index: t.index,
    status: t.status,
    ...Object.fromEntries(swept.map((c) => [c, flats[i]![c] ?? null])),
    best_value: t.bestValue,
    best_step: t.bestStep,
    final_loss: t.finalLoss,
    steps_done: t.stepsDone,
    duration_ms: t.durationMs,
    backend: t.backend,
    error: t.error,
  }));
  return { columns, rows };
}

/** RFC 4180: quote a cell holding a comma, quote or line break; lists and objects as JSON. */
/** The rows as CSV (packages/data's writer: RFC 4180, cells a spreadsheet would run neutralised). */
export function toCsv(columns: string[], rows: Record<string, unknown>[]): string {
  return writeCsv(
    columns,
    rows.map((row) => columns.map((c) => row[c])),
  );
}

export function registerExportCommand(program: Command): void {
  program
    .command('export')
    .description(
      'Every trial of a sweep, one row each, swept options as columns (for pandas, R, spreadsheets)',
    )
    .argument('<id>', SWEEP_ID)
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json']).default('csv'))
    .option('--json', 'the same as --format json')
    .action(async (given: string, options: { format: 'csv' | 'json'; json?: boolean }, command: Command) => {
      const client = clientFor(command);
      const board = await getAllTrials(client, await resolveSweepId(client, given));
      // in grid order, the order the spec lists its values
      const trials = [...board.items].sort((a, b) => a.index - b.index);
      const { columns, rows } = trialRows(trials);
      process.stdout.write(
        options.format === 'csv' && !options.json
          ? toCsv(columns, rows)
          : `${JSON.stringify(rows, null, 2)}\n`,
      );
    });
}
