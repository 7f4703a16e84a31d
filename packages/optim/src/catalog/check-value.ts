import { describeValue } from '../describe-value.js';
import { OptimError } from '../errors.js';
import { torchMessage } from './torch-message.js';
import type { JsonSchema } from './types.js';

/** One thing wrong with a value: where (a JSON Pointer relative to the value checked, "" for the value itself) and what. */
export interface ValueProblem {
  pointer: string;
  message: string;
}

/**
 * The one checker over the catalog schemas, used by the optimizer and scheduler resolvers and the
 * sweep-spec validator alike. Walks the subset of JSON Schema the catalogs use (type, const, enum,
 * minimum/exclusiveMinimum/maximum/exclusiveMaximum, maxLength, items/prefixItems/minItems/maxItems,
 * anyOf, object properties/required/additionalProperties) and returns every problem, [] when valid.
 *
 * One message convention: torch's ValueError from `x-torch-message` where the catalog carries one
 * ("Invalid learning rate: -1"), otherwise `Invalid <label> value: expected <schema>, got <value>`.
 * `label` names the value in messages (an option or field name; items read as `betas[1]`).
 */
export function checkValue(schema: JsonSchema, value: unknown, label: string): ValueProblem[] {
  const problems: ValueProblem[] = [];
  check(schema, value, '', label, problems);
  return problems;
}

/** Throws the first problem of option `name`'s value as an OptimError whose path is the option's (`betas/1`). */
export function throwFirstProblem(schema: JsonSchema, value: unknown, name: string): void {
  const [problem] = checkValue(schema, value, name);
  if (problem !== undefined) throw new OptimError(problem.message, `${name}${problem.pointer}`);
}

/** Our own wording where torch has no message. */
export function invalidValueMessage(label: string, expected: string, value: unknown): string {
  return `Invalid ${label} value: expected ${expected}, got ${describeValue(value)}`;
}

function check(
  schema: JsonSchema,
  value: unknown,
  pointer: string,
  label: string,
  problems: ValueProblem[],
): void {
  const fallback = (expected = describeSchema(schema)) => ({
    pointer,
    message: invalidValueMessage(label, expected, value),
  });
  const torchOr = (expected?: string) => {
    const torch = torchMessage(schema, value);
    return torch === undefined ? fallback(expected) : { pointer, message: torch };
  };
  if (schema.anyOf !== undefined) {
    const failed = checkAnyOf(schema, value, pointer, label);
    if (failed !== undefined) {
      problems.push(...failed);
      return;
    }
  }
  if (schema.type !== undefined && !hasType(schema.type, value)) {
    // torch's "Expected positive integer T_0, but got 1.5" covers non-integers too.
    problems.push(schema.type === 'integer' && typeof value === 'number' ? torchOr() : fallback());
    return;
  }
  if (schema.const !== undefined && value !== schema.const) {
    problems.push(fallback());
    return;
  }
  if (schema.enum !== undefined && !schema.enum.includes(value)) {
    problems.push(torchOr());
    return;
  }
  if (typeof value === 'number' && !inRange(schema, value)) problems.push(torchOr());
  if (typeof value === 'string' && schema.maxLength !== undefined && value.length > schema.maxLength) {
    problems.push(fallback());
  }
  if (
    typeof value === 'string' &&
    schema.pattern !== undefined &&
    !new RegExp(schema.pattern, 'u').test(value)
  ) {
    problems.push(fallback());
  }
  if (Array.isArray(value)) checkArray(schema, value, pointer, label, problems);
  if (isPlainObject(value)) checkObject(schema, value, pointer, label, problems);
}

/**
 * Undefined when some branch takes the value. Otherwise the problems of the one branch that takes
 * values of this JSON type (a number counts for an integer branch, for torch's message), or one
 * message naming every branch. A branch inherits the `x-torch-message` of the anyOf.
 */
function checkAnyOf(
  schema: JsonSchema,
  value: unknown,
  pointer: string,
  label: string,
): ValueProblem[] | undefined {
  const branches = schema.anyOf ?? [];
  const failures: ValueProblem[][] = [];
  for (const branch of branches) {
    const branchProblems: ValueProblem[] = [];
    const inherited = {
      ...branch,
      'x-torch-message': branch['x-torch-message'] ?? schema['x-torch-message'],
    };
    check(inherited, value, pointer, label, branchProblems);
    if (branchProblems.length === 0) return undefined;
    failures.push(branchProblems);
  }
  const sameType = branches.flatMap((branch, index) =>
    branch.type === undefined ||
    hasType(branch.type, value) ||
    (branch.type === 'integer' && typeof value === 'number')
      ? [index]
      : [],
  );
  if (sameType.length === 1) return failures[sameType[0]!];
  return [{ pointer, message: invalidValueMessage(label, describeSchema(schema), value) }];
}

function inRange(schema: JsonSchema, value: number): boolean {
  return (
    Number.isFinite(value) &&
    (schema.minimum === undefined || value >= schema.minimum) &&
    (schema.maximum === undefined || value <= schema.maximum) &&
    (schema.exclusiveMinimum === undefined || value > schema.exclusiveMinimum) &&
    (schema.exclusiveMaximum === undefined || value < schema.exclusiveMaximum)
  );
}

function checkArray(
  schema: JsonSchema,
  value: unknown[],
  pointer: string,
  label: string,
  problems: ValueProblem[],
): void {
  const { minItems, maxItems } = schema;
  if (
    (minItems !== undefined && value.length < minItems) ||
    (maxItems !== undefined && value.length > maxItems)
  ) {
    problems.push({ pointer, message: invalidValueMessage(label, describeSchema(schema), value) });
    return;
  }
  // A tuple's torch message ("Invalid eta values: 0.5, 1.2") reports a number item out of range.
  const listMessage = schema.prefixItems === undefined ? undefined : torchMessage(schema, value);
  value.forEach((item, index) => {
    const itemSchema = schema.prefixItems?.[index] ?? schema.items;
    if (itemSchema === undefined) return;
    const itemPointer = `${pointer}/${index}`;
    const itemProblems: ValueProblem[] = [];
    check(itemSchema, item, itemPointer, `${label}[${index}]`, itemProblems);
    const useListMessage =
      listMessage !== undefined &&
      itemProblems.length > 0 &&
      typeof item === 'number' &&
      itemSchema['x-torch-message'] === undefined;
    problems.push(...(useListMessage ? [{ pointer: itemPointer, message: listMessage }] : itemProblems));
  });
}

function checkObject(
  schema: JsonSchema,
  value: Record<string, unknown>,
  pointer: string,
  label: string,
  problems: ValueProblem[],
): void {
  for (const key of schema.required ?? []) {
    if (!Object.hasOwn(value, key)) problems.push({ pointer, message: `${label} needs "${key}"` });
  }
  for (const [key, item] of Object.entries(value)) {
    const itemPointer = `${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
    const properties = schema.properties;
    if (properties !== undefined && Object.hasOwn(properties, key)) {
      check(properties[key]!, item, itemPointer, `${label}.${key}`, problems);
    } else if (schema.additionalProperties === false) {
      // Nested scheduler specs are {type, options}: an option written beside `type` belongs inside.
      const hint =
        properties !== undefined && Object.hasOwn(properties, 'options')
          ? `; put it under "options", as in {"type": ..., "options": {"${key}": ...}}`
          : '';
      problems.push({ pointer: itemPointer, message: `${label} has no field "${key}"${hint}` });
    } else if (typeof schema.additionalProperties === 'object') {
      check(schema.additionalProperties, item, itemPointer, `${label}.${key}`, problems);
    }
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function hasType(type: NonNullable<JsonSchema['type']>, value: unknown): boolean {
  switch (type) {
    case 'number':
      return typeof value === 'number';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'string':
      return typeof value === 'string';
    case 'null':
      return value === null;
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isPlainObject(value);
  }
}

/** "a number >= 0", "one of "min", "max"", "a list of 2 numbers", ... */
export function describeSchema(schema: JsonSchema): string {
  if (schema.anyOf !== undefined) return schema.anyOf.map(describeSchema).join(' or ');
  if (schema.const !== undefined) return describeValue(schema.const);
  if (schema.enum !== undefined) return describeEnum(schema.enum);
  const range = describeRange(schema);
  switch (schema.type) {
    case 'number':
      return range === '' ? 'a number' : `a number ${range}`;
    case 'integer':
      return range === '' ? 'an integer' : `an integer ${range}`;
    case 'boolean':
      return 'true or false';
    case 'string':
      if (schema.pattern !== undefined) return `a string matching ${schema.pattern}`;
      return schema.maxLength === undefined
        ? 'a string'
        : `a string of at most ${schema.maxLength} characters`;
    case 'null':
      return 'null';
    case 'object':
      return 'an object';
    case 'array':
      return describeArray(schema);
    default:
      return 'a JSON value';
  }
}

function describeArray(schema: JsonSchema): string {
  const { minItems, maxItems } = schema;
  const count =
    minItems !== undefined && minItems === maxItems
      ? `${minItems} `
      : minItems !== undefined && minItems > 0
        ? `at least ${minItems} `
        : '';
  const first = schema.prefixItems?.[0] ?? schema.items;
  if (first === undefined) return `a list of ${count}values`;
  const item = describeSchema(first).replace(/^an? /, '');
  const sameItems =
    schema.prefixItems?.every((other) => describeSchema(other) === describeSchema(first)) ?? true;
  return sameItems ? `a list of ${count}${pluralise(item)}` : `a list of ${count}values`;
}

function pluralise(item: string): string {
  return item.replace(/^(number|integer|string|object)\b/, '$1s');
}

function describeEnum(values: readonly unknown[]): string {
  return values.length === 1
    ? describeValue(values[0])
    : `one of ${values.map((value) => describeValue(value)).join(', ')}`;
}

function describeRange(schema: JsonSchema): string {
  const lower =
    schema.exclusiveMinimum !== undefined
      ? `> ${schema.exclusiveMinimum}`
      : schema.minimum !== undefined
        ? `>= ${schema.minimum}`
        : undefined;
  const upper =
    schema.exclusiveMaximum !== undefined
      ? `< ${schema.exclusiveMaximum}`
      : schema.maximum !== undefined
        ? `<= ${schema.maximum}`
        : undefined;
  return [lower, upper].filter((part) => part !== undefined).join(' and ');
}
