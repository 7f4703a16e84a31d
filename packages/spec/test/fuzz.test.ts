import fc from 'fast-check';
import Schema from 'typebox/schema';
import { describe, expect, test } from 'vitest';
import { SweepSpecSchema } from '../src/sweep-spec-schema.js';
import type { SweepSpecValidation } from '../src/validate-sweep-spec.js';
import { baseSpec, exampleNames, readExample, validate } from './helpers.js';

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
function expectWellFormed(input: unknown, result: SweepSpecValidation): void {
  if (result.ok) {
    expect(checkSchema.Check(input), 'the OpenAPI schema must accept what the validator accepts').toBe(true);
    expect(result.trials.length).toBeGreaterThan(0);
    expect(result.trials.length).toBeLessThanOrEqual(10_000);
    // The normalized spec is a spec with the same trials.
    const again = validate(result.spec);
    expect(again.ok && again.trials).toEqual(result.trials);
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
function locations(value: unknown, prefix: string[] = []): string[][] {
  const here = [prefix];
  if (Array.isArray(value))
    return here.concat(value.flatMap((item, index) => locations(item, [...prefix, String(index)])));
  if (value !== null && typeof value === 'object') {
    return here.concat(Object.entries(value).flatMap(([key, item]) => locations(item, [...prefix, key])));
  }
  return here;
}

type Mutation = {
  at: number;
  kind: 'replace' | 'delete' | 'wrap' | 'add' | 'rename';
  value: unknown;
  key: string;
};

function mutate(spec: unknown, mutations: Mutation[]): unknown {
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

const interestingKeys = fc.constantFrom(
  'lr',
  'momentum',
  'betas',
  'nesterov',
  'dampening',
  'type',
  'param_groups',
  'params',
  'interval',
  'monitor',
  'total_steps',
  'mode',
  'gamma',
  'step_size',
  'milestones',
  'lr_lambda',
  'max_lr',
  '__proto__',
  'constructor',
  'seeds',
  'epochs',
  'batchSize',
  'maxSteps',
  'objective',
  'metric',
  'options',
  'name',
  'schedulers',
  'a/b~',
);
const interestingValues = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(
    0,
    -1,
    1e308,
    0.5,
    1,
    2 ** 53,
    'SGD',
    'Adam',
    'OneCycleLR',
    'ReduceLROnPlateau',
    'classifier',
    'base',
    'step',
    'epoch',
    '0.95 ** epoch',
    '1 / 0',
    'epoch ** 400',
    [],
    [[]],
    [0.9, 0.999],
    [[0.9, 0.99]],
    null,
    true,
    {},
  ),
);
const mutations = fc.array(
  fc.record({
    at: fc.nat(),
    kind: fc.constantFrom<Mutation['kind']>('replace', 'delete', 'wrap', 'add', 'rename'),
    value: interestingValues,
    key: interestingKeys,
  }),
  { minLength: 1, maxLength: 4 },
);

const validSpecs = [
  ...exampleNames.map(readExample),
  baseSpec(),
  {
    workload: { name: 'mnist-mlp', options: { trainSize: 640 } },
    optimizers: [
      {
        type: 'SGD',
        lr: [0.1, 0.01],
        momentum: 0.9,
        nesterov: true,
        param_groups: [{ params: 'classifier', lr: 0.001 }],
      },
      {
        type: 'Adam',
        betas: [
          [0.9, 0.99],
          [0.8, 0.9],
        ],
      },
      { type: 'LBFGS', max_iter: 5 },
    ],
    schedulers: [
      null,
      { type: 'OneCycleLR', max_lr: 0.1, cycle_momentum: false },
      { type: 'ReduceLROnPlateau', factor: 0.5 },
      { type: 'LambdaLR', lr_lambda: '0.9 ** epoch' },
      {
        type: 'SequentialLR',
        schedulers: [
          { type: 'StepLR', options: { step_size: 1 } },
          { type: 'ExponentialLR', options: { gamma: 0.9 } },
        ],
        milestones: [1],
      },
    ],
    seeds: [1, 2],
    objective: { metric: 'val_accuracy' },
  },
];

describe('the validator never throws (a client mistake is never a 500)', () => {
  test('valid specs used as fuzzing seeds are valid', () => {
    for (const spec of validSpecs) expect(validate(spec)).toMatchObject({ ok: true });
  });

  test('arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (input) => expectWellFormed(input, validate(input))),
      { numRuns: 300 },
    );
  });

  test('arbitrary objects with the spec fields', () => {
    const field = fc.oneof(interestingValues, fc.array(interestingValues, { maxLength: 3 }));
    fc.assert(
      fc.property(
        fc.record(
          {
            workload: field,
            optimizers: field,
            schedulers: field,
            training: field,
            seeds: field,
            objective: field,
            name: field,
          },
          { requiredKeys: [] },
        ),
        (input) => expectWellFormed(input, validate(input)),
      ),
      { numRuns: 300 },
    );
  });

  test('mutated valid specs', () => {
    fc.assert(
      fc.property(fc.constantFrom(...validSpecs), mutations, (spec, edits) => {
        const input = mutate(spec, edits);
        expectWellFormed(input, validate(input));
      }),
      { numRuns: 500 },
    );
  });

  test('values that are not JSON', () => {
    fc.assert(
      fc.property(
        fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true }),
        (value) => {
          const result = validate({ ...baseSpec(), optimizers: [{ type: 'SGD', lr: value }] });
          if (!result.ok) expect(result.errors.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 200 },
    );
    const cyclic: Record<string, unknown> = { ...baseSpec() };
    cyclic['training'] = cyclic;
    expect(validate(cyclic).ok).toBe(false);
    expect(validate(undefined).ok).toBe(false);
    expect(validate(() => 1).ok).toBe(false);
  });
});
