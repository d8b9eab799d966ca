import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { featureMatrixFromNpy, readNpy } from '../../src/io/npy.js';
import { runGramSteps } from '../../src/linalg/gram-engine.js';
import { cmmd, cmmdAsync, cmmdSteps, planCmmd } from '../../src/metrics/cmmd.js';

// fixtures/cmmd: L2-normalised random 768-d float32 sets and the reference formula evaluated in
// float64 NumPy by scripts/make-cmmd-fixtures.py (provenance in expected.json).
const root = new URL('../../fixtures/cmmd/', import.meta.url);
const expected = JSON.parse(readFileSync(new URL('expected.json', root), 'utf8'));
const load = (rel: string) => featureMatrixFromNpy(readNpy(readFileSync(new URL(rel, root)), rel), rel);
const cases = Object.entries(expected.cases as Record<string, any>).map(([name, c]) => ({ name, c, x: load(c.files.x.file), y: load(c.files.y.file) }));
const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('cmmd', () => {
  it('has the fixture cases the script writes, with unequal N among them', () => {
    expect(cases.map((k) => k.name)).toEqual(['iid_100_100', 'shifted_150_97', 'near_80_80']);
    expect(cases[1].x.rows).toBe(150);
    expect(cases[1].y.rows).toBe(97);
    expect(cases[0].x.cols).toBe(768);
  });

  it.each(cases)('$name: the float64 NumPy value of the reference formula within 1e-9 relative', ({ c, x, y }) => {
    const r = cmmd(x, y);
    expect(rel(r.value, c.float64_exact.value)).toBeLessThanOrEqual(1e-9);
    // The three kernel means, diagonals included (V-statistic).
    expect(rel(r.meanKxx, c.means_float64_exact.kxx.value)).toBeLessThanOrEqual(1e-14);
    expect(rel(r.meanKyy, c.means_float64_exact.kyy.value)).toBeLessThanOrEqual(1e-14);
    expect(rel(r.meanKxy, c.means_float64_exact.kxy.value)).toBeLessThanOrEqual(1e-14);
    expect(r).toMatchObject({ sigma: 10, scale: 1000, counts: [x.rows, y.rows], dropped: [0, 0], dropLastBatch: null });
    // The literal float64 formula (np.mean(np.exp(…))) agrees too; the reference's float32 path is
    // ~1e-3 off (recorded in expected.json, not a target).
    expect(rel(r.value, c.float64_formula.value)).toBeLessThanOrEqual(1e-9);
  });

  it.each(cases)('$name: dropping the last partial batch of 32 keeps ⌊N/32⌋·32 rows, as google-research cmmd', ({ c, x, y }) => {
    const r = cmmd(x, y, { dropLastBatch: 32 });
    expect(r.counts).toEqual(c.drop_last_batch_32.rows);
    expect(r.dropped).toEqual([x.rows - c.drop_last_batch_32.rows[0], y.rows - c.drop_last_batch_32.rows[1]]);
    expect(r.dropLastBatch).toBe(32);
    expect(rel(r.value, c.drop_last_batch_32.float64_exact.value)).toBeLessThanOrEqual(1e-9);
  });

  it('does not depend on the tiling: odd tiles give the whole-matrix value to 1e-13', () => {
    const { x, y, c } = cases[1];
    const plan = planCmmd(x, y);
    const small = runGramSteps(cmmdSteps(plan, 7, 13));
    const one = runGramSteps(cmmdSteps(plan, 512, 512));
    expect(rel(small.value, one.value)).toBeLessThanOrEqual(1e-13);
    expect(rel(small.value, c.float64_exact.value)).toBeLessThanOrEqual(1e-9);
  });

  it('on ONNX Runtime\'s float64 GEMM and on WebAssembly: the same value within 1e-9 of NumPy', async () => {
    for (const { x, y, c } of cases) {
      for (const engine of ['onnx', 'wasm'] as const) {
        const r = await cmmdAsync(x, y, { engine, threads: 2 });
        expect(rel(r.value, c.float64_exact.value)).toBeLessThanOrEqual(1e-9);
      }
    }
  }, 30_000);

  it('is the formula by hand: one point each at distance 1 gives 1000·(2 − 2·e^(−1/200))', () => {
    const x = { data: Float64Array.of(0, 0), rows: 1, cols: 2 };
    const y = { data: Float64Array.of(0, 1), rows: 1, cols: 2 };
    expect(rel(cmmd(x, y).value, 1000 * (2 - 2 * Math.exp(-1 / 200)))).toBeLessThanOrEqual(1e-14);
    // σ = 1: exp(−1/2).
    expect(rel(cmmd(x, y, { sigma: 1 }).value, 1000 * (2 - 2 * Math.exp(-1 / 2)))).toBeLessThanOrEqual(1e-14);
    // Diagonals included: two copies of one point against another point still count k(x, x) = 1.
    const xx = { data: Float64Array.of(0, 0, 0, 0), rows: 2, cols: 2 };
    expect(rel(cmmd(xx, y).value, 1000 * (2 - 2 * Math.exp(-1 / 200)))).toBeLessThanOrEqual(1e-14);
    // Identical sets: exactly 0.
    expect(cmmd(cases[0].x, cases[0].x).value).toBe(0);
  });

  it('refuses different widths, a set emptied by the batch drop and non-finite values, naming the set', () => {
    const a = { data: new Float32Array(6), rows: 3, cols: 2 };
    const b = { data: new Float32Array(9), rows: 3, cols: 3 };
    expect(() => cmmd(a, b, { labels: ['gen.npy', 'real.npy'] })).toThrow(new InputError('CMMD: gen.npy has 2-d embeddings but real.npy has 3-d; both sets must come from the same extractor and layer'));
    expect(() => cmmd(a, a, { dropLastBatch: 32, labels: ['gen.npy', 'real.npy'] })).toThrow(
      new InputError('CMMD: gen.npy has 3 samples, fewer than one batch of 32 (the last partial batch is dropped)'),
    );
    const nan = { data: Float32Array.of(0, 0, 0, NaN), rows: 2, cols: 2 };
    expect(() => cmmd(a, nan, { labels: ['gen.npy', 'real.npy'] })).toThrow(new InputError('CMMD: real.npy has a non-finite value (NaN) at row 1, column 1 of 2×2'));
    expect(() => cmmd(a, a, { sigma: 0 })).toThrow(new InputError('CMMD: sigma must be a finite number > 0, got 0'));
  });
});
