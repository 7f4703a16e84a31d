/**
 * Python 3's float semantics for the operators and math functions the lambda grammar allows,
 * following CPython's Objects/floatobject.c and Modules/mathmodule.c, so an expression gives the
 * number it gives in a torch `lr_lambda`. Where Python raises (ZeroDivisionError, "math domain
 * error", OverflowError, a complex result) these throw a `PythonArithmeticError`.
 */
export class PythonArithmeticError extends Error {}

/** `a // b`: floor division, CPython's float_floor_div (via fmod, so `1 // 0.1` is 9 as in Python). */
export function floorDivide(a: number, b: number): number {
  if (b === 0) throw new PythonArithmeticError('division by zero');
  let mod = a % b;
  let div = (a - mod) / b;
  if (mod !== 0) {
    if (b < 0 !== mod < 0) {
      mod += b;
      div -= 1;
    }
  }
  if (div === 0) {
    const quotient = a / b;
    return quotient < 0 || Object.is(quotient, -0) ? -0 : 0;
  }
  let floorDiv = Math.floor(div);
  if (div - floorDiv > 0.5) floorDiv += 1;
  return floorDiv;
}

/** `a % b`: the result takes the sign of the divisor (CPython's float_rem). */
export function modulo(a: number, b: number): number {
  if (b === 0) throw new PythonArithmeticError('modulo by zero');
  let mod = a % b;
  if (mod !== 0) {
    if (b < 0 !== mod < 0) mod += b;
  } else {
    mod = b < 0 ? -0 : 0;
  }
  return mod;
}

export function divide(a: number, b: number): number {
  if (b === 0) throw new PythonArithmeticError('division by zero');
  return a / b;
}

/** `a ** b` (CPython's float_pow error cases). */
export function power(a: number, b: number): number {
  if (a === 0 && b < 0) throw new PythonArithmeticError('0.0 cannot be raised to a negative power');
  if (a < 0 && Number.isFinite(a) && Number.isFinite(b) && !Number.isInteger(b)) {
    // Python 3 returns a complex number here, which no learning rate can use.
    throw new PythonArithmeticError('a negative number raised to a fractional power is complex');
  }
  const result = a ** b;
  if (!Number.isFinite(result) && Number.isFinite(a) && Number.isFinite(b)) {
    throw new PythonArithmeticError('numerical result out of range');
  }
  return result;
}

/** Python's min/max keep the first of equal items and compare with `<` / `>` in argument order. */
export function pythonMin(...values: number[]): number {
  let best = values[0]!;
  for (const value of values.slice(1)) if (value < best) best = value;
  return best;
}

export function pythonMax(...values: number[]): number {
  let best = values[0]!;
  for (const value of values.slice(1)) if (value > best) best = value;
  return best;
}

/** CPython's math_1: a NaN from a non-NaN argument is a domain error, an infinity from a finite one overflows. */
function mathFunction(fn: (x: number) => number, canOverflow: boolean): (x: number) => number {
  return (x) => {
    const result = fn(x);
    if (Number.isNaN(result) && !Number.isNaN(x)) throw new PythonArithmeticError('math domain error');
    if (!Number.isFinite(result) && Number.isFinite(x)) {
      throw new PythonArithmeticError(canOverflow ? 'math range error' : 'math domain error');
    }
    return result;
  };
}

const naturalLog = (x: number): number => {
  if (x <= 0) throw new PythonArithmeticError('math domain error');
  return Math.log(x);
};

/** math.log(x[, base]) is log(x) / log(base), as CPython computes it. */
export function log(x: number, base?: number): number {
  if (base === undefined) return naturalLog(x);
  return divide(naturalLog(x), naturalLog(base));
}

/** math.floor / math.ceil return Python ints: infinities and NaN cannot be converted. */
function toInteger(fn: (x: number) => number): (x: number) => number {
  return (x) => {
    if (Number.isNaN(x)) throw new PythonArithmeticError('cannot convert float NaN to integer');
    if (!Number.isFinite(x)) throw new PythonArithmeticError('cannot convert float infinity to integer');
    return fn(x);
  };
}

export interface PythonFunction {
  minArgs: number;
  maxArgs: number;
  apply: (...args: number[]) => number;
}

/** The whitelist of callable names. A Map, so no name can reach Object.prototype. */
export const pythonFunctions: ReadonlyMap<string, PythonFunction> = new Map<string, PythonFunction>([
  ['min', { minArgs: 2, maxArgs: Number.POSITIVE_INFINITY, apply: pythonMin }],
  ['max', { minArgs: 2, maxArgs: Number.POSITIVE_INFINITY, apply: pythonMax }],
  ['abs', { minArgs: 1, maxArgs: 1, apply: Math.abs }],
  ['exp', { minArgs: 1, maxArgs: 1, apply: mathFunction(Math.exp, true) }],
  ['log', { minArgs: 1, maxArgs: 2, apply: log }],
  ['sqrt', { minArgs: 1, maxArgs: 1, apply: mathFunction(Math.sqrt, false) }],
  ['cos', { minArgs: 1, maxArgs: 1, apply: mathFunction(Math.cos, false) }],
  ['sin', { minArgs: 1, maxArgs: 1, apply: mathFunction(Math.sin, false) }],
  ['floor', { minArgs: 1, maxArgs: 1, apply: toInteger(Math.floor) }],
  ['ceil', { minArgs: 1, maxArgs: 1, apply: toInteger(Math.ceil) }],
]);

/** The whitelist of constant names (math.pi, math.e). */
export const pythonConstants: ReadonlyMap<string, number> = new Map([
  ['pi', Math.PI],
  ['e', Math.E],
]);
