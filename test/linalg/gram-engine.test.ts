/**
 * @file Gram engines: ONNX Runtime's float64 GEMM fills every request shape (sub-rectangles, row
 * strides, upper triangles, float32/float64 operands, calls cut at 1024 rows × 4096 columns) with
 * the same dot products as a naive float64 sum, to float64 rounding; requests marked `float32` on
 * float32 rows run on its SGEMM within float32's γ_D; `auto` keeps small jobs on the WebAssembly kernel.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  jsGramBlock, ONNX_MIN_WORK, openGramEngine, WASM_GRAM_ENGINE, type GramEngine, type GramRequest,
} from '../../src/linalg/gram-engine.js';
import { gramModelBytes, UPPER_BAND } from '../../src/linalg/gram-onnx.js';
import { createSession } from '../../src/onnx/session.js';
import type { FeatureMatrix } from '../../src/core/types.js';
import { matrix } from './random-matrix.js';

/**
 * Largest |engine − naive| / Σ|a_ik·b_jk| over a request's entries (only j ≥ i for `upper`). Two
 * float64 summation orders of D products differ by at most ~D·2⁻⁵³ of that sum (FMA only helps):
 * 1e-12 covers D up to ~9000, and a wrong row, column or stride gives an O(1) error.
 */
function worstError(r: GramRequest): number {
  const d = r.a.cols, ld = r.ldOut ?? r.colEnd - r.colStart;
  let worst = 0;
  for (let i = r.rowStart; i < r.rowEnd; i++) {
    for (let j = r.upper ? i : r.colStart; j < r.colEnd; j++) {
      let s = 0, t = 0;
      for (let k = 0; k < d; k++) { const p = r.a.data[i * d + k] * r.b.data[j * d + k]; s += p; t += Math.abs(p); }
      const got = r.out[(i - r.rowStart) * ld + (j - r.colStart)];
      worst = Math.max(worst, Math.abs(got - s) / (t || 1));
    }
  }
  return worst;
}

describe('the onnx Gram engine', () => {
  let engine: GramEngine;
  beforeAll(async () => { engine = await openGramEngine({ engine: 'onnx', threads: 2 }); });
  afterAll(async () => { await engine.close(); });

  it('is ONNX Runtime on the requested threads, with wide tiles', () => {
    expect(engine).toMatchObject({ name: 'onnx', threads: 2, tileRows: 512, tileCols: 4096 });
  });

  it('fills sub-rectangles of float32 and float64 operands (all four type pairs)', async () => {
    for (const [fa, fb] of [[false, false], [false, true], [true, false], [true, true]]) {
      const a = matrix(37, 129, 3, fa), b = matrix(29, 129, 4, fb);
      const r: GramRequest = { a, rowStart: 5, rowEnd: 36, b, colStart: 2, colEnd: 27, out: new Float64Array(31 * 25).fill(Number.NaN) };
      await engine.fill(r);
      expect(worstError(r)).toBeLessThanOrEqual(1e-12);
    }
  });

  it('writes with a row stride and leaves the padding alone', async () => {
    const a = matrix(9, 40, 5), b = matrix(7, 40, 6);
    const out = new Float64Array(9 * 10).fill(-7);
    const r: GramRequest = { a, rowStart: 0, rowEnd: 9, b, colStart: 0, colEnd: 7, out, ldOut: 10 };
    await engine.fill(r);
    expect(worstError(r)).toBeLessThanOrEqual(1e-12);
    for (let i = 0; i < 9; i++) for (let j = 7; j < 10; j++) expect(out[i * 10 + j]).toBe(-7);
  });

  it('an upper request fills j ≥ i over several row bands', async () => {
    const n = 2 * UPPER_BAND + 45;
    const a = matrix(n, 33, 7);
    const r: GramRequest = { a, rowStart: 0, rowEnd: n, b: a, colStart: 0, colEnd: n, out: new Float64Array(n * n), upper: true };
    await engine.fill(r);
    expect(worstError(r)).toBeLessThanOrEqual(1e-12);
    // and agrees with the WebAssembly kernel on every needed entry to float64 rounding
    const w = new Float64Array(n * n);
    jsGramBlock({ ...r, out: w });
    let worst = 0;
    for (let i = 0; i < n; i++) for (let j = i; j < n; j++) worst = Math.max(worst, Math.abs(w[i * n + j] - r.out[i * n + j]) / Math.max(1, Math.abs(w[i * n + j])));
    expect(worst).toBeLessThanOrEqual(1e-12);
  });

  it('cuts requests larger than one call (1024 rows × 4096 columns)', async () => {
    const a = matrix(1030, 3, 8), b = matrix(4100, 3, 9, true);
    const r: GramRequest = { a, rowStart: 1000, rowEnd: 1030, b, colStart: 0, colEnd: 4100, out: new Float64Array(30 * 4100) };
    await engine.fill(r);
    expect(worstError(r)).toBeLessThanOrEqual(1e-12);
    const r2: GramRequest = { a, rowStart: 0, rowEnd: 1030, b: a, colStart: 1020, colEnd: 1030, out: new Float64Array(1030 * 10) };
    await engine.fill(r2);
    expect(worstError(r2)).toBeLessThanOrEqual(1e-12);
  });

  it('products of float32 values are exact in float64: (1 + 2⁻²⁰)² keeps its 2⁻⁴⁰', async () => {
    const c = { data: Float32Array.from([1 + 2 ** -20]), rows: 1, cols: 1 };
    const out = new Float64Array(1);
    await engine.fill({ a: c, rowStart: 0, rowEnd: 1, b: c, colStart: 0, colEnd: 1, out });
    expect(out[0]).toBe(1 + 2 ** -19 + 2 ** -40);
  });

  it('a float32 request on float32 rows runs in float32 (SGEMM), within γ_D·Σ|a·b| of the exact sum, sub-rectangles and upper bands included', async () => {
    // γ_D for float32 (u = 2⁻²⁴): the bound knn.ts's float32 error factor is built on.
    const d = 300, gamma = (d * 2 ** -24) / (1 - d * 2 ** -24);
    const a = matrix(40, d, 11), b = matrix(35, d, 12);
    const r: GramRequest = { a, rowStart: 3, rowEnd: 40, b, colStart: 1, colEnd: 33, out: new Float64Array(37 * 32), float32: true };
    await engine.fill(r);
    const err = worstError(r);
    // float32 rounding shows (so SGEMM ran, not DGEMM), and stays inside the bound.
    expect(err).toBeGreaterThan(1e-9);
    expect(err).toBeLessThanOrEqual(gamma);
    const n = UPPER_BAND + 17, c = matrix(n, d, 13);
    const u: GramRequest = { a: c, rowStart: 0, rowEnd: n, b: c, colStart: 0, colEnd: n, out: new Float64Array(n * n), upper: true, float32: true };
    await engine.fill(u);
    expect(worstError(u)).toBeGreaterThan(1e-9);
    expect(worstError(u)).toBeLessThanOrEqual(gamma);
  });

  it('a float32 request with a float64 operand, and the WebAssembly engine, stay in float64', async () => {
    const a = matrix(20, 200, 14), b = matrix(20, 200, 15, true);
    const r: GramRequest = { a, rowStart: 0, rowEnd: 20, b, colStart: 0, colEnd: 20, out: new Float64Array(400), float32: true };
    await engine.fill(r);
    expect(worstError(r)).toBeLessThanOrEqual(1e-12);
    const w: GramRequest = { a, rowStart: 0, rowEnd: 20, b: a, colStart: 0, colEnd: 20, out: new Float64Array(400), float32: true };
    expect(engine.float32).toBe(true);
    expect(WASM_GRAM_ENGINE.float32).toBe(false);
    await WASM_GRAM_ENGINE.fill(w);
    expect(worstError(w)).toBeLessThanOrEqual(1e-12);
  });

  it('zero columns give zeros; empty ranges write nothing; a misused upper flag throws', async () => {
    const z = { data: new Float32Array(0), rows: 3, cols: 0 };
    const out = new Float64Array(9).fill(5);
    await engine.fill({ a: z, rowStart: 0, rowEnd: 3, b: z, colStart: 0, colEnd: 3, out });
    expect(Array.from(out)).toEqual(new Array(9).fill(0));
    const a = matrix(4, 5, 1);
    const keep = new Float64Array(4).fill(3);
    await engine.fill({ a, rowStart: 2, rowEnd: 2, b: a, colStart: 0, colEnd: 4, out: keep });
    expect(Array.from(keep)).toEqual([3, 3, 3, 3]);
    await expect(engine.fill({ a, rowStart: 0, rowEnd: 2, b: a, colStart: 0, colEnd: 4, out: new Float64Array(8), upper: true }))
      .rejects.toThrow('`upper` needs the same matrix and the same row and column ranges');
  });
});

describe('openGramEngine', () => {
  it('auto stays on WebAssembly below ONNX_MIN_WORK, and wasm is always the in-process kernel', async () => {
    expect(await openGramEngine({ work: ONNX_MIN_WORK - 1 })).toBe(WASM_GRAM_ENGINE);
    expect(await openGramEngine({ engine: 'wasm', work: 1e15 })).toBe(WASM_GRAM_ENGINE);
    const big = await openGramEngine({ work: ONNX_MIN_WORK, threads: 1 });
    try {
      expect(big).toMatchObject({ name: 'onnx', threads: 1 });
    } finally {
      await big.close();
    }
  });

  it('FIDKIT_GRAM_ENGINE=wasm overrides auto (not an explicit choice)', async () => {
    const saved = process.env.FIDKIT_GRAM_ENGINE;
    process.env.FIDKIT_GRAM_ENGINE = 'wasm';
    try {
      expect(await openGramEngine({ work: 1e15 })).toBe(WASM_GRAM_ENGINE);
      const onnx = await openGramEngine({ engine: 'onnx', threads: 1 });
      expect(onnx.name).toBe('onnx');
      await onnx.close();
    } finally {
      if (saved === undefined) delete process.env.FIDKIT_GRAM_ENGINE; else process.env.FIDKIT_GRAM_ENGINE = saved;
    }
  });
});

describe('the Gram model', () => {
  it('widens float32 inputs inside the graph and returns float64', async () => {
    const session = await createSession(gramModelBytes('float32', 'float64'), { threads: 1 });
    try {
      const out = await session.runNumeric({
        a: { data: Float32Array.from([1, 2, 3, 4]), dims: [2, 2] },
        b: { data: Float64Array.from([0.1, 0.2]), dims: [1, 2] },
      });
      expect(out.g.data).toBeInstanceOf(Float64Array);
      expect(out.g.dims).toEqual([2, 1]);
      expect(Array.from(out.g.data)).toEqual([1 * 0.1 + 2 * 0.2, 3 * 0.1 + 4 * 0.2]);
      await expect(session.run({ a: { data: new Float32Array(2), dims: [1, 2] } } as never)).rejects.toThrow("model input 'b' was not given");
    } finally {
      await session.release();
    }
  });
});
