/**
 * @file The `onnx` Gram engine: float64 `A·Bᵀ` blocks on ONNX Runtime's CPU GEMM (MLAS DGEMM,
 * AVX2/AVX-512 FMA kernels), through `onnx/session.ts` like every other ORT use; and, for requests
 * marked `float32` on float32 rows (the k-NN distances, whose error bound allows it), MLAS SGEMM,
 * `Gemm(a, b, transB = 1)` in float32, whose float32 output is widened exactly to float64: ~2× the
 * DGEMM's rate (bench/gemm-peak.ts: 256 vs 124 GFLOP/s on 2 threads, 1000 × 1000 × 2048).
 *
 * The graph is `Gemm(Cast(a, f64), Cast(b, f64), transB = 1)` with dynamic row counts, one per
 * pair of input types (float32 rows go in as they are, without a copy, and are widened inside
 * the graph). A request is cut into calls of at most `rows × cols` so ORT's float64 copies of the
 * operands and its output stay bounded (1024 × 4096 × 8 B = 32 MiB of output per call); an
 * `upper` request is cut into row bands of {@link UPPER_BAND} rows, each against the columns from
 * its own first row on, so a symmetric product costs ~(1/2 + band/2n) of a full one.
 *
 * Measured on the 2-core dev machine (AMD EPYC with AVX-512, Node 20, ORT 1.30): 1000×1000×2048
 * in 58 ms on one thread (70 GFLOP/s) against ~250 ms for the WebAssembly kernel; results agree
 * with it to float64 rounding (different summation order, FMA).
 */

import { availableParallelism } from 'node:os';
import { GraphBuilder, type ElementType } from '../onnx/graph-builder.js';
import { createSession, type OnnxSession } from '../onnx/session.js';
import { checkUpper, copyBlock, type GramEngine, type GramRequest } from './gram-request.js';

/** Rows per band of an `upper` request: the wasted half of each diagonal block is band²/2. */
export const UPPER_BAND = 256;
/** Most rows and columns per ORT call. */
const MAX_ROWS = 1024;
const MAX_COLS = 4096;

type Precision = 'float32' | 'float64';
const precisionOf = (data: Float32Array | Float64Array): Precision => (data instanceof Float64Array ? 'float64' : 'float32');

/** The ONNX model `g = float64(a) · float64(b)ᵀ` for the given input element types. */
export function gramModelBytes(typeA: Precision, typeB: Precision): Uint8Array {
  const g = new GraphBuilder(`gram_${typeA}_${typeB}`);
  const widen = (name: string, type: ElementType) => {
    const input = g.input(name, type, [`${name}_rows`, 'k']);
    return type === 'float64' ? input : g.cast(input, 'float64', `${name}_f64`);
  };
  const a = widen('a', typeA), b = widen('b', typeB);
  g.output(g.gemm(a, b, undefined, { transB: true }, 'g'), 'float64', ['a_rows', 'b_rows']);
  return g.toBytes({ docString: 'fidkit Gram block: g = float64(a) · float64(b)ᵀ (MLAS DGEMM)' });
}

/** The ONNX model `g = a · bᵀ` in float32 throughout (MLAS SGEMM): for `float32` requests only. */
export function gramModelBytesFloat32(): Uint8Array {
  const g = new GraphBuilder('gram_float32_accumulate');
  const a = g.input('a', 'float32', ['a_rows', 'k']), b = g.input('b', 'float32', ['b_rows', 'k']);
  g.output(g.gemm(a, b, undefined, { transB: true }, 'g'), 'float32', ['a_rows', 'b_rows']);
  return g.toBytes({ docString: 'fidkit Gram block: g = a · bᵀ in float32 (MLAS SGEMM), for error-bounded k-NN distances' });
}

export interface OnnxGramOptions {
  /** ORT intra-op threads (default: the machine's available parallelism). */
  readonly threads?: number;
}

/**
 * Opens the engine (loads ONNX Runtime on first use). Sessions are created per input-type pair on
 * first need.
 * @throws {FidkitError} when onnxruntime-node cannot be loaded.
 */
export async function createOnnxGramEngine(options: OnnxGramOptions = {}): Promise<GramEngine> {
  const threads = options.threads ?? availableParallelism();
  const sessions = new Map<string, Promise<OnnxSession>>();
  const sessionFor = (ta: Precision, tb: Precision, float32 = false): Promise<OnnxSession> => {
    const key = float32 ? 'float32_accumulate' : `${ta}_${tb}`;
    let s = sessions.get(key);
    if (s === undefined) {
      s = createSession(float32 ? gramModelBytesFloat32() : gramModelBytes(ta, tb), { threads, optimization: 'all', spinning: false });
      sessions.set(key, s);
    }
    return s;
  };
  // Load ORT and build the common session now, so a failure shows up in openGramEngine.
  await sessionFor('float32', 'float32');

  /** One ORT call: rows [i0, i1) of a against rows [j0, j1) of b, copied into out (row stride ld). */
  const call = async (a: GramRequest['a'], i0: number, i1: number, b: GramRequest['b'], j0: number, j1: number, out: Float64Array, ld: number, float32: boolean): Promise<void> => {
    const d = a.cols;
    const session = await sessionFor(precisionOf(a.data), precisionOf(b.data), float32);
    const result = await session.runNumeric({
      a: { data: a.data.subarray(i0 * d, i1 * d), dims: [i1 - i0, d] },
      b: { data: b.data.subarray(j0 * d, j1 * d), dims: [j1 - j0, d] },
    }, ['g']);
    copyBlock(result.g.data, i1 - i0, j1 - j0, out, ld);
  };

  const fill = async (r: GramRequest): Promise<void> => {
    checkUpper(r);
    const m = r.rowEnd - r.rowStart, n = r.colEnd - r.colStart, ld = r.ldOut ?? n, d = r.a.cols;
    if (m <= 0 || n <= 0) return;
    if (r.a.cols !== r.b.cols) throw new Error(`gram: feature dimensions differ (${r.a.rows}×${r.a.cols} vs ${r.b.rows}×${r.b.cols})`);
    if (d === 0) {
      for (let i = 0; i < m; i++) r.out.fill(0, i * ld, i * ld + n);
      return;
    }
    const float32 = r.float32 === true && r.a.data instanceof Float32Array && r.b.data instanceof Float32Array;
    const band = r.upper ? UPPER_BAND : MAX_ROWS;
    for (let i0 = r.rowStart; i0 < r.rowEnd; i0 += band) {
      const i1 = Math.min(r.rowEnd, i0 + band);
      for (let j0 = r.upper ? i0 : r.colStart; j0 < r.colEnd; j0 += MAX_COLS) {
        const j1 = Math.min(r.colEnd, j0 + MAX_COLS);
        await call(r.a, i0, i1, r.b, j0, j1, r.out.subarray((i0 - r.rowStart) * ld + (j0 - r.colStart)), ld, float32);
      }
    }
  };

  return {
    name: 'onnx',
    float32: true,
    threads,
    tileRows: 512,
    tileCols: 4096,
    fill,
    async close() {
      const all = await Promise.allSettled(sessions.values());
      sessions.clear();
      await Promise.all(all.map((s) => (s.status === 'fulfilled' ? s.value.release() : undefined)));
    },
  };
}
