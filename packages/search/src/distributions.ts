/**
 * Search-space distributions, as Optuna's FloatDistribution, IntDistribution and
 * CategoricalDistribution (https://optuna.readthedocs.io/en/stable/reference/distributions.html),
 * written in a sweep spec as `{"uniform": [low, high]}`, `{"loguniform": [low, high]}`,
 * `{"int": [low, high]}` (inclusive), `{"logint": [low, high]}` and `{"choice": [v1, v2, ...]}`.
 *
 * A value has an internal representation (a number: the value itself, or a categorical choice's
 * index) that the samplers work on, as Optuna's `to_internal_repr`.
 */
export type Distribution = FloatDistribution | IntDistribution | CategoricalDistribution;

export interface FloatDistribution {
  readonly kind: 'float';
  readonly low: number;
  readonly high: number;
  readonly log: boolean;
}

export interface IntDistribution {
  readonly kind: 'int';
  readonly low: number;
  readonly high: number;
  readonly log: boolean;
  /** Optuna's `step` (the spec's distributions use 1). */
  readonly step: number;
}

export interface CategoricalDistribution {
  readonly kind: 'categorical';
  readonly choices: readonly unknown[];
}

/** The spec's spelling of each distribution. */
export const distributionKeys = ['uniform', 'loguniform', 'int', 'logint', 'choice'] as const;
export type DistributionKey = (typeof distributionKeys)[number];

export const floatDistribution = (low: number, high: number, log = false): FloatDistribution => ({
  kind: 'float',
  low,
  high,
  log,
});
export const intDistribution = (low: number, high: number, log = false, step = 1): IntDistribution => ({
  kind: 'int',
  low,
  high,
  log,
  step,
});
export const categoricalDistribution = (choices: readonly unknown[]): CategoricalDistribution => ({
  kind: 'categorical',
  choices,
});

/** One problem with a distribution written in a spec: `path` is relative to the distribution object. */
export interface DistributionProblem {
  path: string;
  message: string;
}

export type ReadDistribution =
  | { ok: true; distribution: Distribution; key: DistributionKey }
  | { ok: false; problems: DistributionProblem[] };

/** Whether a JSON value is written as a distribution: an object with exactly one distribution key. */
export function isDistributionObject(value: unknown): value is Record<DistributionKey, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (distributionKeys as readonly string[]).includes(keys[0]!);
}

/**
 * Reads `{"uniform": [low, high]}` and the others with Optuna's constraints: low <= high,
 * low > 0 on a log scale, integer bounds for int and logint, at least one choice.
 */
export function readDistribution(value: Record<string, unknown>): ReadDistribution {
  const keys = Object.keys(value);
  const key = keys[0] as DistributionKey;
  if (keys.length !== 1 || !(distributionKeys as readonly string[]).includes(key)) {
    return {
      ok: false,
      problems: [
        {
          path: '',
          message: `a distribution is one of ${distributionKeys.map((k) => `{"${k}": ...}`).join(', ')}`,
        },
      ],
    };
  }
  const args = value[key];
  const at = `/${key}`;
  if (key === 'choice') {
    if (!Array.isArray(args) || args.length === 0) {
      return { ok: false, problems: [{ path: at, message: 'choice must be a non-empty list of values' }] };
    }
    return { ok: true, key, distribution: categoricalDistribution(args) };
  }
  if (
    !Array.isArray(args) ||
    args.length !== 2 ||
    !args.every((x) => typeof x === 'number' && Number.isFinite(x))
  ) {
    return { ok: false, problems: [{ path: at, message: `${key} must be [low, high], two finite numbers` }] };
  }
  const [low, high] = args as [number, number];
  const integer = key === 'int' || key === 'logint';
  const log = key === 'loguniform' || key === 'logint';
  const problems: DistributionProblem[] = [];
  if (integer && !(Number.isInteger(low) && Number.isInteger(high))) {
    problems.push({ path: at, message: `${key} bounds must be integers, got [${low}, ${high}]` });
  }
  if (low > high) problems.push({ path: at, message: `${key} needs low <= high, got [${low}, ${high}]` });
  if (log && low <= 0)
    problems.push({ path: `${at}/0`, message: `${key} needs low > 0 (a log scale), got ${low}` });
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    key,
    distribution: integer ? intDistribution(low, high, log) : floatDistribution(low, high, log),
  };
}

/** The internal representation: the number itself, or the index of a choice (JSON equality). */
export function toInternal(d: Distribution, value: unknown): number {
  if (d.kind !== 'categorical') {
    if (typeof value !== 'number') throw new TypeError(`expected a number, got ${JSON.stringify(value)}`);
    return value;
  }
  const text = JSON.stringify(value);
  const index = d.choices.findIndex((c) => c === value || JSON.stringify(c) === text);
  if (index < 0) throw new RangeError(`${text} is not one of the choices ${JSON.stringify(d.choices)}`);
  return index;
}

export function toExternal(d: Distribution, internal: number): unknown {
  if (d.kind === 'categorical') return d.choices[Math.trunc(internal)];
  if (d.kind === 'int') return Math.trunc(internal);
  return internal;
}

/** NumPy's `round`: halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** `numpy.nextafter(x, -inf)`: the largest double below x. */
export function nextDown(x: number): number {
  if (Number.isNaN(x) || x === Number.NEGATIVE_INFINITY) return x;
  if (x === 0) return -Number.MIN_VALUE;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  view.setBigUint64(0, x > 0 ? bits - 1n : bits + 1n);
  return view.getFloat64(0);
}

export const clip = (x: number, low: number, high: number): number => Math.min(Math.max(x, low), high);
