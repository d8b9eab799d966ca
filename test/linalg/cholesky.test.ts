import { describe, expect, it } from 'vitest';
import { pivotedCholesky } from '../../src/linalg/cholesky.js';
import { congruenceByFactor } from '../../src/linalg/congruence.js';
import { gemmNT } from '../../src/linalg/kernels.js';
import { uniform } from './random-matrices.js';

/** B·Bᵀ with B n×r: PSD of rank r (full storage). */
function lowRank(n: number, r: number, seed: number): Float64Array {
  const b = uniform(n * r, seed);
  const s = new Float64Array(n * n);
  gemmNT(n, n, r, b, 0, r, b, 0, r, s, 0, n, 1, false);
  return s;
}

describe('pivotedCholesky', () => {
  // n = 150 spans three 48-column panels plus a partial one.
  for (const [n, r] of [[1, 1], [5, 5], [60, 60], [150, 150], [150, 97], [120, 40], [7, 0]]) {
    it(`n = ${n}, rank ${r}: finds the rank and Π·A·Πᵀ = L·Lᵀ`, () => {
      const a = r === 0 ? new Float64Array(n * n) : lowRank(n, r, n + r);
      const f = Float64Array.from(a);
      const res = pivotedCholesky(f, n);
      expect(res.rank).toBe(r);
      expect([...res.perm].sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, i) => i));
      let maxAbs = 0;
      for (const v of a) maxAbs = Math.max(maxAbs, Math.abs(v));
      let worst = 0;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j <= i; j++) {
          let s = 0;
          for (let p = 0; p < Math.min(j + 1, res.rank); p++) s += f[i * n + p] * f[j * n + p];
          worst = Math.max(worst, Math.abs(s - a[res.perm[i] * n + res.perm[j]]));
        }
      }
      // Backward error of Cholesky: O(n·ε)·max|A| (plus the discarded rank-deficient remainder).
      expect(worst).toBeLessThanOrEqual(50 * n * Number.EPSILON * maxAbs);
      // Pivoting makes the diagonal of L non-increasing.
      for (let j = 1; j < res.rank; j++) expect(f[j * n + j]).toBeLessThanOrEqual(f[(j - 1) * n + (j - 1)] * (1 + 1e-12));
    });
  }

  it('exactly zero rows (dead units) are pivoted last and excluded', () => {
    const n = 30;
    const a = lowRank(n, 30, 9);
    for (const d of [0, 4, 17]) for (let k = 0; k < n; k++) a[d * n + k] = a[k * n + d] = 0;
    const res = pivotedCholesky(Float64Array.from(a), n);
    expect(res.rank).toBe(27);
    expect([...res.perm.subarray(27)].sort((x, y) => x - y)).toEqual([0, 4, 17]);
  });
});

describe('congruenceByFactor', () => {
  for (const [n, r] of [[9, 9], [100, 100], [100, 61]]) {
    it(`M = Lᵀ·(Π·S·Πᵀ)·L, n = ${n}, rank ${r}`, () => {
      const a = lowRank(n, r, 11);
      const s = lowRank(n, n, 12);
      const f = Float64Array.from(a);
      const ch = pivotedCholesky(f, n);
      expect(ch.rank).toBe(r);
      const { m, ld } = congruenceByFactor(f, n, n, ch.rank, ch.perm, s);
      const L = (k: number, p: number) => (p <= k ? f[k * n + p] : 0);
      const S = (i: number, k: number) => s[ch.perm[i] * n + ch.perm[k]];
      let worst = 0;
      for (let p = 0; p < r; p++) {
        for (let q = 0; q <= p; q++) {
          let want = 0, abs = 0;
          for (let i = 0; i < n; i++) {
            for (let k = 0; k < n; k++) {
              const t = L(i, p) * S(i, k) * L(k, q);
              want += t; abs += Math.abs(t);
            }
          }
          worst = Math.max(worst, Math.abs(m[p * ld + q] - want) / abs);
        }
      }
      expect(worst).toBeLessThan(1e-13);
    });
  }
});
