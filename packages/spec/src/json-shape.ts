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
    if (value === null || typeof value === 'boolean') continue;
    if (typeof value === 'string') {
      const problem = unstorableText(value);
      if (problem !== undefined) {
        report.add(path, problem);
        valid = false;
      }
      continue;
    }
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
    for (const [key, item] of entries) {
      const keyProblem = typeof key === 'string' ? unstorableText(key) : undefined;
      if (keyProblem !== undefined) {
        report.add(childPointer(path, key), `this key ${keyProblem.replace(/^this text /, '')}`);
        valid = false;
      }
      stack.push({ value: item, path: childPointer(path, key), depth: depth + 1 });
    }
  }
  return valid;
}

/**
 * Text Postgres cannot store in a jsonb or text column (the spec is kept verbatim): the NUL
 * character, and UTF-16 surrogates without their pair (not Unicode at all).
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function unstorableText(text: string): string | undefined {
  if (text.includes('\u0000'))
    return 'this text contains the NUL character (\\u0000), which cannot be stored';
  if (LONE_SURROGATE.test(text))
    return 'this text contains an unpaired UTF-16 surrogate, which is not Unicode';
  return undefined;
}
