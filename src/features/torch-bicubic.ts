/**
 * @file PyTorch's bicubic `F.interpolate(x, size, mode='bicubic', align_corners=False)` on float32
 * planar images, without and with `antialias=True`, reproducing torch 2.x's CPU kernels
 * (aten/src/ATen/native/cpu/UpSampleKernel.cpp) bit for bit: every
 * operation in float32, with the multiply-adds the compiler contracts into fused ones (`fmaF32`)
 * exactly where torch's build does — found by probing torch 2.13 with unit impulses (weights) and
 * random rows (sums), and proven on the fixture images (test/features/resize-torch-bicubic.test.ts).
 * The output is not clamped: bicubic overshoots (below 0, above 1 or 255) as torch's does.
 *
 * - `antialias=False` (CMMD): Keys' cubic with A = −0.75 on the four taps around
 *   `src = scale·(d + 0.5) − 0.5`, `scale = float32(in/out)`, taps clamped to the border; one 2-D
 *   pass, each output `Σ_y w_y · (Σ_x w_x · v)`.
 * - `antialias=True` (EDM2's DINOv2 detector): Pillow's separable scheme with A = −0.5 — the
 *   support widened by the scale when shrinking, weights normalised to sum 1 — as two float32
 *   passes, horizontal (stored as float32) then vertical, each only when that side changes; each
 *   output's sum is accumulated as torch's build does it ({@link aaSum}).
 * The roundings are those of torch's compiled kernels: measured equal to the bit with torch
 * 2.13.0+cpu's AVX512 and AVX2 kernels (`ATEN_CPU_CAPABILITY=avx2`); its DEFAULT (no-FMA) kernels
 * differ by up to 2.6e−6 on [0,1] / 2.1e−4 on 0..255, CUDA is not covered. Torch 1.13 (Debian's build)
 * differs from torch 2.13 by up to 2.7e−6 on [0,1] inputs without antialias and 1.2e−4 on 0..255 with it.
 */
import { fmaF32 } from './fma.js';

const f32 = Math.fround;

/** Per output index: the four clamped source indices and float32 weights (antialias=False). */
interface CubicAxis {
  readonly index: Int32Array;
  readonly weight: Float32Array;
}

/** Keys' cubic for |x| ≤ 1, A = −0.75, as torch's `cubic_convolution1` compiles: `((A+2)·x − (A+3))·x·x + 1`. */
function keys1(x: number): number {
  return f32(f32(f32(fmaF32(1.25, x, -2.25) * x) * x) + 1);
}

/** Keys' cubic for 1 ≤ |x| ≤ 2, A = −0.75, as torch's `cubic_convolution2` compiles: `((A·x − 5A)·x + 8A)·x − 4A`. */
function keys2(x: number): number {
  return f32(f32(fmaF32(fmaF32(-0.75, x, 3.75), x, -6) * x) + 3);
}

function cubicAxis(inSize: number, outSize: number): CubicAxis {
  const scale = f32(inSize / outSize);
  const index = new Int32Array(outSize * 4);
  const weight = new Float32Array(outSize * 4);
  for (let d = 0; d < outSize; d++) {
    // area_pixel_compute_source_index(cubic): scale·(d + 0.5f) − 0.5f, contracted; not clamped at 0.
    const real = fmaF32(scale, d + 0.5, -0.5);
    const i0 = Math.min(Math.floor(real), inSize - 1);
    const t = Math.min(Math.max(f32(real - i0), 0), 1);
    const u = f32(1 - t);
    weight[d * 4] = keys2(f32(t + 1));
    weight[d * 4 + 1] = keys1(t);
    weight[d * 4 + 2] = keys1(u);
    weight[d * 4 + 3] = keys2(f32(u + 1));
    for (let j = 0; j < 4; j++) index[d * 4 + j] = Math.min(Math.max(i0 - 1 + j, 0), inSize - 1);
  }
  return { index, weight };
}

/** Torch's four-term sum `t0·w0 + t1·w1 + t2·w2 + t3·w3` as compiled: `fma(t3, w3, fma(t2, w2, fma(t0, w0, t1·w1)))`. */
function sum4(t0: number, t1: number, t2: number, t3: number, w: Float32Array, o: number): number {
  return fmaF32(t3, w[o + 3], fmaF32(t2, w[o + 2], fmaF32(t0, w[o], f32(t1 * w[o + 1]))));
}

/** Per output index: first source index, tap count, and `stride` float32 weights (antialias=True). */
interface AaAxis {
  readonly start: Int32Array;
  readonly count: Int32Array;
  readonly weight: Float32Array;
  readonly stride: number;
}

/** Keys' cubic with A = −0.5 (torch's `aa_filter`), in float32 with every multiply-add fused. */
function keysAa(v: number): number {
  const x = Math.abs(v);
  if (x < 1) return fmaF32(f32(fmaF32(1.5, x, -2.5) * x), x, 1);
  if (x < 2) return fmaF32(fmaF32(fmaF32(-0.5, x, 2.5), x, -4), x, 2);
  return 0;
}

function aaAxis(inSize: number, outSize: number): AaAxis {
  const scale = f32(inSize / outSize);
  const support = scale >= 1 ? f32(2 * scale) : 2;
  const invScale = scale >= 1 ? f32(1 / scale) : 1;
  const stride = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weight = new Float32Array(outSize * stride);
  for (let i = 0; i < outSize; i++) {
    const center = f32(scale * (i + 0.5));
    const xmin = Math.max(Math.trunc(f32(center - support) + 0.5), 0);
    const n = Math.min(Math.min(Math.trunc(f32(center + support) + 0.5), inSize) - xmin, stride);
    let total = 0;
    for (let j = 0; j < n; j++) {
      const w = keysAa(f32((f32(j + xmin - center) + 0.5) * invScale));
      weight[i * stride + j] = w;
      total = f32(total + w);
    }
    if (total !== 0) for (let j = 0; j < n; j++) weight[i * stride + j] = f32(weight[i * stride + j] / total);
    start[i] = xmin;
    count[i] = n;
  }
  return { start, count, weight, stride };
}

/**
 * `F.interpolate(x, (height, width), mode='bicubic', align_corners=False, antialias)` of a planar
 * float32 image `src` ([channels][inHeight][inWidth]); returns [channels][height][width]. Values are
 * whatever domain `src` is in (torch's result depends on it only through rounding).
 */
export function torchBicubic(src: Float32Array, channels: number, inHeight: number, inWidth: number, height: number, width: number, antialias: boolean): Float32Array {
  if (src.length !== channels * inHeight * inWidth) throw new RangeError(`torchBicubic: ${src.length} values is not ${channels}x${inHeight}x${inWidth}`);
  return antialias ? bicubicAa(src, channels, inHeight, inWidth, height, width) : bicubic(src, channels, inHeight, inWidth, height, width);
}

function bicubic(src: Float32Array, channels: number, inH: number, inW: number, outH: number, outW: number): Float32Array {
  const ax = cubicAxis(inW, outW);
  const ay = cubicAxis(inH, outH);
  // A tap's horizontal sum depends only on its source row, so each used row is summed once
  // (torch recomputes it per output row, with the same operations: the values are identical).
  const used = new Uint8Array(inH);
  for (const r of ay.index) used[r] = 1;
  const rows = new Float32Array(channels * inH * outW);
  for (let c = 0; c < channels; c++) {
    for (let r = 0; r < inH; r++) {
      if (used[r] === 0) continue;
      const row = (c * inH + r) * inW;
      const dst = (c * inH + r) * outW;
      for (let x = 0; x < outW; x++) {
        const o = x * 4;
        rows[dst + x] = sum4(src[row + ax.index[o]], src[row + ax.index[o + 1]], src[row + ax.index[o + 2]], src[row + ax.index[o + 3]], ax.weight, o);
      }
    }
  }
  const out = new Float32Array(channels * outH * outW);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < outH; y++) {
      const o = y * 4;
      const r0 = (c * inH + ay.index[o]) * outW;
      const r1 = (c * inH + ay.index[o + 1]) * outW;
      const r2 = (c * inH + ay.index[o + 2]) * outW;
      const r3 = (c * inH + ay.index[o + 3]) * outW;
      const dst = (c * outH + y) * outW;
      for (let x = 0; x < outW; x++) out[dst + x] = sum4(rows[r0 + x], rows[r1 + x], rows[r2 + x], rows[r3 + x], ay.weight, o);
    }
  }
  return out;
}

/**
 * Torch's antialiased sum `Σ_j v[j]·w[j]` over `n` taps as its build computes it: `v0·w0`, then the
 * remaining n − 1 terms added in order, the first 4·⌊(n − 1)/4⌋ as separate multiply and add (GCC
 * unrolls the loop by 4 and avoids fused chains in the unrolled body), the rest fused.
 */
function aaSum(v: Float32Array, first: number, step: number, w: Float32Array, wOffset: number, n: number): number {
  let acc = f32(v[first] * w[wOffset]);
  const plain = 1 + 4 * Math.floor((n - 1) / 4);
  let j = 1;
  for (; j < plain; j++) acc = f32(acc + f32(v[first + j * step] * w[wOffset + j]));
  for (; j < n; j++) acc = fmaF32(v[first + j * step], w[wOffset + j], acc);
  return acc;
}

function bicubicAa(src: Float32Array, channels: number, inH: number, inW: number, outH: number, outW: number): Float32Array {
  let cur = src;
  if (inW !== outW) {
    const ax = aaAxis(inW, outW);
    const next = new Float32Array(channels * inH * outW);
    for (let r = 0; r < channels * inH; r++) {
      const row = r * inW;
      for (let x = 0; x < outW; x++) {
        const first = row + ax.start[x];
        const w = x * ax.stride;
        next[r * outW + x] = aaSum(cur, first, 1, ax.weight, w, ax.count[x]);
      }
    }
    cur = next;
  }
  if (inH !== outH) {
    const ay = aaAxis(inH, outH);
    const next = new Float32Array(channels * outH * outW);
    for (let c = 0; c < channels; c++) {
      const plane = c * inH * outW;
      for (let y = 0; y < outH; y++) {
        const w = y * ay.stride;
        const n = ay.count[y];
        const dst = (c * outH + y) * outW;
        const first = plane + ay.start[y] * outW;
        for (let x = 0; x < outW; x++) next[dst + x] = aaSum(cur, first + x, outW, ay.weight, w, n);
      }
    }
    cur = next;
  }
  return cur === src ? src.slice() : cur;
}
