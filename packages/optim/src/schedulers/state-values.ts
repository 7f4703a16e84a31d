import { OptimError } from '../errors.js';
import type { SchedulerJsonValue, SchedulerState } from './scheduler.js';

/**
 * JSON has no infinities (ReduceLROnPlateau's `best` starts at ±inf): such numbers are stored as
 * the strings "Infinity", "-Infinity" and "NaN" and read back here.
 */
export function encodeNumber(value: number): SchedulerJsonValue {
  return Number.isFinite(value) ? value : String(value);
}

function decodeNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (value === 'Infinity' || value === '-Infinity' || value === 'NaN') return Number(value);
  return undefined;
}

export function readNumber(state: SchedulerState, key: string): number {
  const value = decodeNumber(state[key]);
  if (value === undefined) {
    throw new OptimError(
      `Invalid state dict: ${key} must be a number, got ${JSON.stringify(state[key])}`,
      key,
    );
  }
  return value;
}

export function readNumberList(state: SchedulerState, key: string, length: number): number[] {
  const value = state[key];
  if (!Array.isArray(value) || value.length !== length || value.some((item) => typeof item !== 'number')) {
    throw new OptimError(
      `Invalid state dict: ${key} must be a list of ${length} numbers (one per param group), got ${JSON.stringify(value)}`,
      key,
    );
  }
  return value as number[];
}
