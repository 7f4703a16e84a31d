import { OptimError } from '../errors.js';
import type { OptimizerLike } from '../types.js';

/**
 * torch's `_format_param`: one value for every param group, or a list with one per group.
 * `message` is torch's wording for a length mismatch where a scheduler has its own.
 */
export function perGroup<T>(
  optimizer: OptimizerLike,
  name: string,
  value: T | readonly T[],
  message = (expected: number, got: number) => `expected ${expected} values for ${name}, got ${got}`,
): T[] {
  const groups = optimizer.paramGroups.length;
  if (!Array.isArray(value)) return Array.from({ length: groups }, () => value as T);
  if (value.length !== groups) throw new OptimError(message(groups, value.length), name);
  return [...value];
}
