/** Seeded test data for the linear-algebra tests (not a test file itself). */

/** Uniform(−1, 1) from a seeded xorshift32. */
export function uniform(count: number, seed: number): Float64Array {
  let s = seed >>> 0 || 1;
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    out[i] = (s / 4294967296) * 2 - 1;
  }
  return out;
}
