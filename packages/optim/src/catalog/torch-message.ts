import { pythonStr } from '../describe-value.js';
import type { JsonSchema } from './types.js';

/**
 * torch's ValueError for a value outside an option's constraint, from the catalog's one message
 * convention: `x-torch-message`, torch's format string with `{}` for the value
 * ("Invalid learning rate: {}", "Expected positive integer T_0, but got {}"). A template with one
 * `{}` per item of a list value takes the items, as torch's `"Invalid eta values: {}, {}".format(*etas)`.
 * Undefined where the catalog has no message for this option (the checker words its own).
 */
export function torchMessage(schema: JsonSchema, value: unknown): string | undefined {
  const template = schema['x-torch-message'];
  if (typeof template !== 'string') return undefined;
  const slots = template.split('{}').length - 1;
  const values = Array.isArray(value) && slots > 1 && value.length === slots ? value : [value];
  let next = 0;
  return template.replace(/\{\}/g, () => pythonStr(values[Math.min(next++, values.length - 1)]));
}
