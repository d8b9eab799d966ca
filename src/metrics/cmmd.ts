/**
 * @file CMMD (Jayasumana et al. 2024, "Rethinking FID: Towards a Better Evaluation Metric for Image
 * Generation"): the squared maximum mean discrepancy between two embedding sets under the Gaussian
 * RBF kernel k(a, b) = exp(−‖a − b‖²/(2σ²)), σ = 10, scaled by 1000,
 *
 *   CMMD = 1000 · ( mean_{i,j} k(x_i, x_j) + mean_{i,j} k(y_i, y_j) − 2 mean_{i,j} k(x_i, y_j) ),
 *
 * the minimum-variance (biased, V-statistic) estimator: every one of the N² pairs is averaged, the
 * diagonals (k = 1) included. This is google-research's `cmmd/distance.py` `mmd(x, y)` (JAX) and
 * sayakpaul/cmmd-pytorch's port of it, which form ‖a − b‖² as ‖a‖² + ‖b‖² − 2aᵀb from one Gram
 * matrix, as done here. The embeddings the paper uses are CLIP ViT-L/14@336's, L2-normalised.
 *
 * Numerics. The references hold the three N×N kernel matrices (float32); this file streams Gram tiles
 * from a Gram engine (`linalg/gram-engine.ts`, float64 accumulation) and keeps only sums, so memory is
 * the two feature sets plus one tile (N = 30,000 × 768: 2 × 92 MB of float32 features and a 16 MB
 * tile). Each kernel value is summed as expm1(−‖a − b‖²/(2σ²)) = k − 1: the three means are each
 * 1 + (a small negative number) and CMMD is a difference of them, so summing k − 1 keeps the digits
 * that the difference is made of (the 1s cancel exactly: 1 + 1 − 2·1). Tolerance vs the float64 NumPy
 * evaluation of the reference formula in `fixtures/cmmd/expected.json`: 1e-9 relative.
 *
 * The original computes embeddings in batches of `--batch_size` (32) and drops each set's last
 * partial batch (`drop_remainder=True`); `dropLastBatch: B` reproduces that (keeps the first ⌊N/B⌋·B
 * rows), the default keeps every row.
 */

import { InputError } from '../core/errors.js';
import type { FeatureMatrix } from '../core/types.js';
import { rowSquaredNorms } from '../linalg/gram.js';
import { openGramEngine, runGramSteps, runGramStepsAsync, WASM_GRAM_ENGINE, type GramEngine, type GramEngineChoice, type GramRequest } from '../linalg/gram-engine.js';

/** Result key, in torch-fidelity's style of naming. */
export const KEY_METRIC_CMMD = 'clip_maximum_mean_discrepancy';

/** google-research `cmmd/distance.py`: `_SIGMA = 10`, `_SCALE = 1000`; `main.py`: `--batch_size` 32. */
export const CMMD_DEFAULTS = Object.freeze({ sigma: 10, scale: 1000, referenceBatchSize: 32 });

export interface CmmdOptions {
  /** σ of the Gaussian RBF kernel (default 10). */
  readonly sigma?: number;
  /** The factor in front of the MMD (default 1000). */
  readonly scale?: number;
  /** Drop each set's last partial batch of this many rows, as the original does with its `--batch_size` (absent: keep every row). */
  readonly dropLastBatch?: number;
  /** Names of the two sets for messages (e.g. their paths). */
  readonly labels?: readonly [string, string];
}

export interface CmmdAsyncOptions extends CmmdOptions {
  /** Gram engine (default `auto`: ONNX Runtime's float64 GEMM for large sets, else WebAssembly). */
  readonly engine?: GramEngineChoice;
  /** ONNX Runtime threads (default: every core). */
  readonly threads?: number;
}

export interface CmmdResult {
  /** scale · (mean kxx + mean kyy − 2 mean kxy). */
  readonly value: number;
  readonly sigma: number;
  readonly scale: number;
  /** The three kernel means (diagonals included). */
  readonly meanKxx: number;
  readonly meanKyy: number;
  readonly meanKxy: number;
  /** Rows used of the first and second set (after any dropped batch). */
  readonly counts: readonly [number, number];
  /** Rows dropped with the last partial batch, per set (0 and 0 by default). */
  readonly dropped: readonly [number, number];
  /** The batch size whose last partial batch was dropped, or null when every row was kept. */
  readonly dropLastBatch: number | null;
}

/** Validated settings. */
export interface CmmdPlan {
  readonly sigma: number;
  readonly scale: number;
  readonly dropLastBatch: number | null;
  /** The rows used of each set (views, no copy). */
  readonly x: FeatureMatrix;
  readonly y: FeatureMatrix;
  readonly dropped: readonly [number, number];
}

const firstRows = (m: FeatureMatrix, rows: number): FeatureMatrix => (rows === m.rows ? m : { data: m.data.subarray(0, rows * m.cols), rows, cols: m.cols });

/**
 * Checks the sets and options and applies the batch drop.
 * @throws {InputError} different widths, an empty set (or one emptied by the drop), a non-finite value, σ ≤ 0
 */
export function planCmmd(x: FeatureMatrix, y: FeatureMatrix, options: CmmdOptions = {}): CmmdPlan {
  const labels = options.labels ?? ['first set', 'second set'];
  const sigma = options.sigma ?? CMMD_DEFAULTS.sigma;
  const scale = options.scale ?? CMMD_DEFAULTS.scale;
  if (!Number.isFinite(sigma) || sigma <= 0) throw new InputError(`CMMD: sigma must be a finite number > 0, got ${sigma}`);
  if (!Number.isFinite(scale)) throw new InputError(`CMMD: scale must be a finite number, got ${scale}`);
  if (x.cols !== y.cols) {
    throw new InputError(`CMMD: ${labels[0]} has ${x.cols}-d embeddings but ${labels[1]} has ${y.cols}-d; both sets must come from the same extractor and layer`);
  }
  const batch = options.dropLastBatch ?? null;
  if (batch !== null && (!Number.isSafeInteger(batch) || batch < 1)) throw new InputError(`CMMD: dropLastBatch must be a positive integer, got ${batch}`);
  const kept = [x, y].map((m, i) => {
    const rows = batch === null ? m.rows : Math.floor(m.rows / batch) * batch;
    if (rows === 0) {
      const why = batch === null || m.rows === 0 ? 'no samples' : `${m.rows} samples, fewer than one batch of ${batch} (the last partial batch is dropped)`;
      throw new InputError(`CMMD: ${labels[i]} has ${why}`);
    }
    const view = firstRows(m, rows);
    const n = rows * m.cols;
    for (let t = 0; t < n; t++) {
      if (!Number.isFinite(view.data[t])) {
        throw new InputError(`CMMD: ${labels[i]} has a non-finite value (${view.data[t]}) at row ${Math.floor(t / m.cols)}, column ${t % m.cols} of ${m.rows}×${m.cols}`);
      }
    }
    return view;
  });
  return { sigma, scale, dropLastBatch: batch, x: kept[0], y: kept[1], dropped: [x.rows - kept[0].rows, y.rows - kept[1].rows] };
}

/**
 * Σ over a tile of expm1(−(‖a‖² + ‖b‖² − 2aᵀb)·γ), from the tile's dot products. `upper`: only the
 * entries right of the diagonal, twice, plus the diagonal once (a symmetric tile on the diagonal).
 */
function tileSum(g: Float64Array, rows: number, cols: number, ld: number, na: Float64Array, r0: number, nb: Float64Array, c0: number, gamma: number, upper: boolean): number {
  let total = 0;
  for (let i = 0; i < rows; i++) {
    const o = i * ld, ni = na[r0 + i];
    let row = 0;
    for (let j = upper ? i + 1 : 0; j < cols; j++) row += Math.expm1(-gamma * (-2 * g[o + j] + ni + nb[c0 + j]));
    if (upper) row = 2 * row + Math.expm1(-gamma * (-2 * g[o + i] + ni + ni));
    total += row;
  }
  return total;
}

/** Σ_{i,j} (k(a_i, a_j) − 1) over all n² pairs of one set, in row bands (diagonal tile: upper half, the rest of the band: twice). */
function* symmetricSteps(a: FeatureMatrix, norms: Float64Array, gamma: number, tileRows: number, tileCols: number, buf: Float64Array): Generator<GramRequest, number, undefined> {
  const n = a.rows;
  let total = 0;
  for (let r0 = 0; r0 < n; r0 += tileRows) {
    const r1 = Math.min(n, r0 + tileRows), m = r1 - r0;
    let band = 0;
    yield { a, rowStart: r0, rowEnd: r1, b: a, colStart: r0, colEnd: r1, out: buf, upper: true };
    band += tileSum(buf, m, m, m, norms, r0, norms, r0, gamma, true);
    for (let c0 = r1; c0 < n; c0 += tileCols) {
      const c1 = Math.min(n, c0 + tileCols);
      yield { a, rowStart: r0, rowEnd: r1, b: a, colStart: c0, colEnd: c1, out: buf };
      band += 2 * tileSum(buf, m, c1 - c0, c1 - c0, norms, r0, norms, c0, gamma, false);
    }
    total += band;
  }
  return total;
}

/** Σ_{i,j} (k(x_i, y_j) − 1) over all n1·n2 pairs. */
function* crossSteps(x: FeatureMatrix, nx: Float64Array, y: FeatureMatrix, ny: Float64Array, gamma: number, tileRows: number, tileCols: number, buf: Float64Array): Generator<GramRequest, number, undefined> {
  let total = 0;
  for (let r0 = 0; r0 < x.rows; r0 += tileRows) {
    const r1 = Math.min(x.rows, r0 + tileRows);
    let band = 0;
    for (let c0 = 0; c0 < y.rows; c0 += tileCols) {
      const c1 = Math.min(y.rows, c0 + tileCols);
      yield { a: x, rowStart: r0, rowEnd: r1, b: y, colStart: c0, colEnd: c1, out: buf };
      band += tileSum(buf, r1 - r0, c1 - c0, c1 - c0, nx, r0, ny, c0, gamma, false);
    }
    total += band;
  }
  return total;
}

/**
 * CMMD of a plan as a generator of Gram tiles (`tileRows` × `tileCols` at most), so any Gram engine
 * can fill them; only one tile is held at a time.
 */
export function* cmmdSteps(plan: CmmdPlan, tileRows: number = WASM_GRAM_ENGINE.tileRows, tileCols: number = WASM_GRAM_ENGINE.tileCols): Generator<GramRequest, CmmdResult, undefined> {
  const { x, y, sigma, scale } = plan;
  const gamma = 1 / (2 * sigma ** 2);
  const nx = rowSquaredNorms(x), ny = rowSquaredNorms(y);
  const buf = new Float64Array(tileRows * Math.max(tileRows, tileCols));
  const sxx = yield* symmetricSteps(x, nx, gamma, tileRows, tileCols, buf);
  const syy = yield* symmetricSteps(y, ny, gamma, tileRows, tileCols, buf);
  const sxy = yield* crossSteps(x, nx, y, ny, gamma, tileRows, tileCols, buf);
  const n1 = x.rows, n2 = y.rows;
  // Means of k − 1; the 1s of the three means cancel exactly in the difference.
  const exx = sxx / (n1 * n1), eyy = syy / (n2 * n2), exy = sxy / (n1 * n2);
  return {
    value: scale * (exx + eyy - 2 * exy),
    sigma,
    scale,
    meanKxx: 1 + exx,
    meanKyy: 1 + eyy,
    meanKxy: 1 + exy,
    counts: [n1, n2],
    dropped: plan.dropped,
    dropLastBatch: plan.dropLastBatch,
  };
}

/** Multiply-adds CMMD asks of the Gram engine (to choose one). */
export function cmmdWork(plan: CmmdPlan): number {
  const n1 = plan.x.rows, n2 = plan.y.rows;
  return ((n1 * (n1 + 1)) / 2 + (n2 * (n2 + 1)) / 2 + n1 * n2) * plan.x.cols;
}

/**
 * CMMD on this thread (WebAssembly Gram kernel).
 * @example cmmd(generatedEmbeddings, realEmbeddings).value // σ = 10, ×1000, every row
 * @throws {InputError} as {@link planCmmd}
 */
export function cmmd(x: FeatureMatrix, y: FeatureMatrix, options: CmmdOptions = {}): CmmdResult {
  return runGramSteps(cmmdSteps(planCmmd(x, y, options)));
}

/**
 * CMMD with the Gram tiles on the engine `auto` picks for the job's size (ONNX Runtime's float64 GEMM
 * on every core for large sets: N = 30,000 × 768 is ~1.4·10¹² multiply-adds). Same value as
 * {@link cmmd} up to float64 summation order.
 * @throws {InputError} as {@link planCmmd}
 */
export async function cmmdAsync(x: FeatureMatrix, y: FeatureMatrix, options: CmmdAsyncOptions = {}): Promise<CmmdResult> {
  const plan = planCmmd(x, y, options);
  const engine: GramEngine = await openGramEngine({ engine: options.engine, threads: options.threads, work: cmmdWork(plan) });
  try {
    return await runGramStepsAsync(cmmdSteps(plan, engine.tileRows, engine.tileCols), engine.fill);
  } finally {
    await engine.close();
  }
}
