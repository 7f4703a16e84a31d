import fc from 'fast-check';
import Schema from 'typebox/schema';
import { expect } from 'vitest';
import { SweepSpecSchema } from '../src/sweep-spec-schema.js';
import type { SweepSpecValidation } from '../src/validate-sweep-spec.js';
import { validate } from './helpers.js';

// What the fuzz tests share: the answer any input must get, and the mutations of valid specs.

const checkSchema = Schema.Compile(SweepSpecSchema);

/** The value at a JSON Pointer, or undefined when there is none. */
function resolvePointer(root: unknown, path: string): { found: boolean; value?: unknown } {
  if (path === '') return { found: true, value: root };
  let value = root;
  for (const raw of path.slice(1).split('/')) {
    const token = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, token)) return { found: false };
    value = (value as Record<string, unknown>)[token];
  }
  return { found: true, value };
}

/** What must hold for any input: no throw, and an answer a client can use. */
export function expectWellFormed(
  input: unknown,
  result: SweepSpecValidation,
  again: (spec: unknown) => SweepSpecValidation = validate,
): void {
  if (result.ok) {
    expect(checkSchema.Check(input), 'the OpenAPI schema must accept what the validator accepts').toBe(true);
    expect(result.trials.length).toBeGreaterThan(0);
    expect(result.trials.length).toBeLessThanOrEqual(10_000);
    // The normalized spec is a spec with the same trials.
    const normalized = again(result.spec);
    expect(normalized.ok && normalized.trials).toEqual(result.trials);
    return;
  }
  expect(result.errors.length).toBeGreaterThan(0);
  for (const error of result.errors) {
    expect(typeof error.message).toBe('string');
    expect(error.message.length).toBeGreaterThan(0);
    expect(error.path === '' || error.path.startsWith('/')).toBe(true);
    // An error points at a value of the body, or at the object a missing field belongs in.
    const parent = error.path.slice(0, Math.max(0, error.path.lastIndexOf('/')));
    const located = resolvePointer(input, error.path).found || resolvePointer(input, parent).found;
    expect(located, `${error.path} is not in the body`).toBe(true);
  }
}

/** Every location in a JSON value, as pointer token lists. */
export function locations(value: unknown, prefix: string[] = []): string[][] {
  const here = [prefix];
  if (Array.isArray(value))
    return here.concat(value.flatMap((item, index) => locations(item, [...prefix, String(index)])));
  if (value !== null && typeof value === 'object') {
    return here.concat(Object.entries(value).flatMap(([key, item]) => locations(item, [...prefix, key])));
  }
  return here;
}

export type Mutation = {
  at: number;
  kind: 'replace' | 'delete' | 'wrap' | 'add' | 'rename';
  value: unknown;
  key: string;
};

export function mutate(spec: unknown, mutations: Mutation[]): unknown {
  let result = structuredClone(spec);
  for (const mutation of mutations) {
    const all = locations(result);
    const path = all[mutation.at % all.length]!;
    if (path.length === 0) {
      // Inserted values are copied: fast-check hands the same generated object to later runs and shrinks,
      // and editing it in place made a value that contains itself.
      if (mutation.kind === 'replace') result = structuredClone(mutation.value);
      continue;
    }
    // Objects and arrays alike are indexed by string keys here.
    type Node = Record<string, unknown>;
    const parent = path.slice(0, -1).reduce((node, token) => node[token] as Node, result as Node);
    const key = path[path.length - 1]!;
    if (mutation.kind === 'replace') parent[key] = structuredClone(mutation.value);
    else if (mutation.kind === 'wrap') parent[key] = [parent[key]];
    else if (mutation.kind === 'delete') {
      if (Array.isArray(parent)) (parent as unknown[]).splice(Number(key), 1);
      else delete parent[key];
    } else if (mutation.kind === 'add' && !Array.isArray(parent))
      parent[mutation.key] = structuredClone(mutation.value);
    else if (mutation.kind === 'rename' && !Array.isArray(parent)) {
      parent[mutation.key] = parent[key];
      delete parent[key];
    }
  }
  return result;
}

/** One to four mutations, each at a random location, putting in the given keys and values. */
export function mutationsOf(
  keys: fc.Arbitrary<string>,
  values: fc.Arbitrary<unknown>,
): fc.Arbitrary<Mutation[]> {
  return fc.array(
    fc.record({
      at: fc.nat(),
      kind: fc.constantFrom<Mutation['kind']>('replace', 'delete', 'wrap', 'add', 'rename'),
      value: values,
      key: keys,
    }),
    { minLength: 1, maxLength: 4 },
  );
}
