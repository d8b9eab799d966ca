/**
 * @file Pillow's separable resampling coefficients (`precompute_coeffs` in Pillow's Resample.c), shared
 * by the `clean` protocol (bicubic) and the MNIST classifier's input (bilinear). Per output pixel:
 * the first source index and the normalised weights of the filter, which is widened by the scale
 * factor when shrinking (that widening is Pillow's antialiasing).
 */

/** A Pillow filter: its support at scale 1 and its kernel. */
export interface PilFilter {
  readonly support: number;
  kernel(t: number): number;
}

/** Pillow's bicubic (Keys, a = −0.5), evaluated in Pillow's operation order. */
export const PIL_BICUBIC: PilFilter = Object.freeze({
  support: 2,
  kernel(t: number): number {
    const a = -0.5;
    const x = Math.abs(t);
    if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
    if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
    return 0;
  },
});

/** Pillow's bilinear (triangle). */
export const PIL_BILINEAR: PilFilter = Object.freeze({
  support: 1,
  kernel(t: number): number {
    const x = Math.abs(t);
    return x < 1 ? 1 - x : 0;
  },
});

/** Coefficients of one axis: output o reads `count[o]` inputs from `start[o]` with `weights[o·stride + j]`. */
export interface PilAxis {
  readonly start: Int32Array;
  readonly count: Int32Array;
  readonly weights: Float64Array;
  readonly stride: number;
}

/** Pillow's coefficients for resizing one axis from `inSize` to `outSize` with `filter`. */
export function pilAxis(inSize: number, outSize: number, filter: PilFilter): PilAxis {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filter.support * filterScale;
  // Pillow multiplies by the reciprocal (`ss = 1.0 / filterscale`), which rounds differently from a division.
  const invScale = 1 / filterScale;
  const stride = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float64Array(outSize * stride);
  for (let o = 0; o < outSize; o++) {
    const center = (o + 0.5) * scale;
    // Math.trunc is C's (int) cast, as in Pillow.
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5));
    const n = xmax - xmin;
    let sum = 0;
    for (let j = 0; j < n; j++) {
      const w = filter.kernel((j + xmin - center + 0.5) * invScale);
      weights[o * stride + j] = w;
      sum += w;
    }
    if (sum !== 0) for (let j = 0; j < n; j++) weights[o * stride + j] /= sum;
    start[o] = xmin;
    count[o] = n;
  }
  return { start, count, weights, stride };
}
