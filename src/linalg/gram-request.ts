/**
 * @file What a Gram engine is asked for and what it is: the {@link GramRequest} a metric's `…Steps`
 * generator yields, the {@link GramEngine} that fills it, and two helpers every engine uses. Kept
 * apart from `gram-engine.ts` (which opens engines) so that engines import it without a cycle.
 */
import type { FeatureMatrix } from '../core/types.js';

/**
 * One block of a Gram matrix to compute: `out[(i − rowStart)·ldOut + (j − colStart)] = ⟨a_i, b_j⟩`
 * for rows [rowStart, rowEnd) of `a` and [colStart, colEnd) of `b`, float64 accumulated in any order
 * (the exactness argument of `knn.ts` only needs |error| ≤ γ_D·Σ|a_ik·b_jk|).
 */
export interface GramRequest {
  readonly a: FeatureMatrix;
  readonly rowStart: number;
  readonly rowEnd: number;
  readonly b: FeatureMatrix;
  readonly colStart: number;
  readonly colEnd: number;
  readonly out: Float64Array;
  /** Row stride of `out` (default `colEnd − colStart`). */
  readonly ldOut?: number;
  /**
   * Only entries with j ≥ i are needed (the rest of `out` may be left with anything). Only for
   * `a === b` with equal row and column ranges: a symmetric product, about half the work.
   */
  readonly upper?: boolean;
  /**
   * The caller's error analysis allows float32 accumulation (`knn.ts`'s
   * {@link squaredDistanceErrorFactor} with `'float32'`): an engine that can ({@link GramEngine.float32})
   * may then compute the block as a float32 GEMM of the rows, |error| ≤ γ_D·Σ|a_ik·b_jk| with
   * γ_D = D·2⁻²⁴/(1 − D·2⁻²⁴), widened exactly to float64. Only honoured when `a` and `b` are both
   * float32 (no input rounding); other engines and other inputs accumulate in float64 as always.
   */
  readonly float32?: boolean;
}

/** Something that fills a {@link GramRequest} synchronously: the JS/WebAssembly kernel by default. */
export type GramBlockFn = (request: GramRequest) => void;
/** Something that fills a {@link GramRequest}, synchronously or not (ONNX Runtime, a worker pool). */
export type GramBlockAsyncFn = (request: GramRequest) => Promise<void> | void;

/** Copies a dense rows×cols block into `out` with row stride `ld`. */
export function copyBlock(src: Float32Array | Float64Array, rows: number, cols: number, out: Float64Array, ld: number): void {
  if (ld === cols) { out.set(src.subarray(0, rows * cols)); return; }
  for (let r = 0; r < rows; r++) out.set(src.subarray(r * cols, r * cols + cols), r * ld);
}

/** Checks the `upper` contract of a request. */
export function checkUpper(r: GramRequest): void {
  if (r.upper && !(r.a === r.b && r.rowStart === r.colStart && r.rowEnd === r.colEnd)) {
    throw new Error('gram request: `upper` needs the same matrix and the same row and column ranges');
  }
}

/** An open Gram engine. */
export interface GramEngine {
  readonly name: 'onnx' | 'wasm';
  /** Whether it honours {@link GramRequest.float32} (ONNX Runtime: MLAS sgemm, ~2× its DGEMM). */
  readonly float32: boolean;
  /** Threads one product runs on (ORT intra-op threads; 1 for WebAssembly). */
  readonly threads: number;
  /** Rows and columns of the tiles a streamed pass should request (large enough to amortise a call). */
  readonly tileRows: number;
  readonly tileCols: number;
  /** Fills a request (synchronously for `wasm`). */
  readonly fill: GramBlockAsyncFn;
  /** Frees native sessions; the engine must not be used afterwards. */
  close(): Promise<void>;
}

