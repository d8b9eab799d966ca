/**
 * @file The congruence M = Lᵀ·S'·L of a symmetric S' = Π·S·Πᵀ by a lower-trapezoidal n×r
 * factor L. With Π·Σ₁·Πᵀ = L·Lᵀ (pivoted Cholesky), Σ₁Σ₂ = (ΠᵀL)·(LᵀΠΣ₂) and XY, YX have the
 * same non-zero eigenvalues, so those of Σ₁Σ₂ are the eigenvalues of the symmetric positive
 * semidefinite r×r matrix M = Lᵀ·(ΠΣ₂Πᵀ)·L, and tr √(Σ₁Σ₂) = Σ √λ(M) without ever forming a
 * non-symmetric product.
 *
 * Flops: with S' = T + Tᵀ (T its lower triangle, diagonal halved), M = G + Gᵀ where
 * G = Lᵀ·(T·L): T·L (lower × lower) costs n³/3 and the lower half of G + Gᵀ 2n³/3 — n³ in all,
 * as LAPACK's dsygst, against 4n³/3 for Lᵀ·S' then ·L (measured at n = 2048, WebAssembly
 * kernels: 0.86 → 0.66 CPU s). Every product is a row·row dot product (the backend's gemmAdd)
 * on row-major copies: Lᵀ (r rows), T, and Xᵀ = (T·L)ᵀ = Lᵀ·Tᵀ; the zero triangles are skipped
 * per 48×48 block for Xᵀ, per 48-row panel for M.
 */

import { JS_BACKEND, paddedLd, paddedRows, type LinalgBackend } from './backend.js';

/** Block size for skipping zero triangles (a multiple of the 4-row tile, even). */
const BS = 48;

/**
 * M = Lᵀ·S'·L with S' = Π·S·Πᵀ, S'[i, k] = S[perm[i], perm[k]].
 * @param factor row-major, leading dimension `ldf`, holding L in its lower triangle, columns
 *   0..rank−1 (as left by `pivotedCholesky`).
 * @param s the other symmetric matrix, full row-major n×n (both triangles, leading dimension n).
 * @param backend where the products run; the copies it multiplies are allocated from it.
 * @returns M (rank×rank, leading dimension `ld`, padded for the backend); only its lower
 *   triangle is meaningful.
 */
export function congruenceByFactor(
  factor: Float64Array,
  ldf: number,
  n: number,
  rank: number,
  perm: Int32Array,
  s: Float64Array,
  backend: LinalgBackend = JS_BACKEND,
): { m: Float64Array; ld: number } {
  const r = rank;
  // One even leading dimension for Lᵀ, T and Xᵀ: the backend wants A and B on one stride. The
  // padding columns stay 0, so inner lengths may run past n into them.
  const ld = paddedLd(n);
  // Lᵀ as r rows, exact zeros left of the diagonal. Transposed in 32×32 tiles: a plain
  // column-by-column copy misses the cache on every element.
  const lt = backend.alloc(paddedRows(r) * ld);
  const TILE = 32;
  for (let k0 = 0; k0 < n; k0 += TILE) {
    const k1 = Math.min(n, k0 + TILE);
    for (let p0 = 0; p0 < Math.min(k1, r); p0 += TILE) {
      const p1 = Math.min(r, p0 + TILE);
      for (let k = k0; k < k1; k++) {
        const rk = k * ldf;
        const lim = Math.min(k + 1, p1);
        for (let p = p0; p < lim; p++) lt[p * ld + k] = factor[rk + p];
      }
    }
  }
  // T: the lower triangle of S' with its diagonal halved, zeros above.
  const t = backend.alloc(paddedRows(n) * ld);
  for (let i = 0; i < n; i++) {
    const src = perm[i] * n;
    const dst = i * ld;
    for (let k = 0; k < i; k++) t[dst + k] = s[src + perm[k]];
    t[dst + i] = 0.5 * s[src + perm[i]];
  }
  // Xᵀ = Lᵀ·Tᵀ (r×n): Xᵀ[j, i] = Σ_{j ≤ k ≤ i} Lᵀ[j, k]·T[i, k]; zero for i < j.
  const xt = backend.alloc(paddedRows(r) * ld);
  for (let j0 = 0; j0 < r; j0 += BS) {
    const m = Math.min(BS, r - j0);
    for (let i0 = j0; i0 < n; i0 += BS) {
      const i1 = Math.min(n, i0 + BS);
      const kLen = evenUp(i1 - j0);
      backend.gemmAdd(m, i1 - i0, kLen, lt, j0 * ld + j0, t, i0 * ld + j0, ld, xt, j0 * ld + i0, ld, false);
    }
  }
  // M = G + Gᵀ with G = Lᵀ·X, lower triangle, straight from Lᵀ and Xᵀ: for a panel of rows
  // i ≥ i0 and j ≤ i, M[i, j] = Σ_{k ≥ i0} Lᵀ[i, k]·Xᵀ[j, k] + Xᵀ[i, k]·Lᵀ[j, k] — the terms
  // with k < i vanish (Lᵀ and Xᵀ are zero left of their diagonal). Two wide products per panel.
  const ldm = paddedLd(r);
  const g = backend.alloc(paddedRows(r) * ldm);
  for (let i0 = 0; i0 < r; i0 += BS) {
    const m = Math.min(BS, r - i0);
    backend.gemmAdd(m, i0 + m, ld - i0, lt, i0 * ld + i0, xt, i0, ld, g, i0 * ldm, ldm, false);
    backend.gemmAdd(m, i0 + m, ld - i0, xt, i0 * ld + i0, lt, i0, ld, g, i0 * ldm, ldm, false);
  }
  return { m: g, ld: ldm };
}

const evenUp = (k: number): number => k + (k & 1);
