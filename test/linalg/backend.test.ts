import { describe, expect, it } from 'vitest';
import { createWasmBackend, JS_BACKEND, paddedLd, paddedRows, type LinalgBackend } from '../../src/linalg/backend.js';
import { pivotedCholesky } from '../../src/linalg/cholesky.js';
import { congruenceByFactor } from '../../src/linalg/congruence.js';
import { createParallelWasmBackend } from '../../src/linalg/parallel.js';
import { symmetricEigenvalues } from '../../src/linalg/tridiagonal.js';
import { uniform } from './random-matrices.js';

const wasm = createWasmBackend(1 << 22);

/** Node 20 has WebAssembly SIMD on x86-64 and arm64: the fast path must not silently vanish. */
it('the WebAssembly SIMD backend is available', () => {
  expect(wasm).not.toBeNull();
  expect(createWasmBackend(2 ** 40)).toBeNull(); // beyond wasm32's 4 GiB: callers fall back to JS
});

/** Copies `src` (n×n, ld n) into a padded array from the backend. */
function padded(be: LinalgBackend, src: Float64Array, n: number): { a: Float64Array; ld: number } {
  const ld = paddedLd(n);
  const a = be.alloc(paddedRows(n) * ld);
  for (let i = 0; i < n; i++) a.set(src.subarray(i * n, i * n + n), i * ld);
  return { a, ld };
}

describe.runIf(wasm !== null)('WebAssembly SIMD backend against the JS one', () => {
  const be = wasm as LinalgBackend;

  it('gemmAdd: full and lower-only, odd sizes, k blocks, offsets', () => {
    for (const [m, n, k] of [[1, 1, 2], [5, 7, 6], [130, 131, 600], [9, 3, 258]]) {
      const ld = paddedLd(Math.max(k, m, n));
      const a = be.alloc(paddedRows(m) * ld), b = be.alloc(paddedRows(n) * ld);
      a.set(uniform(m * ld, m)); b.set(uniform(n * ld, n));
      for (const lower of [false, true]) {
        if (lower && m !== n) continue;
        const ldc = paddedLd(n);
        const c = be.alloc(paddedRows(m) * ldc), want = new Float64Array(paddedRows(m) * ldc);
        c.set(uniform(m * ldc, 7)); want.set(c);
        be.gemmAdd(m, n, k, a, 0, b, 0, ld, c, 0, ldc, lower);
        JS_BACKEND.gemmAdd(m, n, k, a, 0, b, 0, ld, want, 0, ldc, lower);
        let worst = 0;
        for (let i = 0; i < m; i++) for (let j = 0; j < (lower ? i + 1 : n); j++) worst = Math.max(worst, Math.abs(c[i * ldc + j] - want[i * ldc + j]));
        expect(worst).toBeLessThan(1e-12 * k);
      }
    }
  });

  it('symvLower: odd and even starts, sizes around the 4-row blocks', () => {
    for (const [s, n] of [[0, 1], [0, 5], [1, 9], [3, 64], [6, 131], [0, 300]]) {
      const src = uniform(n * n, n + s);
      const { a, ld } = padded(be, src, n);
      const v = be.alloc(n), y = be.alloc(n);
      v.set(uniform(n, 3));
      y.fill(5);
      be.symvLower(a, ld, s, n, v, y);
      const want = new Float64Array(n).fill(5);
      JS_BACKEND.symvLower(src, n, s, n, v, want);
      let worst = 0;
      for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(y[i] - want[i]));
      expect(worst).toBeLessThan(1e-13 * n);
    }
  });

  it('panelDots and panelAxpy: two column blocks side by side, even lengths, offsets', () => {
    const ld = 20, seg = 10, rows = 13;
    const x = be.alloc((rows + 2) * ld);
    x.set(uniform((rows + 2) * ld, 31));
    for (const len of [0, 2, 4, 10]) {
      const u = be.alloc(2 * seg), out = be.alloc(rows + 4), want = new Float64Array(rows + 4);
      u.set(uniform(2 * seg, 32));
      be.panelDots(x, 2 * ld, ld, seg, len, u, out, 2, rows);
      JS_BACKEND.panelDots(x, 2 * ld, ld, seg, len, u, want, 2, rows);
      for (let r = 0; r < rows + 4; r++) expect(Math.abs(out[r] - want[r])).toBeLessThan(1e-14);
      const v = be.alloc(rows + 2);
      v.set(uniform(rows + 2, 33));
      const acc = be.alloc(2 * seg), accWant = new Float64Array(2 * seg);
      acc.fill(1);
      accWant.fill(1);
      be.panelAxpy(x, 2 * ld, ld, seg, len, v, 2, acc, rows);
      JS_BACKEND.panelAxpy(x, 2 * ld, ld, seg, len, v, 2, accWant, rows);
      for (let q = 0; q < 2 * seg; q++) expect(Math.abs(acc[q] - accWant[q])).toBeLessThan(1e-14);
    }
  });

  it('Cholesky → congruence → eigenvalues give the JS results to round-off', () => {
    for (const [n, rank] of [[101, 101], [150, 70]]) {
      const bm = uniform(n * rank, 21);
      const s1 = new Float64Array(n * n);
      JS_BACKEND.gemmAdd(n, n, rank, bm, 0, bm, 0, rank, s1, 0, n, false);
      const s2 = new Float64Array(n * n);
      const cm = uniform(n * n, 22);
      JS_BACKEND.gemmAdd(n, n, n, cm, 0, cm, 0, n, s2, 0, n, false);
      const results = [be, JS_BACKEND].map((backend) => {
        const { a, ld } = padded(backend, s1, n);
        const ch = pivotedCholesky(a, n, { ld, backend });
        const m = congruenceByFactor(a, ld, n, ch.rank, ch.perm, s2, backend);
        return { rank: ch.rank, eig: symmetricEigenvalues(m.m, ch.rank, { ld: m.ld, backend }) };
      });
      expect(results[0].rank).toBe(rank);
      expect(results[1].rank).toBe(rank);
      const top = Math.abs(results[1].eig[rank - 1]);
      for (let i = 0; i < rank; i++) expect(Math.abs(results[0].eig[i] - results[1].eig[i])).toBeLessThan(1e-12 * top);
    }
  });
});

describe('two-thread WebAssembly backend (worker on a shared memory)', () => {
  it('splits products and symv between the threads with the single-thread results', () => {
    const be = createParallelWasmBackend(1 << 21);
    expect(be).not.toBeNull();
    if (be === null) return;
    try {
      expect(be.threads).toBe(2);
      // Big enough to be split (≥ 2²¹ multiply-adds, ≥ 256 symv rows), odd sizes.
      // Row split (lower-only and tall), column split (short and wide).
      for (const [lower, m, n, k] of [[false, 151, 137, 130], [true, 151, 151, 130], [false, 48, 501, 100]] as const) {
        const ld = paddedLd(160);
        const a = be.alloc(paddedRows(m) * ld), b = be.alloc(paddedRows(n) * ld);
        a.set(uniform(m * ld, 41)); b.set(uniform(n * ld, 42));
        const ldc = paddedLd(n);
        const c = be.alloc(paddedRows(m) * ldc), want = new Float64Array(paddedRows(m) * ldc);
        be.gemmAdd(m, n, k, a, 0, b, 0, ld, c, 0, ldc, lower);
        JS_BACKEND.gemmAdd(m, n, k, a, 0, b, 0, ld, want, 0, ldc, lower);
        let worst = 0;
        for (let i = 0; i < m; i++) for (let j = 0; j < (lower ? i + 1 : n); j++) worst = Math.max(worst, Math.abs(c[i * ldc + j] - want[i * ldc + j]));
        expect(worst).toBeLessThan(1e-12 * k);
      }
      for (const [s, n] of [[0, 300], [3, 301]]) {
        const src = uniform(n * n, 43);
        const { a, ld } = padded(be, src, n);
        const v = be.alloc(n), y = be.alloc(n);
        v.set(uniform(n, 44));
        be.symvLower(a, ld, s, n, v, y);
        const want = new Float64Array(n);
        JS_BACKEND.symvLower(src, n, s, n, v, want);
        let worst = 0;
        for (let i = s; i < n; i++) worst = Math.max(worst, Math.abs(y[i] - want[i]));
        expect(worst).toBeLessThan(1e-13 * n);
      }
    } finally {
      be.close();
    }
    expect(() => be.gemmAdd(200, 200, 200, be.alloc(4), 0, be.alloc(4), 0, 2, be.alloc(4), 0, 2, false)).toThrow(/after close/);
  });
});
