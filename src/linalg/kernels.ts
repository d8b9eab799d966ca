/**
 * @file The two plain-JavaScript Float64Array kernels that carry almost all the O(n³) work of
 * the Fréchet distance: `gemmNT` (C ± A·Bᵀ, the matrix products, the Cholesky trailing update and
 * the rank-2k update of the tridiagonal reduction) and `symvLower` (y = A·v from the lower
 * triangle, the memory-bound half of the tridiagonal reduction). `backend.ts` runs the same
 * operations in WebAssembly SIMD (≈3× faster) where available; these are the fallback and the
 * reference the WebAssembly kernels are tested against.
 *
 * Why they look like this (measured with Node 20 on the 2-core AMD EPYC development machine):
 * - V8 does not vectorise, so speed comes from keeping accumulators in registers and from
 *   loading each operand once per several multiply-adds. Both operands of `gemmNT` are read
 *   along contiguous rows (A·Bᵀ is a table of row·row dot products), so every inner loop is
 *   a unit-stride stream. A 3×3 register tile (9 accumulators + 6 loads, fits the 16 xmm
 *   registers) gave 4.8 GFLOP/s; 2×2 gave 3.1, 2×4 4.3, 4×4 4.4 (spills), 3×4 4.3.
 * - Blocking k by 256 and the B rows by 120 keeps a 3-row A strip in L1 and the B block in L2:
 *   +12 % at n = 2048 (4.3 → 4.8 GFLOP/s).
 * - `symvLower` walks four rows at once, so each v[k], y[k] load/store serves four matrix
 *   entries: 4.3 GFLOP/s against 1.5 for the one-row loop.
 * - ml-matrix was not used: its EVD takes ~20 s at n = 1024 (≈160 s at 2048) — it computes
 *   eigenvectors, unblocked, on rows stored as separate arrays — where fidkit needs only
 *   eigenvalues: 6.0 s at 2048 with these kernels, 2.0 s with the WebAssembly ones.
 */

/** k-block length: a 3-row strip of A (3·256·8 B = 6 KiB) stays in L1. */
const KC = 256;
/** B-row block: 120 rows × 256 × 8 B = 240 KiB, fits the 512 KiB L2. Multiple of 3. */
const NC = 120;

/**
 * C[i, j] += sign · Σₖ A[i, k]·B[j, k] for 0 ≤ i < m, 0 ≤ j < n, 0 ≤ k < kLen, on row-major
 * blocks given by offset and leading dimension (row stride).
 *
 * With `lowerOnly`, the block of C is taken as square and symmetric in its indices and only the
 * tiles that touch j ≤ i are computed; the 3×3 tiles straddling the diagonal also write a few
 * entries above it, so callers must never read C's strict upper triangle.
 */
export function gemmNT(
  m: number,
  n: number,
  kLen: number,
  a: Float64Array,
  aOff: number,
  lda: number,
  b: Float64Array,
  bOff: number,
  ldb: number,
  c: Float64Array,
  cOff: number,
  ldc: number,
  sign: number,
  lowerOnly: boolean,
): void {
  if (m <= 0 || n <= 0 || kLen <= 0) return;
  for (let k0 = 0; k0 < kLen; k0 += KC) {
    const kl = Math.min(KC, kLen - k0);
    for (let j0 = 0; j0 < n; j0 += NC) {
      const jEnd = Math.min(n, j0 + NC);
      // Rows above the block are all upper-triangle when lowerOnly.
      const iStart = lowerOnly ? j0 - (j0 % 3) : 0;
      for (let i = iStart; i < m; i += 3) {
        const mr = Math.min(3, m - i);
        const jLim = lowerOnly ? Math.min(jEnd, i + mr) : jEnd;
        if (mr === 3) {
          tiles3(i, j0, jLim, kl, a, aOff + k0, lda, b, bOff + k0, ldb, c, cOff, ldc, sign);
        } else {
          for (let ii = i; ii < i + mr; ii++) {
            const jl = lowerOnly ? Math.min(jEnd, ii + 1) : jEnd;
            rowDots(ii, j0, jl, kl, a, aOff + k0, lda, b, bOff + k0, ldb, c, cOff, ldc, sign);
          }
        }
      }
    }
  }
}

/** Three rows of C against columns [j0, jLim): 3×3 register tiles, then a 3×1 tail. */
function tiles3(
  i: number,
  j0: number,
  jLim: number,
  kl: number,
  a: Float64Array,
  aOff: number,
  lda: number,
  b: Float64Array,
  bOff: number,
  ldb: number,
  c: Float64Array,
  cOff: number,
  ldc: number,
  sign: number,
): void {
  const a0 = aOff + i * lda;
  const a1 = a0 + lda;
  const a2 = a1 + lda;
  let j = j0;
  for (; j + 2 < jLim; j += 3) {
    const b0 = bOff + j * ldb;
    const b1 = b0 + ldb;
    const b2 = b1 + ldb;
    let c00 = 0, c01 = 0, c02 = 0, c10 = 0, c11 = 0, c12 = 0, c20 = 0, c21 = 0, c22 = 0;
    for (let k = 0; k < kl; k++) {
      const x0 = a[a0 + k], x1 = a[a1 + k], x2 = a[a2 + k];
      const y0 = b[b0 + k], y1 = b[b1 + k], y2 = b[b2 + k];
      c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2;
      c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2;
      c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2;
    }
    const r0 = cOff + i * ldc + j;
    const r1 = r0 + ldc;
    const r2 = r1 + ldc;
    c[r0] += sign * c00; c[r0 + 1] += sign * c01; c[r0 + 2] += sign * c02;
    c[r1] += sign * c10; c[r1 + 1] += sign * c11; c[r1 + 2] += sign * c12;
    c[r2] += sign * c20; c[r2 + 1] += sign * c21; c[r2 + 2] += sign * c22;
  }
  for (; j < jLim; j++) {
    const b0 = bOff + j * ldb;
    let c0 = 0, c1 = 0, c2 = 0;
    for (let k = 0; k < kl; k++) {
      const y = b[b0 + k];
      c0 += a[a0 + k] * y; c1 += a[a1 + k] * y; c2 += a[a2 + k] * y;
    }
    const r0 = cOff + i * ldc + j;
    c[r0] += sign * c0; c[r0 + ldc] += sign * c1; c[r0 + 2 * ldc] += sign * c2;
  }
}

/** One row of C against columns [j0, jLim) (edge rows only). */
function rowDots(
  i: number,
  j0: number,
  jLim: number,
  kl: number,
  a: Float64Array,
  aOff: number,
  lda: number,
  b: Float64Array,
  bOff: number,
  ldb: number,
  c: Float64Array,
  cOff: number,
  ldc: number,
  sign: number,
): void {
  const a0 = aOff + i * lda;
  for (let j = j0; j < jLim; j++) {
    const b0 = bOff + j * ldb;
    let s = 0;
    for (let k = 0; k < kl; k++) s += a[a0 + k] * b[b0 + k];
    c[cOff + i * ldc + j] += sign * s;
  }
}

/**
 * y[s..n) = A[s..n, s..n) · v[s..n) for a symmetric A of which only the lower triangle
 * (row-major, leading dimension `lda`) is read. Entries of y below s are not touched.
 */
export function symvLower(
  a: Float64Array,
  lda: number,
  s: number,
  n: number,
  v: Float64Array,
  y: Float64Array,
): void {
  y.fill(0, s, n);
  let i = s;
  for (; i + 3 < n; i += 4) {
    const r0 = i * lda, r1 = r0 + lda, r2 = r1 + lda, r3 = r2 + lda;
    const v0 = v[i], v1 = v[i + 1], v2 = v[i + 2], v3 = v[i + 3];
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let k = s; k < i; k++) {
      const x = v[k];
      const e0 = a[r0 + k], e1 = a[r1 + k], e2 = a[r2 + k], e3 = a[r3 + k];
      s0 += e0 * x; s1 += e1 * x; s2 += e2 * x; s3 += e3 * x;
      y[k] += e0 * v0 + e1 * v1 + e2 * v2 + e3 * v3;
    }
    // The 4×4 diagonal block, lower half read, mirrored.
    const d00 = a[r0 + i];
    const d10 = a[r1 + i], d11 = a[r1 + i + 1];
    const d20 = a[r2 + i], d21 = a[r2 + i + 1], d22 = a[r2 + i + 2];
    const d30 = a[r3 + i], d31 = a[r3 + i + 1], d32 = a[r3 + i + 2], d33 = a[r3 + i + 3];
    y[i] += s0 + d00 * v0 + d10 * v1 + d20 * v2 + d30 * v3;
    y[i + 1] += s1 + d10 * v0 + d11 * v1 + d21 * v2 + d31 * v3;
    y[i + 2] += s2 + d20 * v0 + d21 * v1 + d22 * v2 + d32 * v3;
    y[i + 3] += s3 + d30 * v0 + d31 * v1 + d32 * v2 + d33 * v3;
  }
  for (; i < n; i++) {
    const r = i * lda;
    const vi = v[i];
    let acc = 0;
    for (let k = s; k < i; k++) {
      const e = a[r + k];
      acc += e * v[k];
      y[k] += e * vi;
    }
    y[i] += acc + a[r + i] * vi;
  }
}
