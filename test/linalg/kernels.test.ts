import { describe, expect, it } from 'vitest';
import { gemmNT, symvLower } from '../../src/linalg/kernels.js';
import { uniform } from './random-matrices.js';

/** Float64 sums in another order: 1e-13 relative to the sum of |terms| bounds the difference (k ≤ 600). */
const TOL = 1e-13;

describe('gemmNT', () => {
  // Sizes straddle the 3×3 tile, the 120-row B block and the 256 k block.
  for (const [m, n, k] of [[1, 1, 1], [4, 5, 7], [10, 11, 300], [125, 122, 257], [3, 241, 2]]) {
    it(`C ± A·Bᵀ, ${m}×${n}×${k}, with offsets and leading dimensions`, () => {
      const lda = k + 3, ldb = k + 1, ldc = n + 2;
      const a = uniform(m * lda + 5, 1), b = uniform(n * ldb + 2, 2);
      const c0 = uniform(m * ldc + 4, 3);
      for (const sign of [1, -1, 0.5]) {
        const c = Float64Array.from(c0);
        gemmNT(m, n, k, a, 5, lda, b, 2, ldb, c, 4, ldc, sign, false);
        let worst = 0;
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) {
            let s = 0, abs = 0;
            for (let q = 0; q < k; q++) {
              const t = a[5 + i * lda + q] * b[2 + j * ldb + q];
              s += t; abs += Math.abs(t);
            }
            const want = c0[4 + i * ldc + j] + sign * s;
            worst = Math.max(worst, Math.abs(c[4 + i * ldc + j] - want) / (abs + 1));
          }
        }
        expect(worst).toBeLessThanOrEqual(TOL);
        // Padding columns of C untouched.
        for (let i = 0; i < m; i++) expect(c[4 + i * ldc + n]).toBe(c0[4 + i * ldc + n]);
      }
    });
  }

  it('lowerOnly: lower triangle right, nothing further than the 3×3 diagonal tiles above it', () => {
    for (const n of [1, 2, 7, 130, 245]) {
      const k = 50;
      const a = uniform(n * k, 4);
      const c0 = uniform(n * n, 5);
      const c = Float64Array.from(c0);
      gemmNT(n, n, k, a, 0, k, a, 0, k, c, 0, n, -1, true);
      let worst = 0;
      let touchedAbove = 0;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let q = 0; q < k; q++) s += a[i * k + q] * a[j * k + q];
          if (j <= i) worst = Math.max(worst, Math.abs(c[i * n + j] - (c0[i * n + j] - s)));
          else if (j >= i - (i % 3) + 3 && c[i * n + j] !== c0[i * n + j]) touchedAbove++;
        }
      }
      expect(worst).toBeLessThan(1e-12);
      expect(touchedAbove).toBe(0);
    }
  });
});

describe('symvLower', () => {
  it('y = A·v from the lower triangle only, for sub-ranges and sizes around the 4-row unroll', () => {
    for (const [s, n] of [[0, 1], [0, 4], [3, 12], [5, 70], [0, 131]]) {
      const a = uniform(n * n, 6);
      // Poison the strict upper triangle: it must never be read.
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) a[i * n + j] = NaN;
      const v = uniform(n, 7);
      const y = new Float64Array(n).fill(42);
      symvLower(a, n, s, n, v, y);
      for (let i = 0; i < s; i++) expect(y[i]).toBe(42);
      for (let i = s; i < n; i++) {
        let want = 0;
        for (let k = s; k < n; k++) want += (k <= i ? a[i * n + k] : a[k * n + i]) * v[k];
        expect(Math.abs(y[i] - want)).toBeLessThan(1e-13 * n);
      }
    }
  });
});
