/**
 * @file Where the O(n³) work of the Fréchet distance runs: plain JavaScript (`kernels.ts`) or
 * WebAssembly SIMD — the f64x2 4×2 panel kernel of `gram-wasm.ts` for the products, and
 * `tridiagonal-wasm.ts` for the symmetric matrix·vector products and panel products of the
 * tridiagonal reduction — behind one interface, so that the Cholesky, congruence and tridiagonal
 * code is written once.
 *
 * Measured at D = 2048 (two random SPD covariances; CPU seconds of one thread, Node 20, the
 * 2-core AMD EPYC development machine), Cholesky + congruence + tridiagonal reduction + QL:
 *   JS:   0.78 + 2.02 + 3.09 + 0.07 = 6.0 s  (products ≈ 4.8 GFLOP/s, symv ≈ 4.3 GFLOP/s)
 *   wasm: 0.24 + 0.64 + 0.91 + 0.07 = 1.9 s  (products ≈ 15–17 GFLOP/s, symv ≈ 11 GFLOP/s)
 * `parallel.ts` runs the same kernels on two threads (1.4–1.6 s wall here, where other jobs
 * share the two cores; 2.0× on a lone 2048³ product with both cores idle).
 * Whatever stays in JS (pivot search, panel columns, copies) is O(n²·48).
 *
 * The WebAssembly kernel can only read and write its own linear memory, so a backend also
 * allocates: every matrix that is an operand of `gemmAdd` must come from `alloc`. Copying
 * operands in and out per call would cost as much memory traffic as the symv half of the
 * tridiagonal reduction; allocating the whole computation in the module's memory costs nothing.
 *
 * Layout contract (what lets the kernel run without edge cases; `paddedLd` and `paddedRows` give it):
 * - A and B share one leading dimension `ld`, which is even; offsets aOff, bOff and the inner
 *   length k are even (16-byte f64x2 loads).
 * - Rows are computed 4 at a time and columns 2 at a time: rows up to m rounded up to 4 of A are
 *   read and of C written, column n of C is written and row n of B read when n is odd. Callers
 *   allocate 4 spare rows and an odd-to-even spare column, zero-filled, and never read them.
 */

import { gemmNT, symvLower } from './kernels.js';
import { moduleBytes } from './gram-wasm.js';
import { tridiagonalModuleBytes, type PanelKernel, type Rows4 } from './tridiagonal-wasm.js';

/** C[i, j] += Σ_{k<kLen} A[i, k]·B[j, k] (i < m, j < n); see the layout contract above. */
export type GemmAdd = (
  m: number,
  n: number,
  kLen: number,
  a: Float64Array,
  aOff: number,
  b: Float64Array,
  bOff: number,
  ld: number,
  c: Float64Array,
  cOff: number,
  ldc: number,
  lowerOnly: boolean,
) => void;

/** y[s..n) = A[s..n, s..n)·v[s..n) from the lower triangle of A (leading dimension ld), as `kernels.ts`'s symvLower. */
export type SymvLower = (a: Float64Array, ld: number, s: number, n: number, v: Float64Array, y: Float64Array) => void;

/**
 * out[outOff + r] = Σ_{q<len} x[xOff + r·ld + q]·u[q] + x[xOff + r·ld + seg + q]·u[seg + q], r < rows:
 * a matrix·vector product with a panel stored as two side-by-side column blocks.
 */
export type PanelDots = (
  x: Float64Array, xOff: number, ld: number, seg: number, len: number,
  u: Float64Array, out: Float64Array, outOff: number, rows: number,
) => void;

/** out[q] += Σ_{r<rows} x[xOff + r·ld + q]·v[vOff + r], and the same for out[seg + q], q < len (transposed product). */
export type PanelAxpy = (
  x: Float64Array, xOff: number, ld: number, seg: number, len: number,
  v: Float64Array, vOff: number, out: Float64Array, rows: number,
) => void;

export interface LinalgBackend {
  readonly name: 'js' | 'wasm-simd';
  /** Threads the O(n³) kernels run on (parallel.ts); 1 for the plain backends. */
  readonly threads: number;
  /** A zero-filled array that may be an operand of any kernel below. */
  alloc(length: number): Float64Array;
  readonly gemmAdd: GemmAdd;
  /** With the WebAssembly backend a, v and y must come from `alloc` and ld must be even. */
  readonly symvLower: SymvLower;
  /** With the WebAssembly backend: arrays from `alloc`, ld, seg, len and offsets even. */
  readonly panelDots: PanelDots;
  readonly panelAxpy: PanelAxpy;
}

/** Leading dimension for n columns: even and > n (room for the odd-column spill). */
export function paddedLd(n: number): number {
  return n + 2 - (n & 1);
}

/** Rows to allocate for an n-row operand or result (4 spare rows for the 4-row tiles). */
export function paddedRows(n: number): number {
  return n + 4;
}

/** Doubles needed for an n×n padded matrix. */
export function paddedSize(n: number): number {
  return paddedRows(n) * paddedLd(n);
}

/** Plain JavaScript: any layout works; allocation is ordinary Float64Arrays. */
export const JS_BACKEND: LinalgBackend = {
  name: 'js',
  threads: 1,
  alloc: (length) => new Float64Array(length),
  gemmAdd: (m, n, k, a, aOff, b, bOff, ld, c, cOff, ldc, lowerOnly) =>
    gemmNT(m, n, k, a, aOff, ld, b, bOff, ld, c, cOff, ldc, 1, lowerOnly),
  symvLower,
  panelDots: (x, xOff, ld, seg, len, u, out, outOff, rows) => {
    for (let r = 0; r < rows; r++) {
      const xr = xOff + r * ld;
      let s = 0;
      for (let q = 0; q < len; q++) s += x[xr + q] * u[q] + x[xr + seg + q] * u[seg + q];
      out[outOff + r] = s;
    }
  },
  panelAxpy: (x, xOff, ld, seg, len, v, vOff, out, rows) => {
    for (let r = 0; r < rows; r++) {
      const xr = xOff + r * ld;
      const vr = v[vOff + r];
      for (let q = 0; q < len; q++) {
        out[q] += x[xr + q] * vr;
        out[seg + q] += x[xr + seg + q] * vr;
      }
    }
  },
};

/** k-block: 6 rows × 256 doubles stay in L1 (the kernel loads 4 A and 2 B rows per step). */
export const KC = 256;
/** B rows per block: 128 × 256 × 8 B = 256 KiB in L2. Even. */
export const NC = 128;

export type Panel = (a: number, b: number, c: number, stride: number, kBytes: number, nB: number, ldc: number) => void;

/** The slice of the WebAssembly JS API used here (the project's `lib` and @types/node do not declare it). */
export interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => { readonly buffer: ArrayBuffer };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
let compiled: { gemm: object; symv: object } | null | undefined;

/** The two kernel modules, compiled once per thread; null without WebAssembly SIMD. */
function wasmModules(): { gemm: object; symv: object } | null {
  if (compiled !== undefined) return compiled;
  compiled = null;
  try {
    const gemm = moduleBytes();
    const symv = tridiagonalModuleBytes();
    if (wasm !== undefined && wasm.validate(gemm) && wasm.validate(symv)) {
      compiled = { gemm: new wasm.Module(gemm), symv: new wasm.Module(symv) };
    }
  } catch {
    compiled = null;
  }
  return compiled;
}

/** Largest wasm32 memory: 65536 pages of 64 KiB. */
const MAX_BYTES = 65536 * 65536;

/**
 * A WebAssembly SIMD backend whose memory holds `doubles` float64 values (its own memory,
 * released with the backend), or null where WebAssembly SIMD is unavailable or the problem does
 * not fit in 4 GiB (then use JS_BACKEND).
 */
export function createWasmBackend(doubles: number): LinalgBackend | null {
  const mods = wasmModules();
  const bytes = doubles * 8 + 64;
  if (mods === null || wasm === undefined || bytes > MAX_BYTES) return null;
  let memory: { readonly buffer: ArrayBuffer };
  let panel: Panel;
  let rows4: Rows4;
  let dots2: PanelKernel;
  let axpyRows: PanelKernel;
  try {
    memory = new wasm.Memory({ initial: Math.ceil(bytes / 65536) });
    panel = new wasm.Instance(mods.gemm, { env: { memory } }).exports.panel as Panel;
    const tri = new wasm.Instance(mods.symv, { env: { memory } }).exports;
    rows4 = tri.rows4 as Rows4;
    dots2 = tri.dots2 as PanelKernel;
    axpyRows = tri.axpyRows as PanelKernel;
  } catch {
    return null; // out of memory: the JS path needs the same arrays, but in smaller pieces
  }
  const buffer = memory.buffer;
  let next = 0; // bump allocator, in doubles; starts 16-byte aligned
  const alloc = (length: number): Float64Array => {
    const start = next;
    next += length + (length & 1);
    if (next * 8 > buffer.byteLength) throw new RangeError(`wasm backend: ${next * 8} bytes needed, ${buffer.byteLength} reserved`);
    return new Float64Array(buffer, start * 8, length);
  };
  const gemmAdd: GemmAdd = (m, n, k, a, aOff, b, bOff, ld, c, cOff, ldc, lowerOnly) => {
    if (m <= 0 || n <= 0 || k <= 0) return;
    gemmRows(panel, 0, m, n, k, a.byteOffset + aOff * 8, b.byteOffset + bOff * 8, c.byteOffset + cOff * 8, ld * 8, ldc * 8, lowerOnly, KC, NC);
  };
  const sums = alloc(4);
  const f64 = new Float64Array(buffer);
  const symv: SymvLower = (a, ld, s, n, v, y) => {
    y.fill(0, s, n);
    symvRows(rows4, f64, sums.byteOffset / 8, a.byteOffset / 8, ld, s, s, n, n, v.byteOffset / 8, y.byteOffset / 8);
  };
  const panelDots: PanelDots = (x, xOff, ld, seg, len, u, out, outOff, rows) => {
    if (rows > 0) dots2(x.byteOffset + xOff * 8, ld * 8, seg * 8, len * 8, u.byteOffset, out.byteOffset + outOff * 8, rows);
  };
  const panelAxpy: PanelAxpy = (x, xOff, ld, seg, len, v, vOff, out, rows) => {
    if (rows > 0) axpyRows(x.byteOffset + xOff * 8, ld * 8, seg * 8, len * 8, v.byteOffset + vOff * 8, out.byteOffset, rows);
  };
  return { name: 'wasm-simd', threads: 1, alloc, gemmAdd, symvLower: symv, panelDots, panelAxpy };
}

/**
 * Rows [i0, i1) of C += A·Bᵀ through the panel kernel (addresses and strides in bytes), k blocked
 * by kc and the B rows by nc. Self-contained — no outside names — because `parallel.ts` runs its
 * source in a worker too.
 */
export function gemmRows(
  panel: Panel,
  i0: number,
  i1: number,
  n: number,
  k: number,
  aBase: number,
  bBase: number,
  cBase: number,
  stride: number,
  ldcBytes: number,
  lowerOnly: boolean,
  kc: number,
  nc: number,
): void {
  for (let k0 = 0; k0 < k; k0 += kc) {
    const kBytes = Math.min(kc, k - k0) * 8;
    for (let j0 = 0; j0 < n; j0 += nc) {
      const jEnd = Math.min(n, j0 + nc);
      const iStart = lowerOnly ? Math.max(i0, j0 & ~3) : i0;
      for (let i = iStart; i < i1; i += 4) {
        const nB = (lowerOnly ? Math.min(jEnd, i + 4) : jEnd) - j0;
        if (nB <= 0) continue;
        panel(aBase + i * stride + k0 * 8, bBase + j0 * stride + k0 * 8, cBase + i * ldcBytes + j0 * 8, stride, kBytes, nB, ldcBytes);
      }
    }
  }
}

/**
 * Rows [i0, i1) of the lower-triangle symv y = A·v over [s, n), accumulated into y (not
 * zeroed): for each block of 4 rows, the 4-row SIMD kernel on the even-aligned middle of the
 * columns [s, i); the odd first/last column, the 4×4 diagonal block and, when i1 = n, the last
 * (n − s) mod 4 rows in JS. i0 − s must be a multiple of 4. Everything is addressed as indices
 * into `f64`, a view of the whole WebAssembly memory; self-contained (see gemmRows).
 */
export function symvRows(
  rows4: Rows4,
  f64: Float64Array,
  sumsOff: number,
  aOff: number,
  ld: number,
  s: number,
  i0: number,
  i1: number,
  n: number,
  vOff: number,
  yOff: number,
): void {
  const ldBytes = ld * 8;
  const kA = s + (s & 1);
  let i = i0;
  for (; i + 3 < i1 && i + 3 < n; i += 4) {
    const r0 = aOff + i * ld, r1 = r0 + ld, r2 = r1 + ld, r3 = r2 + ld;
    const v0 = f64[vOff + i], v1 = f64[vOff + i + 1], v2 = f64[vOff + i + 2], v3 = f64[vOff + i + 3];
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    const kB = i - (i & 1);
    // The kernel takes [kA, kB); JS the odd column before and after it (or all of [s, i) when short).
    let c0 = i, c1 = i;
    if (kB > kA) {
      rows4(r0 * 8, ldBytes, vOff * 8, yOff * 8, kA * 8, kB * 8, v0, v1, v2, v3, sumsOff * 8);
      s0 = f64[sumsOff]; s1 = f64[sumsOff + 1]; s2 = f64[sumsOff + 2]; s3 = f64[sumsOff + 3];
      if (kA > s) c0 = s, c1 = kA;
    } else {
      c0 = s;
    }
    for (let pass = 0; pass < 2; pass++) {
      for (let k = c0; k < c1; k++) {
        const x = f64[vOff + k];
        const e0 = f64[r0 + k], e1 = f64[r1 + k], e2 = f64[r2 + k], e3 = f64[r3 + k];
        s0 += e0 * x; s1 += e1 * x; s2 += e2 * x; s3 += e3 * x;
        f64[yOff + k] += e0 * v0 + e1 * v1 + e2 * v2 + e3 * v3;
      }
      if (kB <= kA) break;
      c0 = kB;
      c1 = i;
    }
    const d00 = f64[r0 + i];
    const d10 = f64[r1 + i], d11 = f64[r1 + i + 1];
    const d20 = f64[r2 + i], d21 = f64[r2 + i + 1], d22 = f64[r2 + i + 2];
    const d30 = f64[r3 + i], d31 = f64[r3 + i + 1], d32 = f64[r3 + i + 2], d33 = f64[r3 + i + 3];
    const y0 = yOff + i;
    f64[y0] += s0 + d00 * v0 + d10 * v1 + d20 * v2 + d30 * v3;
    f64[y0 + 1] += s1 + d10 * v0 + d11 * v1 + d21 * v2 + d31 * v3;
    f64[y0 + 2] += s2 + d20 * v0 + d21 * v1 + d22 * v2 + d32 * v3;
    f64[y0 + 3] += s3 + d30 * v0 + d31 * v1 + d32 * v2 + d33 * v3;
  }
  if (i1 < n) return;
  for (; i < n; i++) {
    const r = aOff + i * ld;
    const vi = f64[vOff + i];
    let acc = 0;
    for (let k = s; k < i; k++) {
      const e = f64[r + k];
      acc += e * f64[vOff + k];
      f64[yOff + k] += e * vi;
    }
    f64[yOff + i] += acc + f64[r + i] * vi;
  }
}
