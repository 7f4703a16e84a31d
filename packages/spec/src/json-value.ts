/** Helpers for reading untrusted JSON-like input without trusting its shape. */

export type JsonObject = Record<string, unknown>;

/** A plain object as JSON.parse makes them (not an array, Date, Map, class instance, ...). */
export function isJsonObject(value: unknown): value is JsonObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** Own property only, so `__proto__`, `constructor` and friends never leak in from the prototype. */
export function ownValue(object: JsonObject, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

/** How a value appears in an error message: the optim package's one describer (JSON, shortened). */
export { describeValue } from '@hypersweep/optim';

/** The JSON type of a value as a person says it ("a number", "a list", ...). */
export function jsonTypeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'number':
      return 'a number';
    case 'string':
      return 'a string';
    case 'boolean':
      return 'a boolean';
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}

/** 12345 -> "12,345" (also for bigint). */
export function formatCount(count: number | bigint): string {
  return count.toLocaleString('en-US');
}
