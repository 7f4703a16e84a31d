import type { ErrorReport } from './error-report.js';
import { childPointer } from './json-pointer.js';
import { isJsonObject } from './json-value.js';

/** Far deeper than any valid spec needs (a swept list of betas is 5 levels down). */
export const MAX_SPEC_DEPTH = 32;

/**
 * Refuses what is not plain JSON (functions, bigints, NaN, class instances, cycles) and nesting
 * deeper than MAX_SPEC_DEPTH, iteratively, so the validator after it can recurse safely.
 */
export function checkJsonShape(input: unknown, report: ErrorReport): boolean {
  const stack: Array<{ value: unknown; path: string; depth: number }> = [
    { value: input, path: '', depth: 0 },
  ];
  let valid = true;
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (value === null || typeof value === 'string' || typeof value === 'boolean') continue;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) {
        report.add(path, `${value} is not a JSON number`);
        valid = false;
      }
      continue;
    }
    const isArray = Array.isArray(value);
    if (!isArray && !isJsonObject(value)) {
      report.add(path, `${typeof value === 'object' ? 'this object' : `a ${typeof value}`} is not JSON`);
      valid = false;
      continue;
    }
    if (depth >= MAX_SPEC_DEPTH) {
      report.add(path, `nested deeper than ${MAX_SPEC_DEPTH} levels`);
      return false;
    }
    const entries: Array<[string | number, unknown]> = isArray
      ? Array.from(value as unknown[], (item, index) => [index, item])
      : Object.entries(value);
    for (const [key, item] of entries)
      stack.push({ value: item, path: childPointer(path, key), depth: depth + 1 });
  }
  return valid;
}
