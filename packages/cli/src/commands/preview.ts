import { readFileSync } from 'node:fs';
import { type PreviewRequest, unwrap } from '@hypersweep/client';
import type { Command } from 'commander';
import { clientFor } from '../api.js';
import { CliError, EXIT } from '../errors.js';
import { formatNumber, printJson } from '../format.js';
import { sparkline } from '../sparkline.js';
import { parsePositiveInt } from './sweeps.js';

interface PreviewOptions {
  optimizer: string;
  lr?: string;
  option: string[];
  scheduler?: string;
  schedulerOption: string[];
  steps: number;
  body?: string;
  width?: number;
  json?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** `key=value`, the value read as JSON where it parses (`0.9`, `[0.9,0.999]`, `true`), else as text. */
function parseAssignments(pairs: string[], flag: string): Record<string, unknown> {
  return Object.fromEntries(
    pairs.map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 1) throw new CliError(`${flag} ${pair}: expected key=value`, EXIT.badInput);
      const raw = pair.slice(eq + 1);
      try {
        return [pair.slice(0, eq), JSON.parse(raw)];
      } catch {
        return [pair.slice(0, eq), raw];
      }
    }),
  );
}

/**
 * `SGD`, or JSON: the preview's own `{"type", "options"}` or a sweep-spec entry with the options beside
 * `type` (`{"type": "StepLR", "step_size": 10}`), so an entry can be pasted from a spec.
 */
function parseEntry(text: string, flag: string): { type: string; options: Record<string, unknown> } {
  if (!text.trimStart().startsWith('{')) return { type: text, options: {} };
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new CliError(`${flag}: not valid JSON: ${(error as Error).message}`, EXIT.badInput);
  }
  const { type, options, ...rest } = entry;
  if (typeof type !== 'string') throw new CliError(`${flag}: the JSON needs a "type"`, EXIT.badInput);
  return { type, options: { ...rest, ...((options as Record<string, unknown>) ?? {}) } };
}

function previewRequest(options: PreviewOptions): PreviewRequest {
  if (options.body) {
    const text = options.body.startsWith('@') ? readFileSync(options.body.slice(1), 'utf8') : options.body;
    try {
      return JSON.parse(text) as PreviewRequest;
    } catch (error) {
      throw new CliError(`--body: not valid JSON: ${(error as Error).message}`, EXIT.badInput);
    }
  }
  const optimizer = parseEntry(options.optimizer, '--optimizer');
  Object.assign(optimizer.options, parseAssignments(options.option, '--option'));
  if (options.lr !== undefined) optimizer.options.lr = Number(options.lr);
  let scheduler: PreviewRequest['scheduler'] = null;
  if (options.scheduler) {
    scheduler = parseEntry(options.scheduler, '--scheduler');
    Object.assign(scheduler.options ?? {}, parseAssignments(options.schedulerOption, '--scheduler-option'));
  }
  return { optimizer, scheduler, steps: options.steps };
}

const describe = (entry: { type: string; options?: Record<string, unknown> } | null) =>
  entry
    ? [entry.type, ...Object.entries(entry.options ?? {}).map(([k, v]) => `${k}=${JSON.stringify(v)}`)].join(
        ' ',
      )
    : 'no scheduler';

/** `preview`: the lr curve of an optimizer + scheduler as a sparkline, without training. */
export function registerPreviewCommand(program: Command): void {
  program
    .command('preview')
    .description(
      'Preview a learning-rate schedule as a sparkline (POST /v1/schedules/preview), without training',
    )
    .option('--optimizer <type|json>', 'torch.optim class, or JSON like {"type":"SGD","lr":0.1}', 'SGD')
    .option('--lr <lr>', 'initial learning rate')
    .option('-o, --option <key=value>', 'an optimizer option (repeatable)', collect, [])
    .option('--scheduler <type|json>', 'lr_scheduler class, or JSON like {"type":"StepLR","step_size":10}')
    .option('-s, --scheduler-option <key=value>', 'a scheduler option (repeatable)', collect, [])
    .option('--steps <n>', 'scheduler steps to show', parsePositiveInt, 100)
    .option(
      '--body <json|@file>',
      'the whole request body of POST /v1/schedules/preview instead of the flags',
    )
    .option('--width <n>', 'sparkline width in characters', parsePositiveInt)
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  hypersweep preview --optimizer SGD --lr 0.1 --scheduler OneCycleLR -s max_lr=0.1 -s total_steps=100\n  hypersweep preview --optimizer \'{"type":"Adam","lr":0.001}\' --scheduler \'{"type":"StepLR","step_size":30}\'',
    )
    .action(async (options: PreviewOptions, command: Command) => {
      const body = previewRequest(options);
      const preview = await unwrap(clientFor(command).POST('/v1/schedules/preview', { body }));
      if (options.json) return printJson(preview);
      const width = options.width ?? Math.max(20, Math.min(80, (process.stdout.columns ?? 100) - 40));
      console.log(`${describe(body.optimizer)} + ${describe(body.scheduler)}, ${body.steps} steps`);
      const series: [string, number[][] | undefined][] = [
        ['lr', preview.lrs],
        ['momentum', preview.momentum],
        ['beta1', preview.beta1],
      ];
      for (const [name, rows] of series) {
        if (!rows || rows.length === 0) continue;
        const groups = rows[0]!.length;
        for (let g = 0; g < groups; g++) {
          const values = rows.map((row) => row[g]!);
          const label = groups > 1 ? `${name}[${g}]` : name;
          console.log(`${label.padEnd(10)}${sparkline(values, width)}  ${summary(values)}`);
        }
      }
    });
}

function summary(values: number[]): string {
  const max = Math.max(...values);
  const min = Math.min(...values);
  const at = (v: number) => values.indexOf(v) + 1;
  return `${formatNumber(values[0])} → ${formatNumber(values.at(-1))} (max ${formatNumber(max)} at step ${at(max)}, min ${formatNumber(min)} at step ${at(min)})`;
}
