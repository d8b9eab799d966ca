import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { readNpz } from '../../src/io/npz.js';
import { statisticsFromMembers } from '../../src/io/stats-file.js';
import {
  frechetDistance, PYTORCH_FID_EPS, pytorchFidOffsetPath, traceSqrtProduct, type FrechetSingularMode,
} from '../../src/metrics/frechet.js';
import type { FidStatistics } from '../../src/core/types.js';

const root = new URL('../../fixtures/frechet/', import.meta.url);
const expected = JSON.parse(readFileSync(new URL('expected.json', root), 'utf8'));
const load = (name: string): FidStatistics => statisticsFromMembers(readNpz(readFileSync(new URL(name, root)), name), name).stats;
const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
const pair = (c: string) => [load(`${c}_set1_stats.npz`), load(`${c}_set2_stats.npz`)] as const;

/**
 * Full rank: pytorch-fid's sqrtm and fidkit's Cholesky + symmetric eigenvalues agree to ~4e-15
 * (d64) and ~1e-15 (d512); 1e-9 is the bound and still catches any wrong term.
 */
const FULL_RANK_REL = 1e-9;
/**
 * Singular: fidkit matches `exact_from_samples_gram` to ~1e-14 on d256_singular and d96_dead_units.
 * On d64_eps_path the product has rank 48 but the Gram reference keeps min(D, N−1) = 64 eigenvalues,
 * 16 of them round-off (√ of ~1e-16 each), which puts it 1.7e-8 below fidkit: hence 1e-7 — the issue
 * allows 1e-4, the brief asks 1e-6.
 */
const EXACT_REL = 1e-7;
/** pytorch-fid's own value on singular products carries sqrtm noise: 2.2e-8 from exact on these cases. */
const PYTORCH_SINGULAR_REL = 1e-6;

const CASES = ['d64', 'd512', 'd256_singular', 'd96_dead_units', 'd64_eps_path'] as const;
const FULL_RANK = new Set(['d64', 'd512']);
const MODES: FrechetSingularMode[] = ['exact', 'pytorch-fid'];

describe('frechetDistance on fixtures/frechet (both singular modes on every case)', () => {
  for (const c of CASES) {
    const e = expected.cases[c];
    const [a, b] = pair(c);
    for (const mode of MODES) {
      it(`${c}, singular '${mode}'`, () => {
        const r = frechetDistance(a, b, { singular: mode });
        const d = r.diagnostics;
        expect(d.singular).toBe(mode);
        expect(d.dimension).toBe(e.D);
        // Components are plain sums: as exact as numpy's.
        expect(rel(r.components.meanTerm, e.components.diff_dot_diff.value)).toBeLessThan(1e-13);
        expect(rel(r.components.traceA, e.components.trace_sigma1.value)).toBeLessThan(1e-13);
        expect(rel(r.components.traceB, e.components.trace_sigma2.value)).toBeLessThan(1e-13);
        expect(d.pytorchFidWouldOffset).toBe(e.pytorch_fid.singular_product_warning_printed);
        expect(d.rankA).toBe(d.offsetApplied ? e.D : e.rank_sigma1);
        expect(d.note.length).toBeGreaterThan(20);
        if (FULL_RANK.has(c)) {
          expect(rel(r.value, e.pytorch_fid.returned.value)).toBeLessThanOrEqual(FULL_RANK_REL);
          expect(rel(r.value, e.scipy_direct.fid.value)).toBeLessThanOrEqual(FULL_RANK_REL);
          expect(d.offsetApplied).toBe(false);
          expect(d.productRank).toBe(e.D);
          expect(d.negativeEigenvalues).toBe(0);
          expect(rel(d.minEigenvalue, e.eigen_variants.min_eig_product_real)).toBeLessThan(1e-9);
        } else if (mode === 'pytorch-fid' && e.pytorch_fid.singular_product_warning_printed) {
          // pytorch-fid's fallback: sqrtm((Σ₁ + εI)(Σ₂ + εI)) with the original traces.
          expect(d.offsetApplied).toBe(true);
          expect(d.offset).toBe(PYTORCH_FID_EPS);
          expect(rel(r.value, e.pytorch_fid.returned.value)).toBeLessThanOrEqual(FULL_RANK_REL);
          expect(rel(r.value, e['with_eps_1e-6_added_always_eigh'].value)).toBeLessThanOrEqual(FULL_RANK_REL);
          expect(d.note).toMatch(/singular product/);
        } else {
          expect(d.offsetApplied).toBe(false);
          expect(d.offset).toBe(0);
          expect(rel(r.value, e.exact_from_samples_gram.value)).toBeLessThanOrEqual(EXACT_REL);
          if (!e.pytorch_fid.singular_product_warning_printed) {
            expect(rel(r.value, e.pytorch_fid.returned.value)).toBeLessThanOrEqual(PYTORCH_SINGULAR_REL);
          } else {
            // Exact mode where pytorch-fid falls back: the difference is the offset's (5.6e-4 here), and the note says so.
            expect(rel(r.value, e.pytorch_fid.returned.value)).toBeGreaterThan(1e-4);
            expect(d.note).toMatch(/pytorch-fid \(SciPy before 1.16\) would add 1e-6·I/);
          }
          // The product's rank: min(rank Σ₁, rank Σ₂) generically, less the directions one set lacks.
          expect(d.productRank).toBeLessThanOrEqual(Math.min(e.rank_sigma1, e.rank_sigma2));
        }
      });
    }
  }

  it('d64_eps_path exact: the 8 round-off eigenvalues (Σ₂ constant on 8 of Σ₁\'s directions) count as 0', () => {
    const [a, b] = pair('d64_eps_path');
    const r = frechetDistance(a, b);
    expect(r.diagnostics.productRank).toBe(48);
    expect(r.diagnostics.roundoffEigenvalues).toBe(8);
    // numpy's eig of the product finds those zeros exactly (zero rows), so its Σ√λ has no noise either.
    expect(rel(r.value, expected.cases.d64_eps_path.eigen_variants.fid_eigvals_product.value)).toBeLessThan(1e-9);
  });

  it('the JS and WebAssembly kernels agree to round-off on every case', () => {
    for (const c of CASES) {
      const [a, b] = pair(c);
      const auto = frechetDistance(a, b);
      const js = frechetDistance(a, b, { kernel: 'js' });
      expect(auto.diagnostics.kernel).toBe('wasm-simd');
      expect(js.diagnostics.kernel).toBe('js');
      expect(rel(auto.value, js.value)).toBeLessThan(1e-12);
    }
  });

  it('two threads give the single-thread value (d512, forced: the default starts at D = 1024)', () => {
    const [a, b] = pair('d512');
    const two = frechetDistance(a, b, { threads: 2 });
    const one = frechetDistance(a, b, { threads: 1 });
    expect(two.diagnostics.threads).toBe(2);
    expect(one.diagnostics.threads).toBe(1);
    expect(rel(two.value, one.value)).toBeLessThan(1e-13);
    expect(rel(two.value, expected.cases.d512.pytorch_fid.returned.value)).toBeLessThanOrEqual(FULL_RANK_REL);
    expect(() => frechetDistance(a, b, { threads: 3 })).toThrow(/threads must be 1 or 2/);
  });

  it('is symmetric in its arguments', () => {
    for (const c of CASES) {
      const [a, b] = pair(c);
      const tol = FULL_RANK.has(c) ? 1e-12 : 1e-9;
      expect(rel(frechetDistance(b, a).value, frechetDistance(a, b).value)).toBeLessThan(tol);
    }
  });

  it('self-distance is 0, never negative (pytorch-fid gives −3.9e-14 on d64 set 1)', () => {
    const [a] = pair('d64');
    for (const mode of MODES) {
      const r = frechetDistance(a, a, { singular: mode });
      expect(r.value).toBeGreaterThanOrEqual(0);
      expect(r.value).toBeLessThan(1e-12);
      expect(Math.abs(r.diagnostics.rawValue)).toBeLessThan(1e-12);
      expect(r.diagnostics.clampedToZero).toBe(r.diagnostics.rawValue < 0);
      expect(Math.abs(r.diagnostics.rawValue - expected.self_distance_d64_set1.returned.value)).toBeLessThan(1e-12);
    }
    const [s] = pair('d256_singular');
    const r = frechetDistance(s, s);
    expect(r.value).toBeGreaterThanOrEqual(0);
    expect(r.value).toBeLessThan(1e-10);
  });

  it('factorises the covariance of fewer samples when counts are known, with the same value', () => {
    const [a, b] = pair('d256_singular');
    const plain = frechetDistance(a, b).value;
    const r = frechetDistance({ ...a, count: 5000 }, { ...b, count: 200 });
    expect(r.diagnostics.rankB).toBe(199);
    expect(r.diagnostics.rankA).toBeNull();
    expect(rel(r.value, plain)).toBeLessThan(1e-9);
  });

  it('eps option: pytorch-fid mode with another offset moves the value accordingly', () => {
    const [a, b] = pair('d64_eps_path');
    const r6 = frechetDistance(a, b, { singular: 'pytorch-fid' });
    const r8 = frechetDistance(a, b, { singular: 'pytorch-fid', eps: 1e-8 });
    const exact = frechetDistance(a, b).value;
    expect(r8.diagnostics.offset).toBe(1e-8);
    // The offset's effect grows like √eps: a smaller eps lands closer to the exact value.
    expect(Math.abs(r8.value - exact)).toBeLessThan(Math.abs(r6.value - exact) / 5);
  });
});

describe('traceSqrtProduct', () => {
  it('diagonal matrices: Σ √(aᵢ·bᵢ), zeros included, either side factorised', () => {
    const a = [4, 0, 1, 9, 0.25, 0];
    const b = [1, 7, 0, 4, 1, 0];
    const n = a.length;
    const sa = new Float64Array(n * n);
    const sb = new Float64Array(n * n);
    a.forEach((v, i) => (sa[i * n + i] = v));
    b.forEach((v, i) => (sb[i * n + i] = v));
    const want = a.reduce((s, v, i) => s + Math.sqrt(v * b[i]), 0); // 2 + 0 + 0 + 6 + 0.5 + 0
    for (const f of ['a', 'b'] as const) {
      const t = traceSqrtProduct(sa, sb, n, { factor: f });
      expect(t.trace).toBeCloseTo(want, 14);
      expect(t.productRank).toBe(3);
      expect(t.rankFactorised).toBe(4);
      expect(t.factorised).toBe(f);
      expect(t.roundoffEigenvalues).toBe(1); // the direction where one is 0 and the other is not
    }
  });

  it('rotated full-rank pair against the closed form √(Σ₁Σ₂) = Σ when Σ₁ = Σ₂ = Σ: tr Σ', () => {
    const n = 7;
    const s = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s[i * n + j] = 1 / (i + j + 1) + (i === j ? 1 : 0);
    const tr = Array.from({ length: n }, (_, i) => s[i * n + i]).reduce((x, y) => x + y);
    for (const kernel of ['auto', 'js'] as const) expect(rel(traceSqrtProduct(s, s, n, { kernel }).trace, tr)).toBeLessThan(1e-14);
    // The offset: tr √((Σ + εI)²) = tr Σ + nε.
    expect(rel(traceSqrtProduct(s, s, n, { offset: 1e-3 }).trace, tr + n * 1e-3)).toBeLessThan(1e-14);
  });
});

describe('pytorchFidOffsetPath (when SciPy < 1.16 sqrtm fails)', () => {
  it('fires only for dimensions constant in one set but not the other', () => {
    for (const c of CASES) {
      const [a, b] = pair(c);
      const p = pytorchFidOffsetPath(a.sigma, b.sigma, a.mu.length);
      expect(p.takesOffset).toBe(expected.cases[c].pytorch_fid.singular_product_warning_printed);
    }
    const [a, b] = pair('d64_eps_path');
    const p = pytorchFidOffsetPath(a.sigma, b.sigma, 64);
    expect(p.onlyA).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(p.onlyB).toEqual([8, 9, 10, 11, 12, 13, 14, 15]);
  });
});

describe('input validation', () => {
  const [a, b] = pair('d64');
  const [c] = pair('d96_dead_units');
  const expectInputError = (f: () => unknown, re: RegExp) => {
    let caught: unknown;
    try {
      f();
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InputError);
    expect((caught as Error).message).toMatch(re);
  };

  it('mismatched dimensions name both shapes', () => {
    expectInputError(() => frechetDistance(a, c), /different feature dimensions, 64 and 96.*mu \[64\].*mu \[96\]/);
  });
  it('sigma that is not D×D', () => {
    expectInputError(
      () => frechetDistance(a, { mu: b.mu, sigma: b.sigma.subarray(0, 64 * 63) }),
      /sigma of the second statistics has 4032 values, expected 64×64 = 4096/,
    );
  });
  it('non-finite values in mu and sigma', () => {
    const mu = Float64Array.from(a.mu);
    mu[5] = NaN;
    expectInputError(() => frechetDistance({ mu, sigma: a.sigma }, b), /mu of the first statistics has a non-finite value NaN at index 5/);
    const sigma = Float64Array.from(b.sigma);
    sigma[3 * 64 + 2] = Infinity;
    expectInputError(() => frechetDistance(a, { mu: b.mu, sigma }), /sigma of the second statistics has a non-finite value Infinity at \[3, 2\]/);
  });
  it('asymmetric sigma beyond round-off (but not round-off itself)', () => {
    const sigma = Float64Array.from(a.sigma);
    sigma[10 * 64 + 3] += 1e-3;
    expectInputError(() => frechetDistance({ mu: a.mu, sigma }, b), /not symmetric: \[10, 3\].*beyond round-off/);
    const tiny = Float64Array.from(a.sigma);
    tiny[10 * 64 + 3] *= 1 + 1e-14;
    expect(rel(frechetDistance({ mu: a.mu, sigma: tiny }, b).value, frechetDistance(a, b).value)).toBeLessThan(1e-12);
  });
  it('negative variance', () => {
    const sigma = Float64Array.from(a.sigma);
    sigma[7 * 64 + 7] = -1;
    expectInputError(() => frechetDistance({ mu: a.mu, sigma }, b), /negative variance -1 at \[7, 7\]/);
  });
  it('dimension 0', () => {
    const empty = { mu: new Float64Array(0), sigma: new Float64Array(0) };
    expectInputError(() => frechetDistance(empty, empty), /0-dimensional/);
  });
  it('unknown mode and bad eps', () => {
    expectInputError(() => frechetDistance(a, b, { singular: 'scipy' as FrechetSingularMode }), /unknown singular mode 'scipy'/);
    expectInputError(() => frechetDistance(a, b, { eps: -1 }), /eps must be/);
  });
});
