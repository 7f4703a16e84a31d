import { readFile } from 'node:fs/promises';
import {
  type SweepDetail,
  type SweepExtension,
  type SweepPage,
  type SweepStatus,
  unwrap,
} from '@hypersweep/client';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { clientFor, getAllTrials, getSweep, resolveSweepId } from '../api.js';
import { flattenConfig, sweptColumns } from '../config-columns.js';
import { CliError, EXIT } from '../errors.js';
import { formatAge, formatNumber, formatTable, formatValue, printJson } from '../format.js';

const STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled'];

/** Every command's `<id>`: the full id, or its first characters when only one sweep's id starts with them. */
export const SWEEP_ID = 'sweep id, or its first characters (as `ls` prints them)';

/** `ls`, `status`, `cancel`, `delete`: one sweep or all of them. */
export function registerSweepCommands(program: Command): void {
  program
    .command('ls')
    .description('List sweeps, newest first')
    .addOption(new Option('--status <status>', 'only sweeps with this status').choices(STATUSES))
    .option('--limit <n>', 'at most this many sweeps', parsePositiveInt, 50)
    .option('--json', 'print JSON')
    .action(async (options: { status?: SweepStatus; limit: number; json?: boolean }, command: Command) => {
      const client = clientFor(command);
      const items = [];
      let cursor: string | undefined;
      do {
        const page: SweepPage = await unwrap(
          client.GET('/v1/sweeps', {
            params: {
              query: {
                limit: Math.min(200, options.limit - items.length),
                ...(options.status ? { status: options.status } : {}),
                ...(cursor ? { cursor } : {}),
              },
            },
          }),
        );
        items.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor && items.length < options.limit);
      if (options.json) return printJson(items);
      if (items.length === 0) return console.log('No sweeps.');
      const now = Date.now();
      console.log(
        formatTable(
          ['id', 'name', 'status', 'trials', 'objective', 'age'],
          items.map((s) => [
            s.id,
            s.name,
            s.status,
            String(s.trialCount),
            `${s.objective.metric} (${s.objective.mode})`,
            formatAge(s.createdAt, now),
          ]),
        ),
      );
    });

  program
    .command('status')
    .description('Show a sweep: status, trials per status, the best trial')
    .argument('<id>', SWEEP_ID)
    .option('--json', 'print JSON')
    .action(async (given: string, options: { json?: boolean }, command: Command) => {
      const client = clientFor(command);
      const id = await resolveSweepId(client, given);
      const sweep = await getSweep(client, id);
      if (options.json) return printJson(sweep);
      console.log(await describeSweep(sweep, () => getAllTrials(client, id)));
    });

  program
    .command('cancel')
    .description('Cancel a sweep: waiting trials never start, running ones stop within a few steps')
    .argument('<id>', SWEEP_ID)
    .option('--json', 'print JSON')
    .action(async (given: string, options: { json?: boolean }, command: Command) => {
      const client = clientFor(command);
      const id = await resolveSweepId(client, given);
      const result = await unwrap(client.POST('/v1/sweeps/{id}/cancel', { params: { path: { id } } }));
      if (options.json) return printJson(result);
      console.log(
        `sweep ${id} cancelled: ${result.cancelledTrials} waiting trials cancelled, ${result.stoppingTrials} running trials stopping`,
      );
    });

  program
    .command('delete')
    .description('Delete a sweep with its trials and metrics (running trials are stopped first)')
    .argument('<id>', SWEEP_ID)
    .action(async (given: string, _options: unknown, command: Command) => {
      const client = clientFor(command);
      const id = await resolveSweepId(client, given);
      await unwrap(client.DELETE('/v1/sweeps/{id}', { params: { path: { id } } }));
      console.log(`sweep ${id} deleted`);
    });

  registerExtendCommand(program);
}

/** `--optimizers` / `--schedulers`: a JSON list given inline, or `@FILE` holding one. */
async function entries(value: string | undefined, option: string): Promise<unknown[] | undefined> {
  if (value === undefined) return undefined;
  let text = value;
  if (value.startsWith('@')) {
    try {
      text = await readFile(value.slice(1), 'utf8');
    } catch {
      throw new CliError(`${option}: cannot read ${value.slice(1)}`, EXIT.badInput);
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${option}: not valid JSON (${(error as Error).message})`, EXIT.badInput);
  }
  return Array.isArray(parsed) ? parsed : [parsed];
}

function registerExtendCommand(program: Command): void {
  program
    .command('extend')
    .description(
      'Grow a sweep: a grid by seeds or entries (only the new cells become trials), a random or TPE search by samples',
    )
    .argument('<id>', SWEEP_ID)
    .option('--seeds <list>', 'seeds to add to a grid, e.g. 2,3')
    .option('--optimizers <json>', 'optimizer entries to add to a grid: a JSON list (or one entry), or @FILE')
    .option('--schedulers <json>', 'scheduler entries to add to a grid: a JSON list (or one entry), or @FILE')
    .option(
      '--trials <n>',
      'samples to add to a random or TPE search (each runs once per seed)',
      parsePositiveInt,
    )
    .option('--json', 'print JSON')
    .action(async (given: string, options: ExtendOptions, command: Command) => {
      const client = clientFor(command);
      const id = await resolveSweepId(client, given);
      const optimizers = await entries(options.optimizers, '--optimizers');
      const schedulers = await entries(options.schedulers, '--schedulers');
      // The entries are the user's JSON: the API checks them against the stored sweep (400 with their paths).
      const body = {
        ...(options.seeds === undefined ? {} : { seeds: parseSeeds(options.seeds) }),
        ...(optimizers === undefined ? {} : { optimizers }),
        ...(schedulers === undefined ? {} : { schedulers }),
        ...(options.trials === undefined ? {} : { trials: options.trials }),
      } as SweepExtension;
      const grown = await unwrap(client.POST('/v1/sweeps/{id}/extend', { params: { path: { id } }, body }));
      if (options.json) return printJson(grown);
      console.log(
        grown.createdBy === 'workers'
          ? `sweep ${id}: budget grown by ${grown.grownBy} trials, ${grown.trialCount} in all (the workers sample them as trials end)`
          : `sweep ${id}: ${grown.added.length} trials added (${grown.reused} already in the sweep), ${grown.trialCount} in all`,
      );
    });
}

interface ExtendOptions {
  seeds?: string;
  optimizers?: string;
  schedulers?: string;
  trials?: number;
  json?: boolean;
}

function parseSeeds(list: string): number[] {
  const seeds = list
    .split(/[\s,]+/)
    .filter(Boolean)
    .map(Number);
  if (seeds.length === 0 || seeds.some((seed) => !Number.isSafeInteger(seed))) {
    throw new CliError(`--seeds: "${list}" is not a list of integers like 2,3`, EXIT.badInput);
  }
  return seeds;
}

export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`"${value}" is not a positive integer`);
  return n;
}

/** `status` as aligned key/value lines; the best trial's swept options come from the leaderboard. */
async function describeSweep(
  sweep: SweepDetail,
  leaderboard: () => ReturnType<typeof getAllTrials>,
): Promise<string> {
  const counts = Object.entries(sweep.counts)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${n} ${status}`)
    .join(', ');
  const lines: [string, string][] = [
    ['id', sweep.id],
    ['name', sweep.name],
    ['status', sweep.status + (sweep.error ? ` (${sweep.error})` : '')],
    ['trials', `${sweep.trialCount}${counts ? ` (${counts})` : ''}`],
    ['objective', `${sweep.objective.metric} (${sweep.objective.mode})`],
  ];
  if (sweep.best) {
    const board = await leaderboard();
    const columns = sweptColumns(board.items.map((t) => flattenConfig(t.config)));
    const flat = flattenConfig(sweep.best.config);
    // Only the options the best trial has (another scheduler's options would print as empty `key=`).
    const config = columns
      .filter((c) => flat[c] !== undefined)
      .map((c) => `${c}=${formatValue(flat[c])}`)
      .join(' ');
    lines.push([
      'best',
      `${formatNumber(sweep.best.bestValue)} at step ${sweep.best.bestStep ?? '-'} (trial ${sweep.best.index}, ${sweep.best.id})`,
    ]);
    if (config) lines.push(['best config', config]);
  }
  if (sweep.pruner) lines.push(['pruner', JSON.stringify(sweep.pruner)]);
  const now = Date.now();
  lines.push(['created', `${sweep.createdAt} (${formatAge(sweep.createdAt, now)} ago)`]);
  if (sweep.startedAt) lines.push(['started', sweep.startedAt]);
  if (sweep.finishedAt) lines.push(['finished', sweep.finishedAt]);
  const width = Math.max(...lines.map(([key]) => key.length)) + 2;
  return lines.map(([key, value]) => `${`${key}:`.padEnd(width)}${value}`).join('\n');
}
