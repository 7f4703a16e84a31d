/**
 * The reference files' tolerance rule (packages/optim/test/reference/README.md): a value `a` matches torch's
 * `want` at a step with tolerance `rtol` when |a - want| <= rtol * max(1e-3, |want|).
 * Returns a description of the first mismatch, or null.
 */
export function firstMismatch(
  label: string,
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  rtol: number,
): string | null {
  if (got.length !== want.length) return `${label}: got ${got.length} values, want ${want.length}`;
  for (let i = 0; i < want.length; i++) {
    const a = got[i]!;
    const b = want[i]!;
    if (!(Math.abs(a - b) <= rtol * Math.max(1e-3, Math.abs(b))))
      return `${label}[${i}]: got ${a}, want ${b}`;
  }
  return null;
}

/**
 * The optimizer cases' tolerance on a GPU (webgpu): each step's rtol_by_step times 10. The files' rtol is ten
 * times the gap between torch's own float32 and float64 runs, i.e. float32 noise with CPU arithmetic, where
 * tfjs's wasm and cpu backends round each operation correctly. A GPU's float32 is the same format but not the
 * same arithmetic: WGSL allows division and sqrt 2.5 ULP, inverseSqrt 2 ULP, exp 3 + 2|x| ULP and log 3 ULP
 * (https://www.w3.org/TR/WGSL/#floating-point-accuracy) against 0.5 ULP for a correctly rounded result, may
 * contract a * b + c into one fused multiply-add, and reduces sums (matmul, mean) across workgroups in a tree
 * order instead of one sequential order. Each operation can so be off by up to about 6 times (3 / 0.5) what
 * the CPU allows; a factor of 10 keeps the files' own margin over that. Schedule cases are float64 in
 * JavaScript on every backend and keep their tolerance.
 */
export const GPU_RTOL_FACTOR = 10;
