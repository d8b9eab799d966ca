import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { featureMatrixFromNpy, readNpy } from '../../src/io/npy.js';
import { jsGramBlock, knnSquaredRadiiSteps, runGramStepsAsync } from '../../src/linalg/knn.js';
import { openGramEngine } from '../../src/linalg/gram-engine.js';
import {
  KEY_METRIC_COVERAGE, KEY_METRIC_DENSITY, KEY_METRIC_F_SCORE, KEY_METRIC_PRECISION, KEY_METRIC_RECALL, PRDC_DEFAULTS,
  countManifolds, countManifoldsAsync, densityCoverage, fScore, precisionRecall, prdc,
  type ManifoldCounts, type ManifoldSets, type ManifoldSetting, type Membership, type PrdcProgress,
} from '../../src/metrics/prdc.js';
import type { FeatureMatrix } from '../../src/core/types.js';

const root = new URL('../../fixtures/', import.meta.url);
const expected = JSON.parse(readFileSync(new URL('prdc/expected.json', root), 'utf8'));
const loadMatrix = (rel: string) => featureMatrixFromNpy(readNpy(readFileSync(new URL(rel, root)), rel), rel);

const CASES = ['a_gauss_d64', 'b_modedrop_d16', 'c_tiny_d3', 'd_ties_dups_d2'] as const;
const SETS: Record<string, ManifoldSets> = Object.fromEntries(
  CASES.map((c) => [c, { generated: loadMatrix(`prdc/${c}_fake.npy`), real: loadMatrix(`prdc/${c}_real.npy`) }]),
);
const ALL_SETTINGS: ManifoldSetting[] = [
  { k: 3, membership: 'lt' }, { k: 5, membership: 'lt' }, { k: 3, membership: 'le' }, { k: 5, membership: 'le' },
];
/** Stored values are exact float64s written as Python repr; `Number(repr)` gives the same double. */
const exact = (v: { repr: string }) => Number(v.repr);
const numerators = (c: ManifoldCounts) => ({ precision: c.precision, recall: c.recall, density: c.density, coverage: c.coverage });
const pick = (all: ManifoldCounts[], k: number, membership: Membership) => all.find((c) => c.k === k && c.membership === membership)!;

// One pass per fixture case for all four settings; the wrappers are checked against these below.
const COUNTS: Record<string, ManifoldCounts[]> = Object.fromEntries(
  CASES.map((c) => [c, countManifolds(SETS[c], ALL_SETTINGS).counts]),
);

describe('fixtures/prdc: counts exactly, values bit for bit', () => {
  for (const name of CASES) {
    const results = expected.cases[name].results;
    for (const k of [3, 5]) {
      it(`${name} k=${k}: 'lt' equals clovaai prdc (counts and every bit of the values)`, () => {
        const counts = pick(COUNTS[name], k, 'lt');
        const ref = results.clovaai_prdc[`k${k}`];
        expect(numerators(counts)).toEqual(ref.numerators);
        expect(numerators(counts)).toEqual(results.float64_check.strict_lt[`k${k}`].numerators);
        const r = prdc(SETS[name], { k, membership: 'lt' });
        expect(r.counts).toEqual(counts);
        // clovaai: count/N for three shares, density = (1/k)·(count/M): compared with Object.is.
        expect(r.precision).toBe(exact(ref.precision));
        expect(r.recall).toBe(exact(ref.recall));
        expect(r.density).toBe(exact(ref.density));
        expect(r.coverage).toBe(exact(ref.coverage));
      });

      it(`${name} k=${k}: 'le' equals torch-fidelity and kynkaat (counts; values exact vs kynkaat, ≤ 1e-7 vs torch)`, () => {
        const counts = pick(COUNTS[name], k, 'le');
        expect(numerators(counts)).toEqual(results.float64_check.nonstrict_le[`k${k}`].numerators);
        const pr = precisionRecall(SETS[name], { k });
        expect(pr.membership).toBe('le');
        expect(pr.counts).toEqual({ precision: counts.precision, recall: counts.recall, numGenerated: counts.numGenerated, numReal: counts.numReal });
        for (const ref of [results.torch_fidelity[`k${k}`], results.kynkaat_original_code[`k${k}`]]) {
          expect({ precision: counts.precision, recall: counts.recall }).toEqual(ref.numerators);
        }
        const kyn = results.kynkaat_original_code[`k${k}`];
        expect(pr.precision).toBe(exact(kyn.precision));
        expect(pr.recall).toBe(exact(kyn.recall));
        // torch-fidelity rounds P and R to float32 (relative 6e-8), so 1e-7 absolute on values in [0, 1].
        const torch = results.torch_fidelity[`k${k}`];
        expect(Math.abs(pr.precision - exact(torch.precision))).toBeLessThanOrEqual(1e-7);
        expect(Math.abs(pr.recall - exact(torch.recall))).toBeLessThanOrEqual(1e-7);
        // F = 2PR/max(1e-5, P+R): from torch's own float32 P and R it reproduces torch's F bit for bit,
        // and ours (from exact P, R) is within |∂F/∂P|+|∂F/∂R| ≤ 2 times that rounding.
        const f32 = (count: number, of: number) => Math.fround(Math.fround(count) / Math.fround(of));
        expect(fScore(f32(counts.precision, counts.numGenerated), f32(counts.recall, counts.numReal))).toBe(exact(torch.f_score));
        expect(Math.abs(pr.fScore - exact(torch.f_score))).toBeLessThanOrEqual(2e-7);
      });

      it(`${name} k=${k}: density/coverage with 'le' equal the README's float64 '≤' numbers`, () => {
        const dc = densityCoverage(SETS[name], { k, membership: 'le' });
        const ref = results.float64_check.nonstrict_le[`k${k}`];
        expect({ density: dc.counts.density, coverage: dc.counts.coverage })
          .toEqual({ density: ref.numerators.density, coverage: ref.numerators.coverage });
        expect(dc.density).toBe((1 / k) * (ref.numerators.density / dc.counts.numGenerated));
      });
    }
  }

  it("case d: the '≤' implementation fails clovaai's numbers and the '<' one fails torch-fidelity's", () => {
    const results = expected.cases.d_ties_dups_d2.results;
    for (const k of [3, 5]) {
      const le = numerators(pick(COUNTS.d_ties_dups_d2, k, 'le'));
      const lt = numerators(pick(COUNTS.d_ties_dups_d2, k, 'lt'));
      const clovaai = results.clovaai_prdc[`k${k}`].numerators;
      const torch = results.torch_fidelity[`k${k}`].numerators;
      // Every one of the four differs (the case was chosen so), in both directions.
      for (const key of ['precision', 'recall', 'density', 'coverage'] as const) expect(le[key]).not.toBe(clovaai[key]);
      expect(lt.precision).not.toBe(torch.precision);
      expect(lt.recall).not.toBe(torch.recall);
    }
    // The README's table: k=3 precision 8/10 with '<', 10/10 with '≤'; recall 7/12 vs 9/12.
    expect(pick(COUNTS.d_ties_dups_d2, 3, 'lt').precision).toBe(8);
    expect(pick(COUNTS.d_ties_dups_d2, 3, 'le').precision).toBe(10);
  });

  it('the defaults are the references\': precision/recall k=3 with ≤, density/coverage and prdc k=5 with <', () => {
    expect(PRDC_DEFAULTS).toEqual({ precisionRecall: { k: 3, membership: 'le' }, densityCoverage: { k: 5, membership: 'lt' } });
    const sets = SETS.d_ties_dups_d2;
    const pr = precisionRecall(sets);
    expect([pr.k, pr.membership, pr.counts.precision, pr.counts.recall]).toEqual([3, 'le', 10, 9]);
    const dc = densityCoverage(sets);
    expect([dc.k, dc.membership, dc.counts.density, dc.counts.coverage]).toEqual([5, 'lt', 36, 11]);
    const all = prdc(sets);
    expect([all.k, all.membership]).toEqual([5, 'lt']);
    expect([KEY_METRIC_PRECISION, KEY_METRIC_RECALL, KEY_METRIC_F_SCORE, KEY_METRIC_DENSITY, KEY_METRIC_COVERAGE])
      .toEqual(['precision', 'recall', 'f_score', 'density', 'coverage']);
  });

  it('F-score is 2PR/max(1e-5, P+R)', () => {
    expect(fScore(0.5, 0.25)).toBe((2 * 0.5 * 0.25) / 0.75);
    expect(fScore(0, 0)).toBe(0);
    expect(fScore(2e-6, 2e-6)).toBe((2 * 2e-6 * 2e-6) / 1e-5);
  });
});

describe('which set is real', () => {
  it('mode dropping (case b): precision is high and recall low; swapping the sets swaps them', () => {
    const { generated, real } = SETS.b_modedrop_d16;
    const straight = pick(COUNTS.b_modedrop_d16, 3, 'le');
    // The generated set covers 5 of the 10 real modes: its samples are realistic (precision 0.795)
    // but cover only part of the real distribution (recall 0.383).
    expect([straight.precision, straight.recall]).toEqual([795, 383]);
    const swapped = precisionRecall({ generated: real, real: generated }, { k: 3 });
    expect([swapped.counts.precision, swapped.counts.recall]).toEqual([383, 795]);
  });

  it('refuses positional or misnamed sets instead of guessing', () => {
    const { generated, real } = SETS.c_tiny_d3;
    expect(() => precisionRecall([generated, real] as unknown as ManifoldSets)).toThrow(
      new InputError('precision/recall: pass the sets by name, { generated, real }'),
    );
    expect(() => precisionRecall({ fake: generated, real } as unknown as ManifoldSets)).toThrow(
      new InputError("precision/recall: unknown key 'fake'; pass the sets as { generated, real } (generated = fake samples)"),
    );
    expect(() => precisionRecall({ real } as unknown as ManifoldSets)).toThrow(
      new InputError("precision/recall: missing the 'generated' feature matrix; pass the sets as { generated, real }"),
    );
  });
});

/** Small deterministic generator (Park–Miller), so the tests need no seed library. */
function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 48271) % 2147483647;
    return s / 2147483647;
  };
}

/** Integer points on a small grid: many exact duplicates and ties. */
function gridPoints(rand: () => number, count: number, dims: number, side: number): number[][] {
  return Array.from({ length: count }, () => Array.from({ length: dims }, () => Math.floor(rand() * side)));
}

function toMatrix(points: number[][], offset = 0, type: 'f32' | 'f64' = 'f64'): FeatureMatrix {
  const cols = points[0].length;
  const data = type === 'f32' ? new Float32Array(points.length * cols) : new Float64Array(points.length * cols);
  points.forEach((p, i) => p.forEach((v, k) => { data[i * cols + k] = v + offset; }));
  return { data, rows: points.length, cols };
}

/** Brute force straight from the definitions, on exact integer squared distances. */
function naiveCounts(real: number[][], generated: number[][], k: number, membership: Membership) {
  const d2 = (a: number[], b: number[]) => a.reduce((s, v, t) => s + (v - b[t]) ** 2, 0);
  const radii = (set: number[][]) => set.map((p) => set.map((q) => d2(p, q)).sort((a, b) => a - b)[k]);
  const inside = (d: number, r: number) => (membership === 'lt' ? d < r : d <= r);
  const rReal = radii(real), rGen = radii(generated);
  return {
    precision: generated.filter((y) => real.some((x, i) => inside(d2(x, y), rReal[i]))).length,
    recall: real.filter((x) => generated.some((y, j) => inside(d2(x, y), rGen[j]))).length,
    density: generated.reduce((s, y) => s + real.filter((x, i) => inside(d2(x, y), rReal[i])).length, 0),
    // Coverage through the nearest generated point, as clovaai writes it.
    coverage: real.filter((x, i) => inside(Math.min(...generated.map((y) => d2(x, y))), rReal[i])).length,
  };
}

/** What the plain Gram expansion ‖x‖²+‖y‖²−2⟨x,y⟩ (no exact fallback) would count. */
function expansionCounts(real: FeatureMatrix, generated: FeatureMatrix, k: number, membership: Membership) {
  const row = (m: FeatureMatrix, i: number) => Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols));
  const dot = (a: number[], b: number[]) => a.reduce((s, v, t) => s + v * b[t], 0);
  const d2 = (a: number[], b: number[]) => Math.max(dot(a, a) + dot(b, b) - 2 * dot(a, b), 0);
  const xs = Array.from({ length: real.rows }, (_, i) => row(real, i));
  const ys = Array.from({ length: generated.rows }, (_, i) => row(generated, i));
  const radii = (set: number[][]) => set.map((p) => set.map((q) => d2(p, q)).sort((a, b) => a - b)[k]);
  const inside = (d: number, r: number) => (membership === 'lt' ? d < r : d <= r);
  const rReal = radii(xs);
  return { precision: ys.filter((y) => xs.some((x, i) => inside(d2(x, y), rReal[i]))).length };
}

describe('exactness on ties, duplicates and large offsets (brute force on integer grids)', () => {
  // Coordinates on a 4-point grid: ~1/3 of the rows are duplicates and most distances tie a radius,
  // so '<' and '≤' differ and any rounding in a distance would flip a count.
  const configs = [
    { seed: 1, nReal: 40, nGen: 30, dims: 2, side: 4 },
    { seed: 2, nReal: 25, nGen: 45, dims: 3, side: 3 },
    { seed: 3, nReal: 60, nGen: 60, dims: 5, side: 2 },
  ];
  for (const { seed, nReal, nGen, dims, side } of configs) {
    it(`seed ${seed}: ${nReal} real × ${nGen} generated, D=${dims}, offsets 0 and 2^27, k = 1, 2, 3, 5, 8`, () => {
      const rand = lcg(seed);
      const real = gridPoints(rand, nReal, dims, side);
      const generated = gridPoints(rand, nGen, dims, side);
      const settings: ManifoldSetting[] = [1, 2, 3, 5, 8].flatMap((k) => [{ k, membership: 'lt' as const }, { k, membership: 'le' as const }]);
      const want = settings.map((s) => naiveCounts(real, generated, s.k, s.membership));
      // Offset 2^27: coordinates stay exact integers, but ‖x‖² ≈ D·2^54 carries rounding of ±8 and more,
      // larger than every distance here; only the exact fallback gets these right.
      for (const offset of [0, 2 ** 27]) {
        const sets = { generated: toMatrix(generated, offset), real: toMatrix(real, offset) };
        const got = countManifolds(sets, settings, { blockSize: 16 });
        expect(got.counts.map(numerators)).toEqual(want);
        if (offset > 0) expect(got.diagnostics.nearRadiusPairs).toBeGreaterThan(0);
      }
    });
  }

  it('the large-offset check can fail: the plain expansion miscounts there', () => {
    const rand = lcg(1);
    const real = gridPoints(rand, 40, 2, 4);
    const generated = gridPoints(rand, 30, 2, 4);
    const offset = 2 ** 27;
    const want = naiveCounts(real, generated, 3, 'lt').precision;
    expect(expansionCounts(toMatrix(real), toMatrix(generated), 3, 'lt').precision).toBe(want);
    expect(expansionCounts(toMatrix(real, offset), toMatrix(generated, offset), 3, 'lt').precision).not.toBe(want);
  });

  it('a radius tied by more neighbours than the candidate buffer holds falls back to the full row', () => {
    // A centre and 12 lattice points at distance exactly 5 ((±3,±4), (±4,±3), (±5,0), (0,±5)),
    // offset so that the expansion cannot tell them apart: the centre's 3-NN radius is 5.
    const ring = [[3, 4], [-3, 4], [3, -4], [-3, -4], [4, 3], [-4, 3], [4, -3], [-4, -3], [5, 0], [-5, 0], [0, 5], [0, -5]];
    const real = [[0, 0], ...ring];
    const generated = [[0, 0], [5, 0], [1, 1], [9, 9], [0, 6]];
    const settings: ManifoldSetting[] = [{ k: 3, membership: 'lt' }, { k: 3, membership: 'le' }];
    const got = countManifolds({ generated: toMatrix(generated, 2 ** 27), real: toMatrix(real, 2 ** 27) }, settings);
    expect(got.counts.map(numerators)).toEqual(settings.map((s) => naiveCounts(real, generated, s.k, s.membership)));
    expect(got.diagnostics.radiusFallbackRows).toBeGreaterThan(0);
  });
});

describe('float32 Gram blocks (ONNX Runtime SGEMM): near-ties recomputed, counts exact', () => {
  // Integer grid points offset by 2¹⁰ in 64 dimensions: exact in float32, but ‖x‖² ≈ 2²⁶, where a
  // float32 dot product carries rounding of ±8 and more against distances of 0…256 that tie radii
  // everywhere. Only the error bound and the float64 rechecks keep every count right.
  const rand = lcg(7);
  const realPts = gridPoints(rand, 60, 64, 3), genPts = gridPoints(rand, 50, 64, 3);
  const offset = 2 ** 10;
  const settings: ManifoldSetting[] = [1, 3, 5].flatMap((k) => [{ k, membership: 'lt' as const }, { k, membership: 'le' as const }]);

  it('counts and k-NN radii equal the brute-force integer ones; rechecks and float64 re-passes ran', async () => {
    const want = settings.map((s) => naiveCounts(realPts, genPts, s.k, s.membership));
    const sets = { generated: toMatrix(genPts, offset, 'f32'), real: toMatrix(realPts, offset, 'f32') };
    const got = await countManifoldsAsync(sets, settings, { engine: 'onnx', threads: 2, blockSize: 16, tileColumns: 24 });
    expect(got.counts.map(numerators)).toEqual(want);
    expect(got.diagnostics.nearRadiusPairs).toBeGreaterThan(0);
    expect(got.diagnostics.radiusFallbackRows).toBeGreaterThan(0);

    const engine = await openGramEngine({ engine: 'onnx', threads: 2 });
    try {
      const real = toMatrix(realPts, offset, 'f32');
      const radii = await runGramStepsAsync(knnSquaredRadiiSteps(real, [1, 3, 5], { float32: true, blockSize: 7, tileColumns: 13 }), engine.fill);
      const d2 = (p: number[], q: number[]) => p.reduce((t, v, c) => t + (v - q[c]) ** 2, 0);
      [1, 3, 5].forEach((k, s) => {
        expect(Array.from(radii.squaredRadii[s])).toEqual(realPts.map((p) => realPts.map((q) => d2(p, q)).sort((x, y) => x - y)[k]));
      });
    } finally {
      await engine.close();
    }
  }, 60_000);

  it('float32 underflow and overflow: rows scaled by 2⁻⁷⁶ (products below float32\'s normal range) and by 2⁶² (sums past float32\'s 2¹²⁸; squared norms past 2¹⁰⁰ get float64 blocks) count exactly', async () => {
    const pts = (scale: number, set: number[][]) => set.map((p) => p.map((v) => v * scale));
    const few = realPts.slice(0, 30).map((p) => p.slice(0, 8)), fewGen = genPts.slice(0, 25).map((p) => p.slice(0, 8));
    for (const scale of [2 ** -76, 2 ** 62]) {
      const real = pts(scale, few), generated = pts(scale, fewGen);
      const want = settings.map((s) => naiveCounts(real, generated, s.k, s.membership));
      const got = await countManifoldsAsync({ generated: toMatrix(generated, 0, 'f32'), real: toMatrix(real, 0, 'f32') }, settings, { engine: 'onnx', threads: 1 });
      expect(got.counts.map(numerators)).toEqual(want);
    }
  });

  it('the check can fail: the plain expansion on the same float32 GEMM miscounts', async () => {
    const real = toMatrix(realPts, offset, 'f32'), generated = toMatrix(genPts, offset, 'f32');
    const engine = await openGramEngine({ engine: 'onnx', threads: 1 });
    const gram = async (a: FeatureMatrix, b: FeatureMatrix) => {
      const out = new Float64Array(a.rows * b.rows);
      await engine.fill({ a, rowStart: 0, rowEnd: a.rows, b, colStart: 0, colEnd: b.rows, out, float32: true });
      const na = rowNorms(a), nb = rowNorms(b);
      return (i: number, j: number) => na[i] + nb[j] - 2 * out[i * b.rows + j];
    };
    try {
      const rr = await gram(real, real), rg = await gram(real, generated);
      const k = 3;
      const radius = realPts.map((_, i) => realPts.map((__, j) => rr(i, j)).sort((x, y) => x - y)[k]);
      const precision = genPts.filter((_, j) => realPts.some((__, i) => rg(i, j) < radius[i])).length;
      expect(precision).not.toBe(naiveCounts(realPts, genPts, k, 'lt').precision);
    } finally {
      await engine.close();
    }
  });
});

/** Squared row norms in float64. */
function rowNorms(m: FeatureMatrix): Float64Array {
  const out = new Float64Array(m.rows);
  for (let i = 0; i < m.rows; i++) for (let c = 0; c < m.cols; c++) out[i] += m.data[i * m.cols + c] ** 2;
  return out;
}

describe('invariance', () => {
  it('block size, row order and float32 vs float64 input do not change a count', () => {
    const base = COUNTS.b_modedrop_d16;
    const { generated, real } = SETS.b_modedrop_d16;
    for (const blockSize of [1, 7, 100, 5000]) {
      const small = blockSize === 1 ? SETS.d_ties_dups_d2 : SETS.b_modedrop_d16;
      const want = blockSize === 1 ? COUNTS.d_ties_dups_d2 : base;
      expect(countManifolds(small, ALL_SETTINGS, { blockSize }).counts).toEqual(want);
    }
    const permute = (m: FeatureMatrix, seed: number): FeatureMatrix => {
      const rand = lcg(seed);
      const order = Array.from({ length: m.rows }, (_, i) => i);
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
      const data = new Float64Array(m.rows * m.cols); // float64 copy: tests the other input type too
      order.forEach((src, dst) => data.set(m.data.subarray(src * m.cols, (src + 1) * m.cols), dst * m.cols));
      return { data, rows: m.rows, cols: m.cols };
    };
    expect(countManifolds({ generated: permute(generated, 5), real: permute(real, 6) }, ALL_SETTINGS).counts).toEqual(base);
  });

  it('an asynchronous Gram backend gives the same counts', async () => {
    const got = await countManifoldsAsync(SETS.a_gauss_d64, ALL_SETTINGS, { gram: async (r) => jsGramBlock(r) });
    expect(got.counts).toEqual(COUNTS.a_gauss_d64);
  });

  it('ONNX Runtime\'s float64 GEMM gives the same counts on every fixture case, with tiles of any shape', async () => {
    for (const name of CASES) {
      for (const [blockSize, tileColumns] of [[undefined, undefined], [5, 9], [64, 200]]) {
        // A fresh copy of the real set, so its radii are computed here rather than reused from COUNTS.
        const { real, generated } = SETS[name];
        const sets = { generated, real: { ...real, data: real.data.slice() } };
        const got = await countManifoldsAsync(sets, ALL_SETTINGS, { engine: 'onnx', threads: 2, blockSize, tileColumns });
        expect(got.counts).toEqual(COUNTS[name]);
      }
    }
  }, 60_000);

  it('reuses the real set\'s radii for the next generated set (sweeps) without changing a count', () => {
    const { real, generated } = SETS.a_gauss_d64;
    const fresh = () => ({ real: { ...real, data: real.data.slice() }, generated });
    const first = fresh();
    const events: PrdcProgress[] = [];
    countManifolds(first, ALL_SETTINGS);
    const again = countManifolds(first, ALL_SETTINGS, { onProgress: (e) => events.push(e) });
    expect(again.counts).toEqual(COUNTS.a_gauss_d64);
    // The memoised pass reports start and end only, no per-band progress.
    expect(events.filter((e) => e.phase === 'radii-real').map((e) => e.type)).toEqual(['start', 'end']);
    expect(countManifolds(fresh(), ALL_SETTINGS).counts).toEqual(COUNTS.a_gauss_d64);
  });

  it('progress events are monotonic per phase and end at the row counts', () => {
    const events: PrdcProgress[] = [];
    countManifolds(SETS.a_gauss_d64, [{ k: 3, membership: 'le' }], { blockSize: 64, onProgress: (e) => events.push(e) });
    expect(events.filter((e) => e.type === 'end').map((e) => [e.phase, e.done])).toEqual([
      ['radii-real', 500], ['radii-generated', 400], ['cross', 500],
    ]);
    for (const phase of ['radii-real', 'radii-generated', 'cross'] as const) {
      const done = events.filter((e) => e.phase === phase).map((e) => e.done);
      expect(done).toEqual([...done].sort((a, b) => a - b));
      expect(events.find((e) => e.phase === phase)!.type).toBe('start');
    }
  });
});

describe('errors', () => {
  const m = (rows: number, cols: number, fill = 0): FeatureMatrix => ({ data: new Float32Array(rows * cols).fill(fill), rows, cols });

  it('k not below both set sizes: names the sizes and the fix', () => {
    expect(() => precisionRecall({ generated: m(4, 8), real: m(10, 8) }, { k: 5 })).toThrow(new InputError(
      'precision/recall: k = 5 needs more than 5 samples in each set, but the generated set has 4 '
      + '(generated 4×8, real 10×8): pass k: 3 or less, or add samples',
    ));
    expect(() => densityCoverage({ generated: m(10, 8), real: m(5, 8) })).toThrow(new InputError(
      'precision/recall: k = 5 needs more than 5 samples in each set, but the real set has 5 '
      + '(generated 10×8, real 5×8): pass k: 4 or less, or add samples',
    ));
  });

  it('dimension mismatch, too few samples, bad k, bad membership', () => {
    expect(() => prdc({ generated: m(10, 8), real: m(10, 4) })).toThrow(new InputError(
      'precision/recall: feature dimensions differ: generated is 10×8, real is 10×4; both sets must come from the same extractor layer',
    ));
    expect(() => prdc({ generated: m(1, 8), real: m(10, 8) }, { k: 1 })).toThrow(new InputError(
      'precision/recall: the generated set has 1 sample (1×8); k-NN radii need at least 2 per set',
    ));
    expect(() => prdc({ generated: m(10, 8), real: m(10, 8) }, { k: 2.5 })).toThrow(new InputError(
      'precision/recall: k must be a positive integer, got 2.5',
    ));
    expect(() => prdc({ generated: m(10, 8), real: m(10, 8) }, { membership: '<=' as Membership })).toThrow(new InputError(
      "precision/recall: membership must be 'le' (d ≤ r, torch-fidelity) or 'lt' (d < r, clovaai prdc), got '<='",
    ));
  });

  it('non-finite features name the set, row and column', () => {
    const bad = m(10, 8);
    bad.data[3 * 8 + 7] = Number.NaN;
    expect(() => precisionRecall({ generated: m(10, 8), real: bad })).toThrow(new InputError(
      'precision/recall: real features (10×8) hold NaN at row 3, column 7; remove the sample or check the extractor',
    ));
    const inf = m(10, 8);
    inf.data[0] = Number.POSITIVE_INFINITY;
    expect(() => precisionRecall({ generated: inf, real: m(10, 8) })).toThrow(/generated features \(10×8\) hold Infinity at row 0, column 0/);
  });
});
