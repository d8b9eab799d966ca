import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { gram, gramBlock, gramSymmetric, gramUpper, rowSquaredNorms } from '../../src/linalg/gram.js';
import type { FeatureMatrix } from '../../src/core/types.js';
import { matrix } from './random-matrix.js';

/** Naive float64 dot products, and the sum of |products| that bounds their rounding error. */
function naive(a: FeatureMatrix, b: FeatureMatrix): { dots: Float64Array; scale: Float64Array } {
  const dots = new Float64Array(a.rows * b.rows), scale = new Float64Array(a.rows * b.rows);
  for (let i = 0; i < a.rows; i++) {
    for (let j = 0; j < b.rows; j++) {
      let s = 0, t = 0;
      for (let k = 0; k < a.cols; k++) { const p = a.data[i * a.cols + k] * b.data[j * b.cols + k]; s += p; t += Math.abs(p); }
      dots[i * b.rows + j] = s; scale[i * b.rows + j] = t;
    }
  }
  return { dots, scale };
}

/**
 * Two float64 summation orders of D products differ by at most ~D·2⁻⁵³·Σ|p|; 1e-13·Σ|p| covers
 * D up to ~900 here, and a wrong index or a dropped remainder shows up as an O(1) error.
 */
function expectClose(actual: Float64Array, ref: { dots: Float64Array; scale: Float64Array }): void {
  expect(actual.length).toBe(ref.dots.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - ref.dots[i]) / ref.scale[i]);
  expect(worst).toBeLessThanOrEqual(1e-13);
}

describe('gram', () => {
  // Sizes not multiple of the tiles (JS 4×2, wasm 4×2 with even padding), D above the k-blocks
  // (512 JS, 256 wasm), odd D, and more rows than one 256-row wasm band exercise every remainder.
  const shapes = [[1, 1, 1], [7, 5, 3], [13, 9, 517], [4, 2, 1030], [33, 31, 64], [300, 263, 33]];
  for (const kernel of ['js', 'wasm'] as const) {
    for (const [m, n, d] of shapes) {
      it(`${kernel}: ${m}×${d} · (${n}×${d})ᵀ, float32 and float64 inputs`, () => {
        const a = matrix(m, d, 1 + m), b = matrix(n, d, 99 + n, true);
        expectClose(gram(a, b, undefined, { kernel }), naive(a, b));
        expectClose(gram(b, a, undefined, { kernel }), naive(b, a));
      });
    }

    it(`${kernel}: gramSymmetric equals gram(a, a) and is exactly symmetric (2 bands, ragged)`, () => {
      const a = matrix(301, 45, 5);
      const s = gramSymmetric(a, undefined, { kernel });
      expectClose(s, naive(a, a));
      let asymmetric = 0;
      for (let i = 0; i < 301; i++) for (let j = 0; j < i; j++) if (s[i * 301 + j] !== s[j * 301 + i]) asymmetric++;
      expect(asymmetric).toBe(0);
    });

    it(`${kernel}: gramUpper sets the upper triangle as gramSymmetric, into a reused dirty buffer`, () => {
      const a = matrix(301, 45, 5), n = 301;
      const full = gramSymmetric(a, undefined, { kernel });
      const out = new Float64Array(n * n).fill(Number.NaN);
      gramUpper(a, out, { kernel });
      let differ = 0;
      for (let i = 0; i < n; i++) for (let j = i; j < n; j++) if (out[i * n + j] !== full[i * n + j]) differ++;
      expect(differ).toBe(0);
    });
  }

  it('auto picks a kernel whose results agree with both', () => {
    const a = matrix(40, 300, 8), b = matrix(30, 300, 9);
    expectClose(gram(a, b), naive(a, b));
  });

  it('products of float32 values are exact in float64 (small integers give exact sums)', () => {
    const a = { data: Float32Array.from([1, 2, 3, 4, 5, 6]), rows: 2, cols: 3 };
    const b = { data: Float32Array.from([1, 0, -1, 2, 2, 2, 0.5, 0.25, 0.125]), rows: 3, cols: 3 };
    expect(Array.from(gram(a, b))).toEqual([-2, 12, 1.375, -2, 30, 4]);
    // (1 + 2⁻²⁰)² = 1 + 2⁻¹⁹ + 2⁻⁴⁰ needs 41 bits: float32 accumulation would drop the 2⁻⁴⁰.
    const c = { data: Float32Array.from([1 + 2 ** -20]), rows: 1, cols: 1 };
    expect(gram(c, c)[0]).toBe(1 + 2 ** -19 + 2 ** -40);
  });

  it('gramBlock computes a sub-rectangle and overwrites `out`', () => {
    const a = matrix(20, 70, 3), b = matrix(17, 70, 4);
    const full = gram(a, b);
    const out = new Float64Array(6 * 5).fill(123);
    gramBlock(a, 3, 9, b, 10, 15, out);
    for (let i = 0; i < 6; i++) for (let j = 0; j < 5; j++) expect(out[i * 5 + j]).toBe(full[(i + 3) * 17 + (j + 10)]);
  });

  it('rowSquaredNorms is the Gram diagonal', () => {
    const a = matrix(9, 101, 6, true);
    const g = naive(a, a);
    const nn = rowSquaredNorms(a);
    for (let i = 0; i < 9; i++) expect(Math.abs(nn[i] - g.dots[i * 9 + i])).toBeLessThanOrEqual(1e-13 * g.scale[i * 9 + i]);
  });

  it('errors name the shapes', () => {
    expect(() => gram(matrix(3, 4, 1), matrix(2, 5, 1))).toThrow(InputError);
    expect(() => gram(matrix(3, 4, 1), matrix(2, 5, 1))).toThrow('gram: feature dimensions differ (3×4 vs 2×5)');
    expect(() => gram(matrix(3, 4, 1), matrix(2, 4, 1), new Float64Array(5))).toThrow('gram: output of length 5 cannot hold 3×2');
    expect(() => gramBlock(matrix(3, 4, 1), 0, 4, matrix(2, 4, 1), 0, 2)).toThrow('outside 3×2');
  });
});
