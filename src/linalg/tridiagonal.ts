/**
 * @file Eigenvalues (no eigenvectors) of a dense symmetric matrix: blocked Householder
 * reduction to tridiagonal form (the LAPACK `dsytrd`/`dlatrd` algorithm, lower triangle) and
 * the implicit QL iteration with Wilkinson shifts on the tridiagonal matrix.
 *
 * Cost at n = 2048: the reduction is 4n³/3 flops, half in `symvLower` (one matrix·vector
 * product with the not-yet-updated trailing matrix per column — memory-bound, hence the
 * 4-row kernels) and half in one rank-2·NB update per panel through the backend's `gemmAdd`
 * (level 3). Measured (CPU s, one thread): 3.1 s with the JS kernels, 1.0 s with WebAssembly
 * SIMD (symv 0.5 s, updates 0.4 s, panel products 0.1 s); the unblocked textbook version
 * (a full rank-2 update per column) ran at ~0.5 GFLOP/s: 22 s. QL on the tridiagonal is O(n²)
 * (0.08 s).
 * Eigenvectors are never formed: the Fréchet distance needs only Σ√λ.
 */

import { InputError } from '../core/errors.js';
import { JS_BACKEND, paddedRows, type LinalgBackend } from './backend.js';

/** Panel width of the reduction. 24, 32 and 48 measured within noise of each other at n = 2048. */
const NB = 48;

/** Diagonal `d` (length n) and sub-diagonal `e` (length n − 1) of a symmetric tridiagonal matrix. */
export interface Tridiagonal {
  readonly d: Float64Array;
  readonly e: Float64Array;
}

export interface TridiagonalizeOptions {
  /** Leading dimension (row stride) of `a`; default n. */
  readonly ld?: number;
  /**
   * Where the rank-2k updates run (default JS). With a WebAssembly backend `a` must come from its
   * `alloc`, with `paddedRows(n)` rows and an even ld > n (backend.ts's layout contract).
   */
  readonly backend?: LinalgBackend;
}

/**
 * Reduces the symmetric matrix `a` (row-major n×n; only the lower triangle is read) to a
 * similar tridiagonal matrix by orthogonal Householder transformations. `a` is overwritten.
 */
export function tridiagonalize(a: Float64Array, n: number, options: TridiagonalizeOptions = {}): Tridiagonal {
  const ld = options.ld ?? n;
  const backend = options.backend ?? JS_BACKEND;
  const d = new Float64Array(n);
  const e = new Float64Array(Math.max(0, n - 1));
  if (n === 0) return { d, e };
  const ldw = 2 * NB;
  // Row i holds [V(i, 0..nb) | W(i, 0..nb)] for the current panel, and `wv` [−W | −V], so the
  // rank-2k update A −= V·Wᵀ + W·Vᵀ is one gemmAdd with inner length 2·nb.
  const vw = backend.alloc(paddedRows(n) * ldw);
  const wv = backend.alloc(paddedRows(n) * ldw);
  const col = new Float64Array(n);
  const v = backend.alloc(n);
  const y = backend.alloc(n);
  // Panel-product operands: u (the vector, two halves of NB + 1), tt = [Vᵀv | Wᵀv], dots (results).
  const u = backend.alloc(2 * NB + 2);
  const tt = backend.alloc(2 * NB + 2);
  const dots = backend.alloc(n);

  for (let j0 = 0; j0 < n - 1; j0 += NB) {
    const nb = Math.min(NB, n - 1 - j0);
    for (let p = 0; p < nb; p++) {
      const j = j0 + p;
      // Column j (rows j..n) with this panel's earlier reflectors applied:
      // a(i, j) − Σ_q V(i, q)·W(j, q) − W(i, q)·V(j, q), the sum as one panel product.
      const rj = j * ldw;
      const len = p + (p & 1); // even for the f64x2 kernels; u[p] = 0 masks the stale column
      if (p > 0) {
        for (let q = 0; q < p; q++) {
          u[q] = vw[rj + NB + q];
          u[NB + q] = vw[rj + q];
        }
        u[p] = 0;
        u[NB + p] = 0;
        backend.panelDots(vw, j * ldw, ldw, NB, len, u, dots, j, n - j);
        for (let i = j; i < n; i++) col[i] = a[i * ld + j] - dots[i];
      } else {
        for (let i = j; i < n; i++) col[i] = a[i * ld + j];
      }
      d[j] = col[j];
      // Householder reflector H = I − τ·v·vᵀ with H·col(j+1..n) = β·e₁.
      const alpha = col[j + 1];
      let xnorm2 = 0;
      for (let i = j + 2; i < n; i++) xnorm2 += col[i] * col[i];
      let tau = 0;
      let beta = alpha;
      // Rows ≤ j of v, V(·, p) and W(·, p) are never read (every later product starts below
      // row j), so they are left as they are instead of zeroed: n² strided writes saved.
      v[j + 1] = 1;
      if (xnorm2 === 0) {
        for (let i = j + 2; i < n; i++) v[i] = 0;
      } else {
        beta = -Math.sign(alpha || 1) * Math.sqrt(alpha * alpha + xnorm2);
        tau = (beta - alpha) / beta;
        const scale = 1 / (alpha - beta);
        for (let i = j + 2; i < n; i++) v[i] = col[i] * scale;
      }
      e[j] = beta;
      for (let i = j + 1; i < n; i++) vw[i * ldw + p] = v[i];
      if (tau === 0) {
        for (let i = j + 1; i < n; i++) vw[i * ldw + NB + p] = 0;
        continue;
      }
      // w = τ·(A22·v − V·(Wᵀv) − W·(Vᵀv)), then w += −½τ(wᵀv)·v.
      const s0 = j + 1;
      backend.symvLower(a, ld, s0, n, v, y);
      if (p > 0) {
        // tt = [Vᵀv | Wᵀv] (transposed panel product), then y −= V·(Wᵀv) + W·(Vᵀv).
        tt.fill(0);
        backend.panelAxpy(vw, s0 * ldw, ldw, NB, len, v, s0, tt, n - s0);
        for (let q = 0; q < p; q++) {
          u[q] = tt[NB + q];
          u[NB + q] = tt[q];
        }
        u[p] = 0;
        u[NB + p] = 0;
        backend.panelDots(vw, s0 * ldw, ldw, NB, len, u, dots, s0, n - s0);
        for (let i = s0; i < n; i++) y[i] = tau * (y[i] - dots[i]);
      } else {
        for (let i = s0; i < n; i++) y[i] *= tau;
      }
      let wv2 = 0;
      for (let i = s0; i < n; i++) wv2 += y[i] * v[i];
      const corr = -0.5 * tau * wv2;
      for (let i = s0; i < n; i++) vw[i * ldw + NB + p] = y[i] + corr * v[i];
    }
    // Trailing update A22 −= V·Wᵀ + W·Vᵀ on rows/columns t0..n (lower triangle).
    const t0 = j0 + nb;
    const m = n - t0;
    if (m > 0) {
      for (let i = t0; i < n; i++) {
        const ri = i * ldw;
        for (let q = 0; q < nb; q++) {
          wv[ri + q] = -vw[ri + NB + q];
          wv[ri + nb + q] = -vw[ri + q];
        }
        // A short last panel: move W next to V so [V | W] is contiguous over 2nb.
        if (nb !== NB) {
          for (let q = 0; q < nb; q++) vw[ri + nb + q] = -wv[ri + q];
        }
      }
      // Spare rows read by the 4-row tiles: zero (they only feed a's spare rows, never read).
      vw.fill(0, n * ldw, (n + 4) * ldw);
      wv.fill(0, n * ldw, (n + 4) * ldw);
      backend.gemmAdd(m, m, 2 * nb, vw, t0 * ldw, wv, t0 * ldw, ldw, a, t0 * ld + t0, ld, true);
    }
  }
  d[n - 1] = a[(n - 1) * ld + (n - 1)];
  return { d, e };
}

/**
 * Eigenvalues of the symmetric tridiagonal matrix (d, e), ascending. Implicit QL with
 * Wilkinson shifts (eigenvalues only: O(n²) in total).
 * @throws InputError if an eigenvalue fails to converge in 60 iterations (non-finite input).
 */
export function tridiagonalEigenvalues(tri: Tridiagonal): Float64Array {
  const n = tri.d.length;
  const d = Float64Array.from(tri.d);
  const e = new Float64Array(n);
  e.set(tri.e);
  for (let l = 0; l < n; l++) {
    let iter = 0;
    for (;;) {
      // Find a negligible off-diagonal element: the block l..m is unreduced.
      let m = l;
      for (; m < n - 1; m++) {
        const dd = Math.abs(d[m]) + Math.abs(d[m + 1]);
        if (Math.abs(e[m]) <= Number.EPSILON * dd) break;
      }
      if (m === l) break;
      if (++iter > 60) {
        throw new InputError(
          `symmetric tridiagonal eigenvalues did not converge at index ${l} of ${n}; the matrix probably holds NaN or Infinity`,
        );
      }
      // Wilkinson shift from the leading 2×2 block.
      let g = (d[l + 1] - d[l]) / (2 * e[l]);
      let r = Math.sqrt(g * g + 1);
      g = d[m] - d[l] + e[l] / (g + (g >= 0 ? r : -r));
      let s = 1;
      let c = 1;
      let p = 0;
      let i = m - 1;
      let underflow = false;
      for (; i >= l; i--) {
        const f = s * e[i];
        const b = c * e[i];
        r = Math.sqrt(f * f + g * g);
        e[i + 1] = r;
        if (r === 0) {
          // Split: recover and restart on the smaller block.
          d[i + 1] -= p;
          e[m] = 0;
          underflow = true;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1] - p;
        r = (d[i] - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
      }
      if (underflow) continue;
      d[l] -= p;
      e[l] = g;
      e[m] = 0;
    }
  }
  d.sort();
  return d;
}

/**
 * Eigenvalues of the symmetric matrix `a` (row-major n×n, lower triangle read), ascending.
 * `a` is overwritten.
 */
export function symmetricEigenvalues(a: Float64Array, n: number, options: TridiagonalizeOptions = {}): Float64Array {
  return tridiagonalEigenvalues(tridiagonalize(a, n, options));
}
