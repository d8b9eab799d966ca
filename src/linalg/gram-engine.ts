/**
 * @file Gram engines: what fills the float64 blocks `A·Bᵀ` that KID, precision/recall,
 * density/coverage and the k-NN radii are made of. The metrics never call a GEMM themselves: they
 * are written as generators that yield each block they need as a {@link GramRequest} (the `…Steps`
 * functions of `knn.ts`, `prdc.ts`, `kid.ts`) and resume once it is filled, so one implementation
 * of each metric serves every engine, synchronous or not:
 *
 * - `wasm` / `js`: `gram.ts`'s kernels on the calling thread, synchronous (the WebAssembly SIMD
 *   kernel does ~16 GFLOP/s on one core of the dev machine, float64 multiply-adds without FMA);
 * - `onnx`: ONNX Runtime's MLAS DGEMM (`gram-onnx.ts`), float32 or float64 rows widened to float64
 *   inside the graph, on ORT's intra-op threads: 50–70 GFLOP/s per core on the same machine
 *   (AVX-512 FMA), so 3–4× the WebAssembly kernel per core, and both cores on one product.
 *
 * Every engine accumulates in float64 (in whatever order, with or without FMA) unless a request is
 * marked `float32`, which only the k-NN distances do (`knn.ts`, `prdc.ts`): their counts are decided
 * against a rigorous error bound that covers float32 accumulation, and near-ties are recomputed in
 * float64, so the counts stay identical to the canonical distances' on any engine. KID stays on
 * float64: a float32 GEMM (what the Python references run) moves its value by 2e-7–7e-7 relative
 * on the fixtures (float32 sums of products), more than the 1e-7 the KID results are held to;
 * splitting float32 inputs into hi+lo parts does not help, as the rounding is in the float32
 * accumulation, not in the inputs.
 *
 * `openGramEngine({ engine: 'auto', work })` picks ONNX Runtime for products large enough to pay
 * for loading it (~0.3 s) and falls back to WebAssembly when it cannot be loaded.
 */

import { debuglog } from 'node:util';
import type { FeatureMatrix } from '../core/types.js';
import { gramBlock, gramSymmetric } from './gram.js';
import { checkUpper, copyBlock, type GramBlockAsyncFn, type GramBlockFn, type GramEngine, type GramRequest } from './gram-request.js';

export { checkUpper, copyBlock, type GramBlockAsyncFn, type GramBlockFn, type GramEngine, type GramRequest } from './gram-request.js';

const debug = debuglog('fidkit');

function rowsView(m: FeatureMatrix, start: number, end: number): FeatureMatrix {
  return { data: m.data.subarray(start * m.cols, end * m.cols), rows: end - start, cols: m.cols };
}

/** Fills a request with `gram.ts`'s kernel (WebAssembly SIMD where available, else plain JS). */
export const jsGramBlock: GramBlockFn = (r) => {
  checkUpper(r);
  const m = r.rowEnd - r.rowStart, n = r.colEnd - r.colStart, ld = r.ldOut ?? n;
  if (r.upper) {
    // gramSymmetric computes the blocks on and above the diagonal and mirrors them.
    const sub = rowsView(r.a, r.rowStart, r.rowEnd);
    if (ld === n) gramSymmetric(sub, r.out);
    else copyBlock(gramSymmetric(sub), m, n, r.out, ld);
    return;
  }
  if (ld === n) gramBlock(r.a, r.rowStart, r.rowEnd, r.b, r.colStart, r.colEnd, r.out);
  else copyBlock(gramBlock(r.a, r.rowStart, r.rowEnd, r.b, r.colStart, r.colEnd), m, n, r.out, ld);
};

/**
 * Runs a computation written as a generator of Gram requests (the `…Steps` functions), filling
 * each request synchronously before resuming it.
 */
export function runGramSteps<T>(steps: Generator<GramRequest, T, undefined>, gram: GramBlockFn = jsGramBlock): T {
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
    gram(next.value);
  }
}

/** {@link runGramSteps} with an asynchronous Gram backend (one request in flight at a time). */
export async function runGramStepsAsync<T>(steps: Generator<GramRequest, T, undefined>, gram: GramBlockAsyncFn): Promise<T> {
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
    await gram(next.value);
  }
}

/** Which engine fills Gram blocks: `auto` (default) picks ONNX Runtime for large products. */
export type GramEngineChoice = 'auto' | 'onnx' | 'wasm';
export const GRAM_ENGINES: readonly GramEngineChoice[] = Object.freeze(['auto', 'onnx', 'wasm']);

export interface GramEngineOptions {
  /** `auto` (default), `onnx` or `wasm`; `FIDKIT_GRAM_ENGINE` overrides `auto`. */
  readonly engine?: GramEngineChoice;
  /** Threads for ONNX Runtime (default: the machine's available parallelism). */
  readonly threads?: number;
  /** Multiply-adds the caller will request in all; `auto` keeps WebAssembly below {@link ONNX_MIN_WORK}. */
  readonly work?: number;
}

/**
 * Below this many multiply-adds `auto` stays on the WebAssembly kernel: loading ONNX Runtime and
 * creating a session costs ~0.3–0.4 s of CPU, what the WebAssembly kernel does in ~3·10⁹
 * multiply-adds (measured: 2000 × 2000 × 256 precision/recall, 2·10⁹, ran 2× faster on WebAssembly).
 */
export const ONNX_MIN_WORK = 1e10;

/** The synchronous in-process engine (WebAssembly SIMD, or plain JS without it). */
export const WASM_GRAM_ENGINE: GramEngine = Object.freeze({
  name: 'wasm' as const,
  float32: false,
  threads: 1,
  tileRows: 256,
  tileCols: 1024,
  fill: jsGramBlock,
  close: async () => {},
});

/**
 * Opens the engine for a job of `work` multiply-adds.
 *
 * @example const engine = await openGramEngine({ work: n * n * d }); try { … engine.fill(request) … } finally { await engine.close(); }
 * @throws {FidkitError} only when `engine: 'onnx'` is asked for and ONNX Runtime cannot be loaded.
 */
export async function openGramEngine(options: GramEngineOptions = {}): Promise<GramEngine> {
  const env = process.env.FIDKIT_GRAM_ENGINE;
  const fromEnv = env === 'onnx' || env === 'wasm' ? env : undefined;
  const choice = options.engine === undefined || options.engine === 'auto' ? (fromEnv ?? 'auto') : options.engine;
  const work = options.work ?? Infinity;
  if (choice === 'wasm' || (choice === 'auto' && work < ONNX_MIN_WORK)) {
    debug('gram engine: WebAssembly for %d multiply-adds', work);
    return WASM_GRAM_ENGINE;
  }
  try {
    const { createOnnxGramEngine } = await import('./gram-onnx.js');
    const engine = await createOnnxGramEngine({ threads: options.threads });
    debug('gram engine: ONNX Runtime float64 GEMM on %d threads for %d multiply-adds', engine.threads, work);
    return engine;
  } catch (err) {
    if (choice === 'onnx') throw err;
    debug('gram engine: ONNX Runtime unavailable (%s); using WebAssembly', String(err));
    return WASM_GRAM_ENGINE;
  }
}
