import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { featureMatrixFromNpy, readNpy } from '../../src/io/npy.js';
import { readNpz } from '../../src/io/npz.js';
import { CHUNK_ROWS, Moments, momentsFromFeatures } from '../../src/stats/moments.js';
import type { FeatureMatrix } from '../../src/core/types.js';

const FRECHET = join(__dirname, '..', '..', 'fixtures', 'frechet');

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let maxDiff = 0;
  let maxAbs = 0;
  for (let i = 0; i < a.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    maxAbs = Math.max(maxAbs, Math.abs(b[i]));
  }
  return maxDiff / maxAbs;
}

function rows(m: FeatureMatrix, start: number, end: number): FeatureMatrix {
  return { data: m.data.subarray(start * m.cols, end * m.cols), rows: end - start, cols: m.cols };
}

const features = featureMatrixFromNpy(readNpy(readFileSync(join(FRECHET, 'd64_set1_features.npy'))));
const reference = readNpz(readFileSync(join(FRECHET, 'd64_set1_stats.npz')));

describe('Moments', () => {
  it("matches pytorch-fid's np.mean / np.cov on the d64 fixture (1e-13 relative)", () => {
    const stats = momentsFromFeatures(features);
    expect(stats.count).toBe(500);
    // Summation order differs from NumPy's pairwise sums; float64 round-off is ~1e-16 per term.
    expect(maxRelDiff(stats.mu, reference.mu.data as Float64Array)).toBeLessThan(1e-13);
    expect(maxRelDiff(stats.sigma, reference.sigma.data as Float64Array)).toBeLessThan(1e-13);
  });

  it('does not depend on how rows are batched (bit-identical)', () => {
    const whole = momentsFromFeatures(features);
    const m = new Moments(64);
    for (let start = 0; start < features.rows; start += 7) m.add(rows(features, start, Math.min(start + 7, features.rows)));
    const batched = m.statistics();
    expect(Array.from(batched.sigma)).toEqual(Array.from(whole.sigma));
    expect(Array.from(batched.mu)).toEqual(Array.from(whole.mu));
  });

  it('is unaffected by a common offset of 1e4 (1e-9 relative)', () => {
    const shifted = new Float64Array(features.data.length);
    for (let i = 0; i < shifted.length; i++) shifted[i] = features.data[i] + 1e4;
    const a = momentsFromFeatures(features);
    const b = momentsFromFeatures({ data: shifted, rows: features.rows, cols: features.cols });
    const err = maxRelDiff(b.sigma, a.sigma);
    expect(err).toBeLessThan(1e-9);
    // Guard against a test that cannot fail: the naive Σxxᵀ/n − μμᵀ form loses digits here.
    let naiveErr = 0;
    {
      const n = features.rows;
      const d = features.cols;
      const mu = new Float64Array(d);
      for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) mu[j] += shifted[r * d + j] / n;
      for (let i = 0; i < d; i++) {
        for (let j = 0; j < d; j++) {
          let s = 0;
          for (let r = 0; r < n; r++) s += shifted[r * d + i] * shifted[r * d + j];
          const cov = (s - n * mu[i] * mu[j]) / (n - 1);
          naiveErr = Math.max(naiveErr, Math.abs(cov - a.sigma[i * d + j]));
        }
      }
      naiveErr /= Math.max(...Array.from(a.sigma, Math.abs));
    }
    expect(naiveErr).toBeGreaterThan(1e-9);
  });

  it('merges disjoint halves into the statistics of the whole (1e-12 relative)', () => {
    const whole = momentsFromFeatures(features);
    for (const split of [1, 123, CHUNK_ROWS, 300]) {
      const left = new Moments(64).add(rows(features, 0, split));
      const right = new Moments(64).add(rows(features, split, features.rows));
      const merged = Moments.fromState(left.state()).merge(right).statistics();
      expect(merged.count).toBe(500);
      expect(maxRelDiff(merged.sigma, whole.sigma), `split at ${split}`).toBeLessThan(1e-12);
      expect(maxRelDiff(merged.mu, whole.mu)).toBeLessThan(1e-12);
    }
  });

  it('merging an empty accumulator changes nothing', () => {
    const a = new Moments(64).add(features);
    const before = a.statistics();
    a.merge(new Moments(64));
    expect(Array.from(a.statistics().sigma)).toEqual(Array.from(before.sigma));
  });

  it('refuses bad input with clear errors', () => {
    expect(() => new Moments(64).add(rows(features, 0, 1)).statistics()).toThrow(
      'Moments: a covariance needs at least 2 samples, got 1',
    );
    expect(() => new Moments(32).add(features)).toThrow(
      'Moments: batch has 64 features per row, the accumulator expects 32',
    );
    expect(() => new Moments(2).add({ data: new Float64Array([1, 2, NaN, 4]), rows: 2, cols: 2 })).toThrow(
      'Moments: non-finite value NaN in row 1 (feature 0); check the extractor output',
    );
    expect(() => new Moments(64).merge(new Moments(32))).toThrow('cannot merge statistics of dimension 32 into 64');
  });
});
