import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import {
  ApiError,
  type HypersweepClient,
  type SweepCreated,
  type SweepDetail,
  type SweepSpec,
  unwrap,
} from '@hypersweep/client';
import type { Command } from 'commander';
import { clientFor, resolveSweepId } from '../api.js';
import { CliError, EXIT } from '../errors.js';
import { formatNumber, printJson } from '../format.js';
import { barView, FINISHED, followSweep, lineView } from '../watch.js';
import { SWEEP_ID } from './sweeps.js';

interface SubmitOptions {
  wait?: boolean;
  json?: boolean;
}

/** Each file holds one spec or an array of specs. */
async function readSpecs(files: string[]): Promise<{ source: string; spec: SweepSpec; inList: boolean }[]> {
  const specs: { source: string; spec: SweepSpec; inList: boolean }[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new CliError(
        `${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
        EXIT.badInput,
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new CliError(`${file}: not valid JSON: ${(error as Error).message}`, EXIT.badInput);
    }
    const list = Array.isArray(parsed) ? parsed : [parsed];
    const inList = Array.isArray(parsed) || files.length > 1;
    for (const [i, spec] of list.entries()) {
      specs.push({ source: Array.isArray(parsed) ? `${file}[${i}]` : file, spec: spec as SweepSpec, inList });
    }
  }
  return specs;
}

/** `submit FILE... [--wait]`. */
export function registerSubmitCommand(program: Command): void {
  program
    .command('submit')
    .description('Submit sweep specs (JSON files, each one spec or an array of specs)')
    .argument('<files...>', 'sweep spec files')
    .option('-w, --wait', 'follow the sweeps until they finish: progress bars on a terminal, lines otherwise')
    .option('--json', 'print JSON (with --wait: the finished sweeps)')
    .addHelpText(
      'after',
      `
Exit status: 0 submitted (with --wait: every sweep completed), 1 a sweep failed or was cancelled,
2 an invalid spec (each problem printed as "path: message"), 3 the API cannot be reached.
With --wait, Ctrl-C asks whether to cancel the sweeps or leave them running.`,
    )
    .action(async (files: string[], options: SubmitOptions, command: Command) => {
      const client = clientFor(command);
      const specs = await readSpecs(files);
      const created: SweepCreated[] = [];
      for (const { source, spec } of specs) {
        try {
          created.push(await unwrap(client.POST('/v1/sweeps', { body: spec })));
        } catch (error) {
          if (error instanceof ApiError && error.status === 400 && specs.length > 1) {
            const before = created.map((c) => ` ${c.id}`).join('');
            error.message = `${source}: ${error.message}${before ? ` (already submitted:${before})` : ''}`;
          }
          throw error;
        }
      }
      if (!options.wait) {
        // one spec in, one object out; a list of specs gives a list
        if (options.json) return printJson(specs[0]?.inList === false ? created[0] : created);
        for (const c of created) console.log(`submitted sweep ${c.id} "${c.name}": ${c.trialCount} trials`);
        return;
      }
      for (const c of created) console.error(`submitted sweep ${c.id} "${c.name}": ${c.trialCount} trials`);
      await follow(client, created, options);
    });

  program
    .command('watch')
    .description('Follow sweeps until they finish, as submit --wait does (after Ctrl-C left them running)')
    .argument('<ids...>', SWEEP_ID)
    .option('--json', 'print the finished sweeps as JSON')
    .addHelpText(
      'after',
      `
Exit status: 0 every sweep completed, 1 a sweep failed or was cancelled. Ctrl-C asks whether to cancel them.`,
    )
    .action(async (given: string[], options: { json?: boolean }, command: Command) => {
      const client = clientFor(command);
      const ids = await Promise.all(given.map((id) => resolveSweepId(client, id)));
      await follow(
        client,
        ids.map((id) => ({ id })),
        options,
      );
    });
}

/** submit --wait and watch: the sweeps followed to their end, their result lines, the exit status. */
async function follow(
  client: HypersweepClient,
  sweeps: ReadonlyArray<Pick<SweepCreated, 'id'>>,
  options: { json?: boolean },
): Promise<void> {
  const finished = await waitForSweeps(client, sweeps);
  if (options.json) printJson(finished);
  else for (const sweep of finished) console.log(resultLine(sweep));
  process.exitCode = finished.every((s) => s.status === 'completed') ? EXIT.ok : EXIT.failed;
}

function resultLine(sweep: SweepDetail): string {
  const best = sweep.best
    ? `, best ${sweep.objective.metric} ${formatNumber(sweep.best.bestValue)} (trial ${sweep.best.index}, ${sweep.best.id})`
    : '';
  const failed = sweep.counts.failed ?? 0;
  const note = failed > 0 ? ` (${failed} of ${sweep.trialCount} trials failed)` : '';
  return `sweep ${sweep.id} ${sweep.status}${note}${best}`;
}

/**
 * Follows every sweep to its end. Ctrl-C stops the view and asks (on a terminal) whether to cancel the
 * sweeps that are still running: yes cancels them and waits for their final status, no leaves them
 * running and exits 130, as does a second Ctrl-C.
 */
async function waitForSweeps(
  client: HypersweepClient,
  created: ReadonlyArray<Pick<SweepCreated, 'id'>>,
): Promise<SweepDetail[]> {
  const lines = lineView((line) => console.error(line));
  let view = process.stderr.isTTY ? barView(process.stderr) : lines;
  const unfinished = new Set(created.map((c) => c.id));
  let interrupted: Promise<void> | undefined;
  const onSigint = () => {
    if (interrupted) process.exit(EXIT.interrupted); // second Ctrl-C: leave at once
    if (process.env.npm_command === 'exec') {
      // npx exits 130 the moment Ctrl-C is pressed, without waiting for its command: the shell has the terminal
      // back, so there is nobody to ask and no exit status but npx's to give. Leave the sweeps running, say how to
      // follow or cancel them, and end as npx did.
      view.stop();
      const ids = [...unfinished].join(' ');
      console.error(
        `\ninterrupted under npx, which has exited already; the sweeps are left running. Follow again with: hypersweep watch ${ids}; cancel with: hypersweep cancel <id>`,
      );
      process.exit(EXIT.interrupted);
    }
    interrupted = (async () => {
      view.stop();
      view = { update() {}, stop() {} }; // quiet while the question waits for its answer
      const ids = [...unfinished];
      const cancel = await askYesNo(
        `\nCancel ${ids.length === 1 ? `sweep ${ids[0]}` : `${ids.length} sweeps`}? [y/N] `,
      );
      if (!cancel) {
        console.error(`left running; follow again with: hypersweep watch ${ids.join(' ')}`);
        process.exit(EXIT.interrupted);
      }
      view = lines; // what happens after the prompt is told in lines
      for (const id of ids) {
        const result = await unwrap(
          client.POST('/v1/sweeps/{id}/cancel', { params: { path: { id } } }),
        ).catch((error: unknown) => error as Error);
        console.error(result instanceof Error ? `sweep ${id}: ${result.message}` : `sweep ${id} cancelled`);
      }
    })();
  };
  process.on('SIGINT', onSigint);
  try {
    const finished = await Promise.all(
      created.map(async (c) => {
        const detail = await followSweep(client, c.id, (p) => view.update(p));
        if (FINISHED.has(detail.status)) unfinished.delete(c.id);
        return detail;
      }),
    );
    await interrupted;
    return finished;
  } finally {
    process.off('SIGINT', onSigint);
    view.stop();
  }
}

/** A y/N question on the terminal; false without one (nobody to answer) or on a second Ctrl-C. */
function askYesNo(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) {
    console.error('\ninterrupted');
    return Promise.resolve(false);
  }
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    rl.on('SIGINT', () => {
      rl.close();
      resolve(false);
    });
    rl.question(question, (answer) => {
      rl.close();
      resolve(/^y(es)?$/i.test(answer.trim()));
    });
  });
}
