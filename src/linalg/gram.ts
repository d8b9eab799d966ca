/**
 * @file Gram matrices of feature rows: `G = A·Bᵀ` (G[i][j] = ⟨a_i, b_j⟩) and squared row norms,
 * the inner kernel of KID (polynomial kernel) and of k-NN distances (precision/recall, PRDC).
 *
 * Inputs are row-major N×D `FeatureMatrix`es (Float32Array or Float64Array); every product and sum
 * is done in float64, so float32 features give dot products exact up to float64 rounding of the
 * sums (a product of two float32 values is exact in float64).
 *
 * Two kernels, same tiling. Both operands are row-major, so every dot product walks two contiguous
 * rows; the output is tiled in 4×2 blocks (4 rows of A against 2 rows of B: 8 accumulators, each
 * loaded value used 2 or 4 times) and the shared dimension is split into k-blocks so the row pieces
 * stay in L1 while a band of B streams through L2.
 * - WebAssembly SIMD (`gram-wasm.ts`, f64x2 lanes), used by default above ~3·10⁴ multiply-adds:
 *   ~15–17 GFLOP/s on one core of the dev machine (AMD EPYC, Node 20; 1000×2048 · 2048×1000).
 * - Plain JS (`kernel: 'js'`, and the fallback without WebAssembly SIMD): ~4 GFLOP/s there.
 * (GFLOP/s counts a multiply-add as 2; timings on a quiet machine, `bench/kid.ts`.)
 * Large jobs use ONNX Runtime's float64 GEMM instead (`gram-engine.ts`, `gram-onnx.ts`), 3–4× faster
 * per core; these kernels serve small products, the synchronous API and machines without ORT.
 */

import { InputError } from '../core/errors.js';
import type { FeatureMatrix } from '../core/types.js';
import { ensureMemory, wasmGramKernel, type WasmGramKernel } from './gram-wasm.js';

type Floats = Float32Array | Float64Array;

/** Shared-dimension block: 6 row pieces of 512 doubles (24 KiB) fit a 32 KiB L1 next to the output. */
const K_BLOCK = 512;

/**
 * Adds `A[i0..i1) · B[j0..j1)ᵀ` over columns `[k0, k1)` into `out` (row stride `ldo`, element
 * (i, j) at `out[(i - i0) * ldo + (j - j0)]`) with the plain-JS kernel.
 */
function accumulateBlock(
  a: Floats, b: Floats, d: number,
  i0: number, i1: number, j0: number, j1: number, k0: number, k1: number,
  out: Float64Array, ldo: number,
): void {
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const a0 = i * d, a1 = a0 + d, a2 = a1 + d, a3 = a2 + d;
    const o0 = (i - i0) * ldo - j0, o1 = o0 + ldo, o2 = o1 + ldo, o3 = o2 + ldo;
    let j = j0;
    for (; j + 2 <= j1; j += 2) {
      const b0 = j * d, b1 = b0 + d;
      let s00 = 0, s01 = 0, s10 = 0, s11 = 0, s20 = 0, s21 = 0, s30 = 0, s31 = 0;
      for (let k = k0; k < k1; k++) {
        const x0 = b[b0 + k], x1 = b[b1 + k];
        const y0 = a[a0 + k], y1 = a[a1 + k], y2 = a[a2 + k], y3 = a[a3 + k];
        s00 += y0 * x0; s01 += y0 * x1;
        s10 += y1 * x0; s11 += y1 * x1;
        s20 += y2 * x0; s21 += y2 * x1;
        s30 += y3 * x0; s31 += y3 * x1;
      }
      out[o0 + j] += s00; out[o0 + j + 1] += s01;
      out[o1 + j] += s10; out[o1 + j + 1] += s11;
      out[o2 + j] += s20; out[o2 + j + 1] += s21;
      out[o3 + j] += s30; out[o3 + j + 1] += s31;
    }
    for (; j < j1; j++) {
      const b0 = j * d;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let k = k0; k < k1; k++) {
        const x = b[b0 + k];
        s0 += a[a0 + k] * x; s1 += a[a1 + k] * x; s2 += a[a2 + k] * x; s3 += a[a3 + k] * x;
      }
      out[o0 + j] += s0; out[o1 + j] += s1; out[o2 + j] += s2; out[o3 + j] += s3;
    }
  }
  for (; i < i1; i++) {
    const a0 = i * d;
    const o0 = (i - i0) * ldo - j0;
    for (let j = j0; j < j1; j++) {
      const b0 = j * d;
      let s = 0;
      for (let k = k0; k < k1; k++) s += a[a0 + k] * b[b0 + k];
      out[o0 + j] += s;
    }
  }
}


/** Which inner kernel runs: the WebAssembly SIMD one when available (default), or plain JS. */
export type GramKernelChoice = 'auto' | 'js' | 'wasm';

export interface GramOptions {
  /** `auto` (default) uses WebAssembly SIMD for products above a few thousand multiply-adds. */
  readonly kernel?: GramKernelChoice;
}

/** Below this many multiply-adds the copies into WebAssembly memory cost more than they save. */
const WASM_MIN_WORK = 1 << 15;
/** Bytes of one band of rows copied into WebAssembly memory (256 rows of 2048 doubles). */
const WASM_BAND_BYTES = 4 << 20;
/** Columns per k-block in the wasm kernel: a B band slice of 256 rows × 256 doubles (512 KiB) stays in L2. */
const WASM_K_BLOCK = 256;

function pickWasm(choice: GramKernelChoice | undefined, work: number): WasmGramKernel | null {
  if (choice === 'js') return null;
  const kernel = wasmGramKernel();
  if (choice === 'wasm') {
    if (kernel === null) throw new InputError('gram: the WebAssembly SIMD kernel is not available in this runtime; use kernel: "auto" or "js"');
    return kernel;
  }
  return work >= WASM_MIN_WORK ? kernel : null;
}

/** Copies rows [r0, r1) of `m` into `dst` (f64, row stride dPad) starting at element `at`, zero-padding to `padRows` rows. */
function copyBand(m: FeatureMatrix, r0: number, r1: number, dst: Float64Array, at: number, dPad: number, padRows: number): void {
  const d = m.cols;
  for (let r = r0; r < r1; r++) {
    const o = at + (r - r0) * dPad;
    dst.set(m.data.subarray(r * d, r * d + d), o);
    if (dPad > d) dst[o + d] = 0;
  }
  dst.fill(0, at + (r1 - r0) * dPad, at + padRows * dPad);
}

/**
 * A·Bᵀ block through the wasm kernel: bands of rows are widened to f64 in the module's memory,
 * then 4-row panels run against a band of B one k-block at a time. With `upperOnly`, band pairs
 * entirely below the diagonal are skipped (for A·Aᵀ; the caller mirrors).
 */
function wasmBlock(
  kernel: WasmGramKernel, a: FeatureMatrix, i0: number, i1: number, b: FeatureMatrix, j0: number, j1: number,
  out: Float64Array, ldo: number, upperOnly: boolean,
): void {
  const d = a.cols;
  const dPad = d + (d & 1);
  const band = Math.max(4, Math.min(256, Math.floor(WASM_BAND_BYTES / (8 * dPad)) & ~3));
  const aAt = 0, bAt = band * dPad, cAt = 2 * band * dPad;
  const mem = ensureMemory(kernel, 8 * (cAt + band * band));
  const stride = 8 * dPad, ldc = 8 * band;
  for (let jb = j0; jb < j1; jb += band) {
    const jEnd = Math.min(j1, jb + band), nB = jEnd - jb, nBPad = nB + (nB & 1);
    copyBand(b, jb, jEnd, mem, bAt, dPad, nBPad);
    for (let ib = i0; ib < i1; ib += band) {
      const iEnd = Math.min(i1, ib + band), nA = iEnd - ib, nAPad = (nA + 3) & ~3;
      if (upperOnly && ib >= jEnd) break;
      copyBand(a, ib, iEnd, mem, aAt, dPad, nAPad);
      mem.fill(0, cAt, cAt + nAPad * band);
      for (let k0 = 0; k0 < dPad; k0 += WASM_K_BLOCK) {
        const kBytes = 8 * (Math.min(dPad, k0 + WASM_K_BLOCK) - k0);
        for (let p = 0; p < nAPad; p += 4) {
          // Upper triangle only: B rows before this panel's first row are below the diagonal.
          // (ib + p) − jb is a multiple of 4, so the start stays on the kernel's 2-row step.
          const jSkip = upperOnly ? Math.max(0, ib + p - jb) : 0;
          if (jSkip >= nBPad) break;
          kernel.panel(8 * (aAt + p * dPad + k0), 8 * (bAt + jSkip * dPad + k0), 8 * (cAt + p * band + jSkip), stride, kBytes, nBPad - jSkip, ldc);
        }
      }
      for (let r = 0; r < nA; r++) {
        const o = (ib - i0 + r) * ldo + (jb - j0);
        out.set(mem.subarray(cAt + r * band, cAt + r * band + nB), o);
      }
    }
  }
}

function checkMatrix(m: FeatureMatrix, name: string): void {
  if (!Number.isInteger(m.rows) || !Number.isInteger(m.cols) || m.rows < 0 || m.cols < 0
    || m.data.length < m.rows * m.cols) {
    throw new InputError(`${name}: data of length ${m.data.length} does not hold ${m.rows}×${m.cols} values`);
  }
}

/**
 * Block of a Gram matrix: rows `[rowStart, rowEnd)` of A against rows `[colStart, colEnd)` of B,
 * written (not added) into `out` as a (rowEnd−rowStart)×(colEnd−colStart) row-major matrix.
 * Use it to compute a large product band by band.
 *
 * @throws {InputError} when the column counts differ, a range is outside its matrix, or `out` is too short.
 */
export function gramBlock(
  a: FeatureMatrix, rowStart: number, rowEnd: number,
  b: FeatureMatrix, colStart: number, colEnd: number,
  out?: Float64Array, options: GramOptions = {},
): Float64Array {
  checkMatrix(a, 'gram: first matrix');
  checkMatrix(b, 'gram: second matrix');
  if (a.cols !== b.cols) {
    throw new InputError(`gram: feature dimensions differ (${a.rows}×${a.cols} vs ${b.rows}×${b.cols}); both sets must come from the same layer`);
  }
  if (!(0 <= rowStart && rowStart <= rowEnd && rowEnd <= a.rows) || !(0 <= colStart && colStart <= colEnd && colEnd <= b.rows)) {
    throw new InputError(`gram: ranges rows [${rowStart}, ${rowEnd}) × [${colStart}, ${colEnd}) are outside ${a.rows}×${b.rows}`);
  }
  const m = rowEnd - rowStart, n = colEnd - colStart;
  const result = out ?? new Float64Array(m * n);
  if (result.length < m * n) throw new InputError(`gram: output of length ${result.length} cannot hold ${m}×${n}`);
  const d = a.cols;
  const kernel = pickWasm(options.kernel, m * n * d);
  if (kernel !== null && m > 0 && n > 0 && d > 0) {
    wasmBlock(kernel, a, rowStart, rowEnd, b, colStart, colEnd, result, n, false);
    return result;
  }
  result.fill(0, 0, m * n);
  for (let k0 = 0; k0 < d; k0 += K_BLOCK) {
    const k1 = Math.min(d, k0 + K_BLOCK);
    accumulateBlock(a.data, b.data, d, rowStart, rowEnd, colStart, colEnd, k0, k1, result, n);
  }
  return result;
}

/**
 * `A·Bᵀ`: the a.rows × b.rows matrix of dot products between the rows of A and of B, row-major,
 * float64 accumulation.
 *
 * @example gram(x, y)[i * y.rows + j] // ⟨x_i, y_j⟩
 * @throws {InputError} when the column counts differ or `out` is too short.
 */
export function gram(a: FeatureMatrix, b: FeatureMatrix, out?: Float64Array, options: GramOptions = {}): Float64Array {
  return gramBlock(a, 0, a.rows, b, 0, b.rows, out, options);
}

/**
 * `A·Aᵀ`, computing only the blocks on and above the diagonal and mirroring them (about half
 * the work of `gram(a, a)`); the result is exactly symmetric.
 *
 * @throws {InputError} when `out` is too short.
 */
export function gramSymmetric(a: FeatureMatrix, out?: Float64Array, options: GramOptions = {}): Float64Array {
  const result = gramUpper(a, out, options);
  mirrorUpper(result, a.rows);
  return result;
}

/**
 * `A·Aᵀ` on and above the diagonal only: entries (i, j ≥ i) of the n×n row-major result are set,
 * those below the diagonal are left unspecified. For callers that read one triangle (the scatter
 * of `stats/moments.ts`), it saves {@link gramSymmetric}'s mirroring, n²/2 strided writes.
 *
 * @throws {InputError} when `out` is too short.
 */
export function gramUpper(a: FeatureMatrix, out?: Float64Array, options: GramOptions = {}): Float64Array {
  checkMatrix(a, 'gramSymmetric');
  const n = a.rows, d = a.cols;
  const result = out ?? new Float64Array(n * n);
  if (result.length < n * n) throw new InputError(`gramSymmetric: output of length ${result.length} cannot hold ${n}×${n}`);
  const kernel = pickWasm(options.kernel, (n * n * d) / 2);
  if (kernel !== null && n > 0 && d > 0) {
    wasmBlock(kernel, a, 0, n, a, 0, n, result, n, true);
    return result;
  }
  result.fill(0, 0, n * n);
  // Square tiles of TILE rows; tiles right of the diagonal tile are computed.
  const TILE = 64;
  for (let i0 = 0; i0 < n; i0 += TILE) {
    const i1 = Math.min(n, i0 + TILE);
    for (let k0 = 0; k0 < d; k0 += K_BLOCK) {
      const k1 = Math.min(d, k0 + K_BLOCK);
      // Columns from i0 (the diagonal tile included) to the end.
      const view = result.subarray(i0 * n + i0);
      accumulateBlock(a.data, a.data, d, i0, i1, i0, n, k0, k1, view, n);
    }
  }
  return result;
}

/** Copies the strict upper triangle onto the lower one. */
export function mirrorUpper(g: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) g[j * n + i] = g[i * n + j];
  }
}

/** Squared Euclidean norm of each row, in float64. */
export function rowSquaredNorms(a: FeatureMatrix): Float64Array {
  checkMatrix(a, 'rowSquaredNorms');
  const { data, rows, cols } = a;
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    let s0 = 0, s1 = 0;
    let k = 0;
    for (; k + 2 <= cols; k += 2) {
      const x = data[o + k], y = data[o + k + 1];
      s0 += x * x; s1 += y * y;
    }
    if (k < cols) { const x = data[o + k]; s0 += x * x; }
    out[i] = s0 + s1;
  }
  return out;
}
