export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export function redisUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env.REDIS_URL || DEFAULT_REDIS_URL;
}

/**
 * Every Redis key hypersweep writes starts with this prefix (BullMQ's `prefix`, the event channels), so
 * several deployments or test runs can share one Redis. QUEUE_PREFIX, default `hypersweep`.
 */
export function queuePrefixFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env.QUEUE_PREFIX || 'hypersweep';
}

/** A positive integer setting from the environment, `fallback` when unset; anything else is a one-line error. */
export function positiveIntegerFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  return integerFromEnv(env, name, fallback, 1, 'a positive integer');
}

/** An integer setting >= 0 from the environment, `fallback` when unset; anything else is a one-line error. */
export function nonNegativeIntegerFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  return integerFromEnv(env, name, fallback, 0, 'an integer >= 0');
}

function integerFromEnv(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  min: number,
  what: string,
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be ${what}, got "${raw}"`);
  return value;
}
