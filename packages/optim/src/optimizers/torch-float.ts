/**
 * Scalar and vector arithmetic as PyTorch's CPU float32 kernels perform it, for LBFGS: its
 * Rosenbrock trajectories are chaotic, so matching torch step for step needs torch's roundings.
 *
 * - A `TorchNumber` is either a Python float (float64) or a 0-dim float32 tensor. Mixing the two
 *   gives a float32 tensor, computed in float32 with the Python operand cast to float32 (torch's
 *   wrapped-number promotion); comparisons are made in the promoted type too.
 * - `dot` is netlib BLAS sdot (what torch calls for float dot products): products and running
 *   sum rounded to float32, in order.
 * - `axpy` is `a.add_(b, alpha=c)`, which torch's vectorized kernels compute with a fused
 *   multiply-add (one rounding); a float64 product-sum rounded once to float32 reproduces that.
 */
export interface TorchNumber {
  readonly value: number;
  readonly isTensor: boolean;
}

const f32 = Math.fround;

export const pyFloat = (value: number): TorchNumber => ({ value, isTensor: false });
export const tensorScalar = (value: number): TorchNumber => ({ value: f32(value), isTensor: true });

type Operand = TorchNumber | number;
const lift = (x: Operand): TorchNumber => (typeof x === 'number' ? pyFloat(x) : x);

function binary(a: Operand, b: Operand, op: (x: number, y: number) => number): TorchNumber {
  const x = lift(a);
  const y = lift(b);
  if (x.isTensor || y.isTensor) return tensorScalar(op(f32(x.value), f32(y.value)));
  return pyFloat(op(x.value, y.value));
}

export const add = (a: Operand, b: Operand) => binary(a, b, (x, y) => x + y);
export const sub = (a: Operand, b: Operand) => binary(a, b, (x, y) => x - y);
export const mul = (a: Operand, b: Operand) => binary(a, b, (x, y) => x * y);
export const div = (a: Operand, b: Operand) => binary(a, b, (x, y) => x / y);
export const abs = (a: TorchNumber): TorchNumber => ({ value: Math.abs(a.value), isTensor: a.isTensor });
export const neg = (a: TorchNumber): TorchNumber => ({ value: -a.value, isTensor: a.isTensor });
export const sqrt = (a: TorchNumber): TorchNumber =>
  a.isTensor ? tensorScalar(Math.sqrt(a.value)) : pyFloat(Math.sqrt(a.value));

/** `a < b` etc. in the promoted type. */
export function compare(a: Operand, b: Operand): number {
  const x = lift(a);
  const y = lift(b);
  const promoted = x.isTensor || y.isTensor;
  const left = promoted ? f32(x.value) : x.value;
  const right = promoted ? f32(y.value) : y.value;
  return left - right;
}
export const lt = (a: Operand, b: Operand) => compare(a, b) < 0;
export const le = (a: Operand, b: Operand) => compare(a, b) <= 0;
export const gt = (a: Operand, b: Operand) => compare(a, b) > 0;
export const ge = (a: Operand, b: Operand) => compare(a, b) >= 0;

/** Python's min/max: the first operand unless the other is strictly smaller/larger. */
export const min = (a: Operand, b: Operand): TorchNumber => (lt(b, a) ? lift(b) : lift(a));
export const max = (a: Operand, b: Operand): TorchNumber => (gt(b, a) ? lift(b) : lift(a));

/** netlib sdot: float32 products accumulated in order in float32. */
export function dot(a: Float32Array, b: Float32Array): TorchNumber {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum = f32(sum + f32(a[i]! * b[i]!));
  return tensorScalar(sum);
}

/** `out = a + alpha * b` with one rounding (torch's fused `add_(b, alpha=alpha)`). */
export function axpy(a: Float32Array, alpha: number, b: Float32Array, out: Float32Array = a): Float32Array {
  const scale = f32(alpha);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! + scale * b[i]!;
  return out;
}

/** `a * scalar` elementwise in float32. */
export function scale(a: Float32Array, scalar: number): Float32Array {
  const factor = f32(scalar);
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! * factor;
  return out;
}

export function maxAbs(a: Float32Array): TorchNumber {
  let best = 0;
  for (const value of a) best = Math.max(best, Math.abs(value));
  return tensorScalar(best);
}

export function sumAbs(a: Float32Array): TorchNumber {
  let sum = 0;
  for (const value of a) sum = f32(sum + Math.abs(value));
  return tensorScalar(sum);
}
