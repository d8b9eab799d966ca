import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { featureMatrixFromNpy, readNpyFile } from '../../src/io/npy.js';
import { readStatisticsFile } from '../../src/io/stats-file.js';
import { pivotedCholesky } from '../../src/linalg/cholesky.js';
import { frechetDistance, INDEFINITE_TOLERANCE } from '../../src/metrics/frechet.js';
import { momentsFromFeatures } from '../../src/stats/moments.js';
import { FIXTURES } from '../cli/run-cli.js';

/** Q·diag(λ)·Qᵀ for a fixed rotation Q of the first two axes by θ, identity elsewhere. */
function rotated(lambda: number[], theta: number): Float64Array {
  const n = lambda.length;
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  q[0] = Math.cos(theta);
  q[1] = -Math.sin(theta);
  q[n] = Math.sin(theta);
  q[n + 1] = Math.cos(theta);
  const s = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) s[i * n + j] += q[i * n + k] * lambda[k] * q[j * n + k];
  return s;
}

describe('covariances that are not positive semidefinite', () => {
  // Positive diagonal (1.75, 0.75, 1, 1) but an eigenvalue of −0.5: passes every entry-wise check.
  const bad = { mu: new Float64Array(4), sigma: rotated([2.5, -0.5, 1, 1], Math.PI / 6) };
  const good = { mu: Float64Array.from([1, 0, 0, 0]), sigma: rotated([2, 1, 0.5, 0.25], 0.3) };

  it('are refused in either argument order, naming the input and its real eigenvalue', () => {
    for (const diag of [0, 1, 2, 3]) expect(bad.sigma[diag * 5]).toBeGreaterThan(0);
    const labels = ['gen.npz', 'real.npz'] as const;
    expect(() => frechetDistance(bad, good, { labels: [...labels] })).toThrow(/^gen\.npz: sigma is not a covariance matrix: it has a negative eigenvalue -0\.5000 \(-2\.00e-1 of its largest, 2\.500\)/);
    expect(() => frechetDistance(good, bad, { labels: [...labels] })).toThrow(/^real\.npz: sigma is not a covariance matrix: it has a negative eigenvalue -0\.5000/);
    expect(() => frechetDistance(good, bad)).toThrow(/^sigma of the second statistics is not a covariance matrix/);
    // Also when the sample counts make the indefinite one the factorised side, and on both kernels.
    for (const kernel of ['auto', 'js'] as const) {
      expect(() => frechetDistance({ ...bad, count: 10 }, { ...good, count: 100 }, { kernel, labels: [...labels] })).toThrow(/^gen\.npz: sigma/);
      expect(() => frechetDistance({ ...good, count: 100 }, { ...bad, count: 10 }, { kernel, labels: [...labels] })).toThrow(/^real\.npz: sigma/);
    }
  });

  it('are refused also when singular otherwise (rank-deficient with one negative direction)', () => {
    const lowRank = { mu: new Float64Array(4), sigma: rotated([3, -1e-3, 0, 0], 0.4) };
    expect(() => frechetDistance(good, lowRank, { labels: ['a', 'b'] })).toThrow(/^b: sigma is not a covariance matrix: it has a negative eigenvalue -0\.001000/);
  });

  it('round-off-sized negative eigenvalues are accepted and reported with their size, not refused', () => {
    const tiny = { mu: new Float64Array(4), sigma: rotated([2, -1e-15, 1, 0.5], 0.2) };
    const r = frechetDistance(good, tiny);
    expect(r.value).toBeGreaterThan(0);
    expect(r.diagnostics.note).not.toMatch(/round-off level/);
  });
});

describe('honest covariances of the fixtures', () => {
  // Every mu/sigma file in fixtures/frechet, and the covariance fidkit computes from each feature
  // matrix there and from the rank-deficient 2048-d KID features (N = 200): the pivoted Cholesky's
  // negative-curvature bound stays at round-off, 1e4× and more inside INDEFINITE_TOLERANCE.
  // (Measured over all 47 fixture covariances, worst −8.8e-15 of the largest variance on
  // is_kid/kid_features3.npy; their true eigenvalues, by NumPy's eigvalsh, at worst −7.8e-16 of the largest.)
  it('have a negative-curvature bound ≥ −1e-13 of the largest variance', async () => {
    const dir = join(FIXTURES, 'frechet');
    const covs: { name: string; sigma: Float64Array; n: number }[] = [];
    for (const f of readdirSync(dir).sort()) {
      const p = join(dir, f);
      if (f.endsWith('.npz')) {
        const { stats } = await readStatisticsFile(p);
        covs.push({ name: f, sigma: stats.sigma, n: stats.mu.length });
      } else if (f.endsWith('.npy')) {
        const s = momentsFromFeatures(featureMatrixFromNpy(await readNpyFile(p), p));
        covs.push({ name: f, sigma: s.sigma, n: s.mu.length });
      }
    }
    const kid = join(FIXTURES, 'is_kid', 'kid_features3.npy');
    const k = momentsFromFeatures(featureMatrixFromNpy(await readNpyFile(kid), kid));
    covs.push({ name: 'kid_features3.npy', sigma: k.sigma, n: k.mu.length });
    expect(covs.length).toBeGreaterThanOrEqual(16);
    let worst = 0;
    for (const c of covs) {
      const ch = pivotedCholesky(Float64Array.from(c.sigma), c.n);
      worst = Math.min(worst, ch.residualMinEigenvalue / ch.maxDiagonal);
    }
    expect(worst).toBeLessThan(0); // the rank-deficient ones do show round-off
    expect(worst).toBeGreaterThan(-1e-13);
    expect(1e-13).toBeLessThan(INDEFINITE_TOLERANCE / 1e3);
  });
});
