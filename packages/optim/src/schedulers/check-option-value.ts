import { torchMessage } from '../catalog/torch-message.js';
import type { JsonSchema } from '../catalog/types.js';
import { pythonRepr } from '../describe-value.js';
import { OptimError } from '../errors.js';

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function typeMatches(schema: JsonSchema, value: unknown): boolean {
  const actual = jsonType(value);
  return schema.type === actual || (schema.type === 'number' && actual === 'integer');
}

function describeConstraint(schema: JsonSchema): string {
  const bounds: string[] = [];
  if (schema.minimum !== undefined) bounds.push(`>= ${schema.minimum}`);
  if (schema.exclusiveMinimum !== undefined) bounds.push(`> ${schema.exclusiveMinimum}`);
  if (schema.maximum !== undefined) bounds.push(`<= ${schema.maximum}`);
  if (schema.exclusiveMaximum !== undefined) bounds.push(`< ${schema.exclusiveMaximum}`);
  return bounds.join(' and ');
}

/**
 * Throws an OptimError (with `path`) unless `value` satisfies `schema`, the subset of JSON Schema
 * the scheduler catalog uses. Out-of-range values get torch's message from `x-torch-message`
 * where torch has one. Nested objects (nested scheduler specs) are only checked to be objects:
 * the composite schedulers validate them by building them.
 */
export function checkOptionValue(schema: JsonSchema, value: unknown, path: string): void {
  if (schema.anyOf !== undefined) {
    // A non-integer number is checked against an integer branch, for its torch message.
    const branch =
      schema.anyOf.find((candidate) => typeMatches(candidate, value)) ??
      (typeof value === 'number'
        ? schema.anyOf.find((candidate) => candidate.type === 'integer')
        : undefined);
    if (branch === undefined) {
      const expected = schema.anyOf.map((candidate) => candidate.type).join(' or ');
      throw new OptimError(`Invalid ${path}: expected ${expected}, got ${pythonRepr(value)}`, path);
    }
    checkOptionValue(
      { ...branch, 'x-torch-message': branch['x-torch-message'] ?? schema['x-torch-message'] },
      value,
      path,
    );
    return;
  }
  const torchError = torchMessage(schema, value);
  if (schema.type === 'integer' && typeof value === 'number' && !Number.isInteger(value) && torchError) {
    // torch's "Expected positive integer T_0, but got 1.5" covers non-integers too.
    throw new OptimError(torchError, path);
  }
  if (schema.type !== undefined && !typeMatches(schema, value)) {
    const article =
      schema.type === 'integer' || schema.type === 'array' || schema.type === 'object' ? 'an' : 'a';
    throw new OptimError(
      `Invalid ${path}: expected ${article} ${schema.type}, got ${pythonRepr(value)}`,
      path,
    );
  }
  const invalid = (expected: string) =>
    new OptimError(torchError ?? `Invalid ${path}: expected ${expected}, got ${pythonRepr(value)}`, path);
  if (schema.enum !== undefined && !schema.enum.includes(value)) {
    throw invalid(`one of ${schema.enum.map(pythonRepr).join(', ')}`);
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw invalid('a finite number');
    const outOfRange =
      (schema.minimum !== undefined && value < schema.minimum) ||
      (schema.maximum !== undefined && value > schema.maximum) ||
      (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum) ||
      (schema.exclusiveMaximum !== undefined && value >= schema.exclusiveMaximum);
    if (outOfRange) throw invalid(`a number ${describeConstraint(schema)}`);
  }
  if (typeof value === 'string' && schema.maxLength !== undefined && value.length > schema.maxLength) {
    throw invalid(`at most ${schema.maxLength} characters`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) {
      throw invalid(`at least ${schema.minItems} items`);
    }
    if (schema.items !== undefined) {
      const items = schema.items;
      value.forEach((item, index) => {
        checkOptionValue(items, item, `${path}/${index}`);
      });
    }
  }
}
