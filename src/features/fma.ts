/**
 * @file C's `fmaf` in JavaScript: the fused multiply-add that compilers contract `a·b + c` into, which
 * PyTorch's CPU kernels use (features/resize.ts, features/torch-bicubic.ts reproduce them to the bit).
 */

const f32 = Math.fround;
/**
 * `float32(a·b + c)` with a single rounding, for float32 `a`, `b`, `c` (C's `fmaf`). The product is
 * exact in double; the sum is rounded to double and then to float32, which can only go wrong when
 * the double lands exactly halfway between two float32 values while the exact sum does not — that
 * case is detected with the sum's exact error term and resolved towards the true value.
 */
export function fmaF32(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  const r = f32(s);
  const d = s - r; // exact: r is within half a float32 ulp of s
  if (d === 0 || r === 0) return r;
  // s is a float32 midpoint exactly when the point as far beyond s as r is on this side is a float32
  // (closer than half the gap, r + 2d lies strictly between two float32 values).
  const other = r + 2 * d;
  if (f32(other) !== other) return r;
  // Two-sum: the exact error of p + c; the exact value lies beyond the midpoint in its direction.
  const v = s - p;
  const err = p - (s - v) + (c - v);
  if (err === 0) return r;
  return (err > 0) === other > r ? other : r;
}
