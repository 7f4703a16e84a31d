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
