/** Test helper: a deterministic pseudo-random matrix (xorshift32), values in [-1, 2). */
import type { FeatureMatrix } from '../../src/core/types.js';

export function matrix(rows: number, cols: number, seed: number, f64 = false): FeatureMatrix {
  const data = f64 ? new Float64Array(rows * cols) : new Float32Array(rows * cols);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < data.length; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    data[i] = (s / 2 ** 32) * 3 - 1;
  }
  return { data, rows, cols };
}
