import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { type SweepSpecValidation, validateSweepSpec } from '../src/validate-sweep-spec.js';
import { context } from './workloads.js';

/** EXAMPLES_DIR, else the repository's examples/. */
export const examplesDir = join(
  process.env['EXAMPLES_DIR'] ?? fileURLToPath(new URL('../../../examples/', import.meta.url)),
  '/',
);

export const exampleNames = ['optimizers-mnist', 'param-groups-mnist', 'schedulers-regression'] as const;

export function readExample(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(`${examplesDir}${name}.json`, 'utf8')) as Record<string, unknown>;
}

export function validate(input: unknown, maxTrials?: number): SweepSpecValidation {
  return validateSweepSpec(input, maxTrials === undefined ? context : { ...context, maxTrials });
}

export function expectValid(input: unknown) {
  const result = validate(input);
  if (!result.ok) expect.fail(`expected a valid spec, got ${JSON.stringify(result.errors, null, 2)}`);
  return result;
}

/** A small valid spec to mutate. */
export function baseSpec(): Record<string, unknown> {
  return {
    workload: { name: 'mnist-mlp', options: { trainSize: 640, valSize: 100 } },
    training: { epochs: 2, batchSize: 64 },
    optimizers: [{ type: 'SGD', lr: 0.1 }],
  };
}
