import { type JsonSchema, torchMessage } from '@hypersweep/optim';
import type { SpecError } from './error-report.js';
import { childPointer } from './json-pointer.js';
import { describeValue, isJsonObject } from './json-value.js';

/**
 * Checks a value against the JSON Schema subset the catalogs use (type, enum, const, ranges,
 * array lengths, items/prefixItems, anyOf, object properties) and says what is wrong in words a
 * person can act on. Where the catalog carries torch's message (`x-torch-message`, e.g. "Invalid
 * learning rate: {}") a range violation reads as torch's ValueError would. Returns [] when valid.
 */
export function schemaErrors(schema: JsonSchema, value: unknown, path: string, label: string): SpecError[] {
  const errors: SpecError[] = [];
  check(schema, value, path, label, errors);
  return errors;
}

function check(schema: JsonSchema, value: unknown, path: string, label: string, errors: SpecError[]): void {
  if (schema.anyOf !== undefined) {
    checkAnyOf(schema.anyOf, value, path, label, errors);
    if (errors.length > 0) return;
  }
  if (schema.type !== undefined && !hasType(schema.type, value)) {
    errors.push({ path, message: `${label} must be ${describeSchema(schema)}, got ${describeValue(value)}` });
    return;
  }
  if (schema.const !== undefined && value !== schema.const) {
    errors.push({
      path,
      message: `${label} must be ${describeValue(schema.const)}, got ${describeValue(value)}`,
    });
    return;
  }
  if (schema.enum !== undefined && !schema.enum.includes(value)) {
    errors.push({
      path,
      message: `${label} must be ${describeEnum(schema.enum)}, got ${describeValue(value)}`,
    });
    return;
  }
  if (typeof value === 'number') checkRange(schema, value, path, label, errors);
  if (typeof value === 'string' && schema.maxLength !== undefined && value.length > schema.maxLength) {
    errors.push({ path, message: `${label} must be at most ${schema.maxLength} characters long` });
  }
  if (Array.isArray(value)) checkArray(schema, value, path, label, errors);
  if (isJsonObject(value)) checkObject(schema, value, path, label, errors);
}

function checkAnyOf(
  branches: readonly JsonSchema[],
  value: unknown,
  path: string,
  label: string,
  errors: SpecError[],
): void {
  const failures: SpecError[][] = [];
  for (const branch of branches) {
    const branchErrors = schemaErrors(branch, value, path, label);
    if (branchErrors.length === 0) return;
    failures.push(branchErrors);
  }
  // When exactly one branch takes values of this JSON type, its specific complaint is the useful one.
  const sameType = branches.flatMap((branch, index) =>
    branch.type === undefined || hasType(branch.type, value) ? [index] : [],
  );
  if (sameType.length === 1) {
    errors.push(...(failures[sameType[0]!] ?? []));
    return;
  }
  errors.push({
    path,
    message: `${label} must be ${branches.map(describeSchema).join(' or ')}, got ${describeValue(value)}`,
  });
}

function checkRange(
  schema: JsonSchema,
  value: number,
  path: string,
  label: string,
  errors: SpecError[],
): void {
  const inRange =
    Number.isFinite(value) &&
    (schema.minimum === undefined || value >= schema.minimum) &&
    (schema.maximum === undefined || value <= schema.maximum) &&
    (schema.exclusiveMinimum === undefined || value > schema.exclusiveMinimum) &&
    (schema.exclusiveMaximum === undefined || value < schema.exclusiveMaximum);
  if (inRange) return;
  const expected = `${label} must be ${describeRange(schema) || 'finite'}`;
  // torch's ValueError where the catalog carries it ("Invalid learning rate: -1"), then the rule.
  const torch = torchMessage(schema, value);
  errors.push({
    path,
    message: torch === undefined ? `${expected}, got ${value}` : `${torch} (${expected})`,
  });
}

function checkArray(
  schema: JsonSchema,
  value: unknown[],
  path: string,
  label: string,
  errors: SpecError[],
): void {
  const { minItems, maxItems } = schema;
  if (
    (minItems !== undefined && value.length < minItems) ||
    (maxItems !== undefined && value.length > maxItems)
  ) {
    errors.push({ path, message: `${label} must be ${describeSchema(schema)}, got ${describeValue(value)}` });
    return;
  }
  value.forEach((item, index) => {
    const itemSchema = schema.prefixItems?.[index] ?? schema.items;
    if (itemSchema !== undefined)
      check(itemSchema, item, childPointer(path, index), `${label}[${index}]`, errors);
  });
}

function checkObject(
  schema: JsonSchema,
  value: Record<string, unknown>,
  path: string,
  label: string,
  errors: SpecError[],
): void {
  for (const key of schema.required ?? []) {
    if (!Object.hasOwn(value, key)) errors.push({ path, message: `${label} needs "${key}"` });
  }
  for (const [key, item] of Object.entries(value)) {
    const itemPath = childPointer(path, key);
    const propertySchema = schema.properties !== undefined && Object.hasOwn(schema.properties, key);
    if (propertySchema) check(schema.properties![key]!, item, itemPath, `${label}.${key}`, errors);
    else if (schema.additionalProperties === false) {
      // Nested scheduler specs are {type, options}: an option written beside `type` belongs inside.
      const hint =
        schema.properties !== undefined && Object.hasOwn(schema.properties, 'options')
          ? `; put it under "options", as in {"type": ..., "options": {"${key}": ...}}`
          : '';
      errors.push({ path: itemPath, message: `${label} has no field "${key}"${hint}` });
    } else if (typeof schema.additionalProperties === 'object') {
      check(schema.additionalProperties, item, itemPath, `${label}.${key}`, errors);
    }
  }
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
      return isJsonObject(value);
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
      return 'a string';
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
  return item.replace(/^(number|integer|string)\b/, '$1s');
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
