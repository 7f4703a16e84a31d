import { type JsonSchema, OptimError } from '@hypersweep/optim';
import { unknownNameMessage } from './closest-name.js';
import type { ErrorReport, SpecError } from './error-report.js';
import { childPointer } from './json-pointer.js';
import type { JsonObject } from './json-value.js';
import { readSweptOption } from './sweep-values.js';

/** One option of an optimizer or scheduler entry with the values it takes in the grid. */
export interface OptionAxis {
  option: string;
  /** Index of the param_groups entry the option belongs to; -1 for the entry's own options. */
  group: number;
  values: unknown[];
  /** JSON Pointer of each value in the submitted body. */
  paths: string[];
}

/**
 * Reads the torch options of one spec entry (`{ "type": "SGD", "lr": [0.01, 0.1] }`, or one of
 * its param groups) in the order written. Keys in `reserved` belong to the spec itself (`type`,
 * `param_groups`, `interval`, `params`); every other key must be an option of the catalog entry.
 * Returns undefined after reporting errors.
 */
export function readEntryOptions(
  entry: JsonObject,
  entryPath: string,
  options: Record<string, JsonSchema>,
  reserved: ReadonlySet<string>,
  owner: string,
  group: number,
  report: ErrorReport,
): OptionAxis[] | undefined {
  const axes: OptionAxis[] = [];
  let valid = true;
  for (const [option, value] of Object.entries(entry)) {
    if (reserved.has(option)) continue;
    const path = childPointer(entryPath, option);
    if (!Object.hasOwn(options, option)) {
      report.add(
        path,
        unknownNameMessage({
          what: 'option',
          name: option,
          where: ` for ${owner}`,
          valid: Object.keys(options),
          validLabel: 'valid options',
        }),
      );
      valid = false;
      continue;
    }
    const swept = readSweptOption(value, options[option]!, path, option, report);
    if (swept === undefined) valid = false;
    else axes.push({ option, group, ...swept });
  }
  return valid ? axes : undefined;
}

/** Number of grid points an entry's axes make (bigint: a hostile spec may ask for more than 2^53). */
export function combinationCount(axes: readonly OptionAxis[]): bigint {
  let count = 1n;
  for (const axis of axes) count *= BigInt(axis.values.length);
  return count;
}

/**
 * Every combination of the axes' value indices, the last axis varying fastest (like Python's
 * itertools.product), so the trial order follows the order options are written in the spec.
 */
export function* combinations(axes: readonly OptionAxis[]): Generator<readonly number[]> {
  const indices = axes.map(() => 0);
  if (axes.some((axis) => axis.values.length === 0)) return;
  while (true) {
    yield indices;
    let position = axes.length - 1;
    while (position >= 0) {
      indices[position]! += 1;
      if (indices[position]! < axes[position]!.values.length) break;
      indices[position] = 0;
      position--;
    }
    if (position < 0) return;
  }
}

/**
 * Where an OptimError's option path (`momentum`, `betas/0`) points in the body for one
 * combination: at the value of that combination when the option was written, else at the
 * entry (a default or derived value is at fault).
 */
function errorPointer(
  optionPath: string | undefined,
  axes: readonly OptionAxis[],
  indices: readonly number[],
  group: number,
  entryPath: string,
): string {
  if (optionPath === undefined || optionPath === '') return entryPath;
  const [option, ...rest] = optionPath.split('/');
  const find = (target: number) => axes.findIndex((axis) => axis.option === option && axis.group === target);
  const position = find(group) >= 0 ? find(group) : find(-1);
  if (position < 0) return entryPath;
  const axis = axes[position]!;
  return `${axis.paths[indices[position]!]}${rest.map((token) => `/${token}`).join('')}`;
}

/**
 * Names the swept values of a failing combination that the message talks about, so "Nesterov
 * momentum requires a momentum and zero dampening" says which momentum: " (momentum=0)".
 */
function combinationNote(message: string, axes: readonly OptionAxis[], indices: readonly number[]): string {
  const named = axes.flatMap((axis, position) =>
    axis.values.length > 1 && new RegExp(`\\b${axis.option}\\b`).test(message)
      ? [`${axis.option}=${JSON.stringify(axis.values[indices[position]!])}`]
      : [],
  );
  return named.length === 0 ? '' : ` (${named.join(', ')})`;
}

/**
 * An error thrown by the optim package's validation of one combination (torch's message, the
 * option in `path`), as a spec error pointing at the value of that combination.
 */
export function combinationError(
  error: unknown,
  axes: readonly OptionAxis[],
  indices: readonly number[],
  group: number,
  entryPath: string,
  context = '',
): SpecError {
  const optionPath = error instanceof OptimError ? error.path : undefined;
  const message = error instanceof Error ? error.message : String(error);
  return {
    path: errorPointer(optionPath, axes, indices, group, entryPath),
    message: `${context}${message}${combinationNote(message, axes, indices)}`,
  };
}
