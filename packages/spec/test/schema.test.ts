import { optimizerCatalog, schedulerCatalog } from '@hypersweep/optim';
import Schema from 'typebox/schema';
import { describe, expect, test } from 'vitest';
import {
  createSweepSpecSchema,
  OptimizerSpecSchema,
  SchedulerSpecSchema,
  SweepSpecSchema,
} from '../src/sweep-spec-schema.js';
import { baseSpec } from './helpers.js';
import { workloads } from './workloads.js';

/** A variant as JSON: `{title, required, properties: {type: {enum: [name]}, <option>: {default}}}`. */
type Variant = {
  title: string;
  required: string[];
  properties: Record<string, { enum?: string[]; default?: unknown } | undefined>;
};

function keysDeep(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(keysDeep);
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, item]) => [key, ...keysDeep(item)]);
}

describe('SweepSpecSchema (the OpenAPI request body)', () => {
  const json = JSON.parse(JSON.stringify(SweepSpecSchema));

  test('is plain JSON Schema: no catalog extensions, no TypeBox-only kinds', () => {
    const keys = keysDeep(json);
    expect(keys.filter((key) => key.startsWith('x-'))).toEqual([]);
    expect(keys.filter((key) => key.startsWith('~') || key === 'instanceOf')).toEqual([]);
    expect(JSON.stringify(json)).not.toContain('"const"');
  });

  test('has one typed variant per optimizer and scheduler, keyed by type', () => {
    const optimizerVariants = JSON.parse(JSON.stringify(OptimizerSpecSchema)).anyOf as Variant[];
    expect(optimizerVariants.map((variant) => variant.properties['type']?.enum?.[0])).toEqual(
      Object.keys(optimizerCatalog),
    );
    const schedulerVariants = JSON.parse(JSON.stringify(SchedulerSpecSchema)).anyOf as Variant[];
    expect(schedulerVariants[0]).toEqual({ type: 'null' });
    expect(schedulerVariants.slice(1).map((variant) => variant.title)).toEqual(Object.keys(schedulerCatalog));
    const sgd = optimizerVariants.find((variant) => variant.title === 'SGD')!;
    expect(sgd.required).toEqual(['type', 'lr']);
    expect(sgd.properties['momentum']?.default).toBe(0);
    const lbfgs = optimizerVariants.find((variant) => variant.title === 'LBFGS')!;
    expect(lbfgs.properties['param_groups']).toBeUndefined();
  });

  test('carries the example sweeps', () => {
    expect(json.examples).toHaveLength(3);
  });

  test('accepts sweeps and rejects unknown options', () => {
    const check = Schema.Compile(SweepSpecSchema);
    expect(
      check.Check({ ...baseSpec(), optimizers: [{ type: 'Adam', lr: [0.1, 0.01], betas: [[0.9, 0.99]] }] }),
    ).toBe(true);
    expect(check.Check({ ...baseSpec(), optimizers: [{ type: 'SGD', lr: 0.1, momentun: 0.9 }] })).toBe(false);
    expect(check.Check({ ...baseSpec(), optimizers: [{ type: 'SGD', lr: [] }] })).toBe(false);
    expect(
      check.Check({
        ...baseSpec(),
        schedulers: [null, { type: 'StepLR', step_size: [1, 2], interval: 'epoch' }],
      }),
    ).toBe(true);
  });

  test('with the workloads, workload names and options are typed', () => {
    const check = Schema.Compile(createSweepSpecSchema({ workloads }));
    expect(check.Check(baseSpec())).toBe(true);
    expect(check.Check({ ...baseSpec(), workload: 'rosenbrock' })).toBe(true);
    expect(check.Check({ ...baseSpec(), workload: 'mnist' })).toBe(false);
    expect(check.Check({ ...baseSpec(), workload: { name: 'mnist-mlp', options: { hiden: 3 } } })).toBe(
      false,
    );
  });
});
