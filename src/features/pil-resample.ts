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

/** Pillow's fixed-point precision for 8-bit images: coefficients are scaled by 2^22 (`PRECISION_BITS`, Resample.c). */
const PRECISION_BITS = 22;
const ONE = 2 ** PRECISION_BITS;
const HALF = 2 ** (PRECISION_BITS - 1);

/** Coefficients of one axis for 8-bit images: {@link PilAxis} with the weights in Pillow's fixed point. */
export interface PilAxisU8 {
  readonly start: Int32Array;
  readonly count: Int32Array;
  readonly weights: Int32Array;
  readonly stride: number;
}

/**
 * Pillow's 8-bit coefficients (`normalize_coeffs_8bpc`): the float weights of {@link pilAxis} times
 * 2^22, rounded half away from zero by C's `(int)(w·2^22 ± 0.5)`.
 */
export function pilAxisU8(inSize: number, outSize: number, filter: PilFilter): PilAxisU8 {
  const { start, count, weights, stride } = pilAxis(inSize, outSize, filter);
  const fixed = new Int32Array(weights.length);
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i] * ONE;
    fixed[i] = Math.trunc(w < 0 ? w - 0.5 : w + 0.5);
  }
  return { start, count, weights: fixed, stride };
}

/** Pillow's `clip8`: the fixed-point sum shifted down by 22 bits (an arithmetic shift: floor), clamped to 0..255. */
function clip8(ss: number): number {
  const v = Math.floor(ss / ONE);
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/**
 * Pillow's `Image.resize((width, height), filter)` of a mode-'RGB' image (Pillow 9.4 `ImagingResample`
 * with the 8-bit kernels; the same code since Pillow 4.3): a horizontal pass when the width changes,
 * each sum `2^21 + Σ pixel·coefficient` in integers rounded and clipped to uint8 (`clip8`), then a
 * vertical pass over those uint8 rows when the height changes, rounded and clipped again. Neither
 * pass runs when the size is unchanged (a copy). The horizontal pass only computes the rows the
 * vertical pass reads, which changes no value. This is torchvision's `Resize` on PIL images.
 */
export function pilResizeU8(
  image: { readonly data: Uint8Array; readonly width: number; readonly height: number },
  height: number,
  width: number,
  filter: PilFilter,
): { data: Uint8Array; width: number; height: number } {
  const { data: src, width: inW, height: inH } = image;
  let rows = src;
  let firstRow = 0;
  let rowCount = inH;
  const ay = inH === height ? undefined : pilAxisU8(inH, height, filter);
  if (inW !== width) {
    if (ay !== undefined) {
      firstRow = ay.start[0];
      rowCount = ay.start[height - 1] + ay.count[height - 1] - firstRow;
    }
    const ax = pilAxisU8(inW, width, filter);
    rows = new Uint8Array(rowCount * width * 3);
    for (let y = 0; y < rowCount; y++) {
      const inRow = (y + firstRow) * inW * 3;
      const outRow = y * width * 3;
      for (let x = 0; x < width; x++) {
        const first = inRow + ax.start[x] * 3;
        const n = ax.count[x];
        const w = x * ax.stride;
        let r = HALF;
        let g = HALF;
        let b = HALF;
        for (let j = 0; j < n; j++) {
          const k = ax.weights[w + j];
          const p = first + j * 3;
          r += src[p] * k;
          g += src[p + 1] * k;
          b += src[p + 2] * k;
        }
        const o = outRow + x * 3;
        rows[o] = clip8(r);
        rows[o + 1] = clip8(g);
        rows[o + 2] = clip8(b);
      }
    }
  }
  if (ay === undefined) return { data: rows === src ? src.slice() : rows, width, height };
  const out = new Uint8Array(height * width * 3);
  const rowLen = width * 3;
  for (let y = 0; y < height; y++) {
    const first = ay.start[y] - firstRow;
    const n = ay.count[y];
    const w = y * ay.stride;
    const outRow = y * rowLen;
    for (let i = 0; i < rowLen; i++) {
      let ss = HALF;
      for (let j = 0; j < n; j++) ss += rows[(first + j) * rowLen + i] * ay.weights[w + j];
      out[outRow + i] = clip8(ss);
    }
  }
  return { data: out, width, height };
}
