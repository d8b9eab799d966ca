import { describe, expect, it } from 'vitest';
import { symmetricEigenvalues, tridiagonalEigenvalues, tridiagonalize } from '../../src/linalg/tridiagonal.js';
import { uniform } from './random-matrices.js';

/** Q·diag(λ)·Qᵀ with Q a product of 3 random Householder reflections: known spectrum, dense matrix. */
function withSpectrum(lambda: readonly number[], seed: number): Float64Array {
  const n = lambda.length;
  let a = new Float64Array(n * n);
  lambda.forEach((l, i) => (a[i * n + i] = l));
  for (let h = 0; h < 3; h++) {
    const v = uniform(n, seed + h);
    const vv = v.reduce((s, x) => s + x * x, 0);
    // A ← H·A·H with H = I − 2vvᵀ/vᵀv.
    const av = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) av[i] += a[i * n + k] * v[k];
    const vav = v.reduce((s, x, i) => s + x * av[i], 0);
    const next = new Float64Array(n * n);
    const c = 2 / vv;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        next[i * n + j] = a[i * n + j] - c * (v[i] * av[j] + av[i] * v[j]) + c * c * vav * v[i] * v[j];
      }
    }
    a = next;
  }
  return a;
}

describe('symmetricEigenvalues', () => {
  // 49, 97 and 150 cross the 48-column panel boundary; 1 and 2 are the degenerate sizes.
  for (const n of [1, 2, 3, 49, 97, 150]) {
    it(`dense n = ${n} with a known spectrum (repeated, negative and zero eigenvalues)`, () => {
      const lambda = Array.from({ length: n }, (_, i) => (i % 7 === 3 ? 0 : i % 5 === 1 ? 2.5 : Math.sin(i + 1) * (i + 1)));
      const a = withSpectrum(lambda, n);
      // Only the lower triangle may be read.
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) a[i * n + j] = NaN;
      const got = symmetricEigenvalues(a, n);
      const want = [...lambda].sort((x, y) => x - y);
      const scale = Math.max(...lambda.map(Math.abs), 1);
      // Householder + QL are backward stable: |Δλ| ≤ c·n·ε·‖A‖.
      for (let i = 0; i < n; i++) expect(Math.abs(got[i] - want[i])).toBeLessThan(10 * n * Number.EPSILON * scale);
    });
  }

  it('tridiagonalize keeps the trace and the Frobenius norm (orthogonal similarity)', () => {
    const n = 120;
    const a = uniform(n * n, 3);
    let trace = 0, frob = 0;
    for (let i = 0; i < n; i++) {
      trace += a[i * n + i];
      for (let j = 0; j < n; j++) frob += (j <= i ? a[i * n + j] : a[j * n + i]) ** 2;
    }
    const t = tridiagonalize(Float64Array.from(a), n);
    const tTrace = t.d.reduce((s, x) => s + x, 0);
    const tFrob = t.d.reduce((s, x) => s + x * x, 0) + 2 * t.e.reduce((s, x) => s + x * x, 0);
    expect(Math.abs(tTrace - trace)).toBeLessThan(1e-12 * n);
    expect(Math.abs(tFrob - frob) / frob).toBeLessThan(1e-13);
  });
});

describe('tridiagonalEigenvalues', () => {
  it('the (−1, 2, −1) matrix: 2 − 2·cos(kπ/(n+1))', () => {
    const n = 200;
    const got = tridiagonalEigenvalues({ d: new Float64Array(n).fill(2), e: new Float64Array(n - 1).fill(-1) });
    for (let k = 1; k <= n; k++) expect(Math.abs(got[k - 1] - (2 - 2 * Math.cos((k * Math.PI) / (n + 1))))).toBeLessThan(1e-13);
  });

  it('splits at zero off-diagonals and handles n = 0', () => {
    const got = tridiagonalEigenvalues({ d: Float64Array.from([3, 1, -2, 5]), e: Float64Array.from([0, 0, 0]) });
    expect([...got]).toEqual([-2, 1, 3, 5]);
    expect(tridiagonalEigenvalues({ d: new Float64Array(0), e: new Float64Array(0) }).length).toBe(0);
  });

  it('a NaN makes it fail with an InputError instead of looping', () => {
    expect(() => tridiagonalEigenvalues({ d: Float64Array.from([1, NaN, 2]), e: Float64Array.from([1, 1]) })).toThrow(/did not converge/);
  });
});
