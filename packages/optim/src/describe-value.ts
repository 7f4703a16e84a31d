/**
 * How values appear in error messages, in one place. Our own messages show a value as JSON
 * (`describeValue`); torch's messages show it as Python would (`pythonStr` inside a torch template,
 * `pythonRepr` where torch's TypeErrors quote it), so a message reads as torch's does.
 */

/** A value as JSON, shortened: long strings cut, long lists and objects named; NaN and Infinity as themselves. */
export function describeValue(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) {
    const text = safeJson(value);
    return text.length <= 40 ? text : `a list of ${value.length} items`;
  }
  if (value !== null && typeof value === 'object') return 'an object';
  const text = safeJson(value);
  return text.length <= 40 ? text : `${text.slice(0, 37)}...`;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Python's repr of a JSON value: 0.5, 'cos', [1, 2], None, True. */
export function pythonRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(', ')}]`;
  if (typeof value === 'number') return String(value);
  return JSON.stringify(value) ?? String(value);
}

/** Python's str() of a value, which torch's `"...{}".format(value)` messages use: strings unquoted. */
export function pythonStr(value: unknown): string {
  return typeof value === 'string' ? value : pythonRepr(value);
}
