import { readFileSync } from 'node:fs';
import { ApiError, ConnectionError, DEFAULT_BASE_URL } from '@hypersweep/client';
import { Command, CommanderError, Option } from 'commander';
import { registerAgentCommand } from './commands/agent.js';
import { registerBenchmarkCommand } from './commands/benchmark.js';
import { registerCatalogCommand } from './commands/catalog.js';
import { registerDatasetCommands } from './commands/datasets.js';
import { registerExportCommand } from './commands/export.js';
import { registerKeyCommands } from './commands/keys.js';
import { registerLrFindCommand } from './commands/lr-find.js';
import { registerPreviewCommand } from './commands/preview.js';
import { registerSubmitCommand } from './commands/submit.js';
import { registerSweepCommands } from './commands/sweeps.js';
import { registerTopCommand } from './commands/top.js';
import { CliError, EXIT } from './errors.js';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

export function buildProgram(): Command {
  const program = new Command('hypersweep')
    .description('Submit, follow, rank and export hyperparameter sweeps on a hypersweep server')
    .version(version, '-V, --version')
    .addOption(
      new Option('--url <url>', 'the hypersweep API').env('HYPERSWEEP_URL').default(DEFAULT_BASE_URL),
    )
    .addOption(
      new Option('--api-key <key>', 'sent as Authorization: Bearer <key> (servers with keys)').env(
        'HYPERSWEEP_API_KEY',
      ),
    )
    .showHelpAfterError('(run with --help for usage)')
    .showSuggestionAfterError()
    .exitOverride()
    .addHelpText(
      'after',
      `
Exit status: 0 ok, 1 failed (sweep failed or cancelled, not found, conflict), 2 bad input (usage, invalid
spec: one "path: message" line per problem), 3 the API cannot be reached, 130 interrupted.

Examples:
  hypersweep submit examples/optimizers-mnist.json --wait
  hypersweep watch d6ba85ee          (a sweep by the first characters of its id)
  hypersweep ls --status running
  hypersweep top <sweep-id> --by config -n 5
  hypersweep export <sweep-id> --format csv > trials.csv
  hypersweep benchmark <sweep-id>    (a tune-then-evaluate sweep's table)
  hypersweep datasets upload examples/data/digits.csv
  hypersweep agent <sweep-id> --parallel 2 -- python examples/pytorch/train.py
  hypersweep lr-find --workload mnist-mlp --optimizer '{"type":"SGD","momentum":0.9}'
  hypersweep keys create --project vision --role write   (prints the key once)`,
    );
  registerSubmitCommand(program);
  registerSweepCommands(program);
  registerTopCommand(program);
  registerBenchmarkCommand(program);
  registerExportCommand(program);
  registerPreviewCommand(program);
  registerCatalogCommand(program);
  registerDatasetCommands(program);
  registerAgentCommand(program);
  registerLrFindCommand(program);
  registerKeyCommands(program);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/** Runs the CLI on `argv` (process.argv layout) and returns the exit status; user errors never show a stack. */
export async function run(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (error) {
    return report(error);
  }
}

function report(error: unknown): number {
  const say = (line: string) => process.stderr.write(`${line}\n`);
  if (error instanceof CommanderError) {
    // commander has already printed its message and the usage hint
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT.ok;
    if (error.code === 'commander.help') return EXIT.ok;
    return EXIT.badInput;
  }
  if (error instanceof ConnectionError) {
    say(`hypersweep: ${error.message}`);
    return EXIT.unreachable;
  }
  if (error instanceof ApiError) {
    if (error.status === 400 && error.details.length > 0) {
      // one line per problem, as the API names them
      for (const detail of error.details) say(`${detail.path || '/'}: ${detail.message}`);
      return EXIT.badInput;
    }
    say(`hypersweep: ${error.message}`);
    if (error.status === 401) say('hint: pass --api-key or set HYPERSWEEP_API_KEY');
    // The server's fault: its log lines of this request carry the id.
    if (error.status >= 500 && error.requestId)
      say(`request id: ${error.requestId} (the server's logs name it)`);
    return error.status === 400 ? EXIT.badInput : EXIT.failed;
  }
  if (error instanceof CliError) {
    say(`hypersweep: ${error.message}`);
    for (const line of error.lines) say(line);
    return error.exitCode;
  }
  // a bug, not a user error: keep the stack
  say(`hypersweep: unexpected error: ${(error as Error)?.stack ?? String(error)}`);
  return EXIT.failed;
}
