/**
 * @file IEEE 754 half precision to float64, exactly (every float16 value is a float64 value).
 * Used by the .npy (`<f2`) and .pth (`torch.float16`) readers.
 */

/** Decode float16 bits (an unsigned 16-bit integer) to their exact value. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}
