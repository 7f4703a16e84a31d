import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { type HypersweepClient, unwrap } from '@hypersweep/client';
import type { Command } from 'commander';
import { clientFor } from '../api.js';
import { CliError, EXIT } from '../errors.js';
import { formatNumber, printJson } from '../format.js';
import { sparkline } from '../sparkline.js';
import { FINISHED } from '../watch.js';
import { parsePositiveInt } from './sweeps.js';

interface LrFindOptions {
  workload?: string;
  optimizer?: string;
  batchSize?: number;
  startLr?: string;
  endLr?: string;
  steps?: number;
  mode?: string;
  smoothing?: string;
  seed?: string;
  name?: string;
  wait: boolean;
  width?: number;
  json?: boolean;
}

type LrRangeTest = Awaited<ReturnType<typeof getTest>>;

const getTest = (client: HypersweepClient, id: string) =>
  unwrap(client.GET('/v1/lr-range-tests/{id}', { params: { path: { id } } }));

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(`${what}: not valid JSON: ${(error as Error).message}`, EXIT.badInput);
  }
}

const toNumber = (text: string | undefined, flag: string) => {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || Number.isNaN(value))
    throw new CliError(`${flag} ${text}: not a number`, EXIT.badInput);
  return value;
};

/** The request body: the spec file's, with the flags given over it. */
async function requestBody(
  file: string | undefined,
  options: LrFindOptions,
): Promise<Record<string, unknown>> {
  let body: Record<string, unknown> = {};
  if (file !== undefined) {
    const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new CliError(
        `${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`,
        EXIT.badInput,
      );
    });
    body = parseJson(text, file) as Record<string, unknown>;
  }
  const w = options.workload;
  if (w !== undefined) body['workload'] = w.trimStart().startsWith('{') ? parseJson(w, '--workload') : w;
  if (options.optimizer !== undefined) {
    const o = options.optimizer;
    body['optimizer'] = o.trimStart().startsWith('{') ? parseJson(o, '--optimizer') : { type: o };
  }
  if (options.batchSize !== undefined)
    body['training'] = { ...((body['training'] as object) ?? {}), batchSize: options.batchSize };
  const numbers: [keyof LrFindOptions, string, string][] = [
    ['startLr', 'start_lr', '--start-lr'],
    ['endLr', 'end_lr', '--end-lr'],
    ['smoothing', 'smoothing', '--smoothing'],
    ['seed', 'seed', '--seed'],
  ];
  for (const [option, field, flag] of numbers) {
    const value = toNumber(options[option] as string | undefined, flag);
    if (value !== undefined) body[field] = value;
  }
  if (options.steps !== undefined) body['steps'] = options.steps;
  if (options.mode !== undefined) body['mode'] = options.mode;
  if (options.name !== undefined) body['name'] = options.name;
  if (body['workload'] === undefined || body['optimizer'] === undefined)
    throw new CliError('give --workload and --optimizer (or a spec file with both)', EXIT.badInput);
  return body;
}

/** Follows the test until it ends: one GET every half second (the answer is small). */
async function waitForEnd(client: HypersweepClient, id: string): Promise<LrRangeTest> {
  for (;;) {
    const test = await getTest(client, id);
    if (FINISHED.has(test.status)) return test;
    await sleep(500);
  }
}

/** The column of `lr` on a sparkline of `points` points `width` wide (the point nearest in log lr). */
function columnOf(curve: LrRangeTest['curve'], lr: number, width: number): number {
  let nearest = 0;
  for (let i = 1; i < curve.length; i++) {
    if (Math.abs(Math.log(curve[i]!.lr / lr)) < Math.abs(Math.log(curve[nearest]!.lr / lr))) nearest = i;
  }
  const n = Math.min(width, curve.length);
  return Math.min(n - 1, Math.floor((nearest * n) / curve.length));
}

/**
 * The test as text: what ran, the smoothed loss against lr as a sparkline (a ramp's steps are evenly
 * spaced in log lr for `exp`, in lr for `linear`), the steepest point (^) and the minimum (v) marked under
 * it, the two ends' lrs, and the suggestions.
 */
export function renderLrRangeTest(test: LrRangeTest, width: number): string[] {
  const { settings, curve, suggestions } = test;
  const lines = [
    `lr range test ${test.id.slice(0, 8)}  ${test.name}`,
    `${settings.mode} ramp ${formatNumber(settings.start_lr)} -> ${formatNumber(settings.end_lr)} in ${settings.steps} steps: ${test.status}` +
      (test.stoppedEarly ? `, stopped at step ${curve.length} (smoothed loss above 4x its best)` : ''),
  ];
  const points = curve.filter((p) => p.smoothed !== null);
  if (points.length === 0) return [...lines, 'no steps recorded'];
  const spark = sparkline(
    points.map((p) => p.smoothed!),
    width,
  );
  const marks = Array.from({ length: spark.length }, () => ' ');
  if (suggestions.steep !== null) marks[columnOf(points, suggestions.steep, width)] = '^';
  if (suggestions.lrAtMinimum !== null) marks[columnOf(points, suggestions.lrAtMinimum, width)] = 'v';
  const first = formatNumber(points[0]!.lr);
  const last = formatNumber(points.at(-1)!.lr);
  lines.push(
    `smoothed loss ${formatNumber(Math.min(...points.map((p) => p.smoothed!)))} .. ${formatNumber(Math.max(...points.map((p) => p.smoothed!)))}, lr on a ${settings.mode === 'exp' ? 'log' : 'linear'} axis:`,
    `  ${spark}`,
    `  ${marks.join('').trimEnd()}   ^ steep, v lowest loss`,
    `  ${first}${' '.repeat(Math.max(2, spark.length - first.length - last.length))}${last}`,
    suggestions.steep === null && suggestions.minimum === null
      ? 'suggested lr: none (too few steps)'
      : `suggested lr: ${formatNumber(suggestions.steep)} (steepest descent)   ${formatNumber(suggestions.minimum)} (lowest loss at ${formatNumber(suggestions.lrAtMinimum)}, / 10)`,
  );
  return lines;
}

/** `lr-find`: submit an lr range test, wait for it, print the curve and the suggested learning rates. */
export function registerLrFindCommand(program: Command): void {
  program
    .command('lr-find')
    .description(
      "Run an lr range test (Smith 2017; fastai's lr_find) on a worker: POST /v1/lr-range-tests, wait, print the curve and the suggested lrs",
    )
    .argument('[file]', 'a JSON request body of POST /v1/lr-range-tests (the flags override its fields)')
    .option('--workload <name|json>', 'a workload name, or JSON as in a sweep spec')
    .option(
      '--optimizer <type|json>',
      'torch.optim class, or one entry as JSON like {"type":"SGD","momentum":0.9}',
    )
    .option('--batch-size <n>', 'training.batchSize', parsePositiveInt)
    .option('--start-lr <lr>', 'the first step lr (default 1e-7)')
    .option('--end-lr <lr>', 'where the ramp ends (default 10)')
    .option('--steps <n>', 'steps of the ramp (default 100)', parsePositiveInt)
    .option('--mode <mode>', 'exp (default) or linear')
    .option('--smoothing <beta>', 'the loss EMA beta (default 0.98)')
    .option('--seed <n>', 'the trial seed (default 0)')
    .option('--name <name>', 'a name for the test')
    .option('--no-wait', 'print the id and return at once')
    .option('--width <n>', 'sparkline width in characters', parsePositiveInt)
    .option('--json', 'print the finished test as JSON (GET /v1/lr-range-tests/:id)')
    .addHelpText(
      'after',
      `
Exit status: 0 done, 1 the test failed or was cancelled, 2 bad input (each problem as "path: message"),
3 the API cannot be reached.

Example:
  hypersweep lr-find --workload mnist-mlp --optimizer '{"type":"SGD","momentum":0.9}' --start-lr 1e-5`,
    )
    .action(async (file: string | undefined, options: LrFindOptions, command: Command) => {
      const client = clientFor(command);
      const body = await requestBody(file, options);
      const created = await unwrap(client.POST('/v1/lr-range-tests', { body: body as never }));
      if (!options.wait) {
        console.log(created.id);
        return;
      }
      const test = await waitForEnd(client, created.id);
      if (options.json) printJson(test);
      else {
        const width = options.width ?? Math.max(20, Math.min(80, (process.stdout.columns ?? 100) - 10));
        for (const line of renderLrRangeTest(test, width)) console.log(line);
        const { url } = command.optsWithGlobals<{ url: string }>();
        console.log(`dashboard: ${url.replace(/\/$/, '')}/#/lr-range-tests/${test.id}`);
      }
      if (test.status !== 'completed') process.exitCode = EXIT.failed;
    });
}
