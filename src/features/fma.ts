/**
 * @file C's `fmaf` in JavaScript: the fused multiply-add that compilers contract `a·b + c` into, which
 * PyTorch's CPU kernels use (features/resize.ts, features/torch-bicubic.ts reproduce them to the bit).
 */

const f32 = Math.fround;
const F32_BITS = new Float32Array(1);
const U32_BITS = new Uint32Array(F32_BITS.buffer);

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
  if (r === s || r === 0) return r;
  // Two-sum: the exact error of p + c.
  const v = s - p;
  const err = p - (s - v) + (c - v);
  if (err === 0) return r;
  F32_BITS[0] = r;
  // The float32 neighbour of r on the side of s.
  U32_BITS[0] += (s > r) === r > 0 ? 1 : -1;
  const other = F32_BITS[0];
  if (Math.abs(s - r) !== Math.abs(other - s)) return r;
  // s is a float32 midpoint: the exact value lies beyond it in the direction of err.
  return (err > 0) === other > r ? other : r;
}
