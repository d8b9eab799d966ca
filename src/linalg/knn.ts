/**
 * @file Exact squared Euclidean distances between feature rows, and exact k-nearest-neighbour radii
 * within one set, computed in blocks so that memory stays O(block·N) and never N×N.
 *
 * **Which distance is "the" distance.** The canonical squared distance of two rows is the float64
 * sum Σ(x−y)² of {@link squaredDistance}: it is exactly 0 for duplicate rows, exactly symmetric, and
 * accurate to a relative (D+2)·2⁻⁵³ whatever the offset of the data. Evaluating it for every pair
 * costs 3 flops per coordinate with no reuse, so the bulk of the work uses the Gram expansion
 * ‖x‖² + ‖y‖² − 2⟨x, y⟩ (one GEMM, `src/linalg/gram.ts`) and falls back to the canonical sum only
 * where the two might disagree on a comparison. Both differ by at most
 * `c·(‖x‖² + ‖y‖²)` with c = {@link squaredDistanceErrorFactor} (a rigorous worst-case bound:
 * Higham's γ_D for the dot product and each norm, γ_{D+2} for the direct sum, times 2 for safety),
 * so any comparison with a margin larger than that bound is decided by the expansion, and only
 * near-ties are recomputed. The results are therefore those of the canonical distance, bit for bit,
 * independent of the block size and of the GEMM's summation order.
 *
 * **Radius convention** (Kynkäänniemi et al. 2019; Naeem et al. 2020; torch-fidelity, clovaai
 * `prdc`, kynkaat): a row's k-NN radius is the (k+1)-th smallest entry of its row of the within-set
 * distance matrix — its own zero distance is the 0-th neighbour; exact duplicates are not excluded
 * and are neighbours at distance 0.
 *
 * **Backends.** The O(N²·D) work is all in Gram blocks. The `…Steps` generators yield each block
 * they need as a {@link GramRequest} and resume once it is filled, so one implementation serves the
 * default synchronous kernel (`runGramSteps`) and any asynchronous one (`runGramStepsAsync`: a
 * worker pool, a native float64 GEMM); the exactness argument holds for every float64 summation order.
 *
 * **float32 Gram blocks.** With `float32: true` (and float32 rows) the blocks may come from a
 * float32 GEMM (ONNX Runtime's MLAS SGEMM, ~2× its DGEMM), which is what the Python references
 * compute their distances from. Nothing else changes: the dot product's error grows from float64's
 * γ_D·‖x‖‖y‖ to float32's γ_D·‖x‖‖y‖ ≤ γ_D·(‖x‖² + ‖y‖²)/2 (Higham, Theorem 3.1, any summation order,
 * with or without FMA; the float32 result widens to float64 exactly), so the same decisions are
 * taken with the larger factor `squaredDistanceErrorFactor(D, 'float32')` (≈ 2.4e-4 for D = 2048)
 * plus an absolute {@link squaredDistanceErrorFloor} for float32 underflow, and a few more near-ties
 * are recomputed; the results stay those of the canonical distance, bit for bit. Rows with squared
 * norms of 2¹⁰⁰ or more (float32 overflow in reach) always get float64 blocks.
 */

import { InputError } from '../core/errors.js';
import type { FeatureMatrix } from '../core/types.js';
import { runGramSteps, type GramRequest } from './gram-engine.js';
import { rowSquaredNorms } from './gram.js';

export {
  jsGramBlock, runGramSteps, runGramStepsAsync, type GramBlockAsyncFn, type GramBlockFn, type GramRequest,
} from './gram-engine.js';

type Floats = Float32Array | Float64Array;

/** Rows per tile of the within-set pass; a 256×256 float64 tile is 512 KiB. */
export const DEFAULT_BLOCK_SIZE = 256;

/**
 * Candidates kept per row beyond the k+1 needed: near-ties at the radius (within the expansion's
 * error bound) are resolved among them; more ties than this make the row fall back to a full
 * recomputation (rare: it needs EXTRA+1 distances equal to the radius up to rounding).
 */
const EXTRA_CANDIDATES = 4;

/**
 * Canonical squared Euclidean distance between row `i` of `a` and row `j` of `b` (both with `cols`
 * columns): Σ(a_i − b_j)² in float64.
 */
export function squaredDistance(a: Floats, i: number, b: Floats, j: number, cols: number): number {
  const ao = i * cols, bo = j * cols;
  let s0 = 0, s1 = 0;
  let k = 0;
  for (; k + 2 <= cols; k += 2) {
    const t0 = a[ao + k] - b[bo + k];
    const t1 = a[ao + k + 1] - b[bo + k + 1];
    s0 += t0 * t0;
    s1 += t1 * t1;
  }
  if (k < cols) {
    const t = a[ao + k] - b[bo + k];
    s0 += t * t;
  }
  return s0 + s1;
}

/**
 * Largest squared row norm for which float32 Gram blocks are used: every float32 partial sum stays
 * below ‖x‖·‖y‖·(1 + γ_D) < 2¹⁰¹, far from float32's overflow at 2¹²⁸. Larger rows get float64 blocks.
 */
export const FLOAT32_GRAM_MAX_SQUARED_NORM = 2 ** 100;

/**
 * Absolute error to add to the bound of {@link squaredDistanceErrorFactor} for float32 blocks:
 * Higham's relative bound assumes no underflow, and a float32 product or sum that lands below the
 * smallest normal number (2⁻¹²⁶) may be off by up to that much (flushed to zero at worst); 2D such
 * operations per dot product, doubled in 2⟨x, y⟩ and twice for safety: 8·D·2⁻¹²⁶ (≈ 2.4e-34 at
 * D = 2048, far below any real distance). 0 for float64 blocks.
 */
export function squaredDistanceErrorFloor(cols: number, accumulation: GramAccumulation = 'float64'): number {
  return accumulation === 'float32' ? 8 * cols * 2 ** -126 : 0;
}

/** How the dot products of a Gram block were accumulated (see the file header). */
export type GramAccumulation = 'float64' | 'float32';

/**
 * Factor c such that |(‖x‖² + ‖y‖² − 2⟨x, y⟩) − {@link squaredDistance}(x, y)| ≤ c·(‖x‖² + ‖y‖²)
 * for D-dimensional rows, with norms summed in float64 and the dot product summed in float64
 * (default) or, with `'float32'`, in float32 from float32 rows, in any order. The float64 factor
 * is twice the sum of the worst cases (γ_D for the dot product and each norm, γ_{D+2} for the
 * direct sum); the float32 one adds twice float32's γ_D (2·|⟨x, y⟩ error| ≤ γ_D·(‖x‖² + ‖y‖²)).
 * Infinite (every comparison recomputed) where float32's γ_D is not defined (D ≥ 2²⁴).
 */
export function squaredDistanceErrorFactor(cols: number, accumulation: GramAccumulation = 'float64'): number {
  const c = (4 * cols + 16) * Number.EPSILON;
  if (accumulation === 'float64') return c;
  const du = cols * 2 ** -24;
  return du < 0.5 ? c + (2 * du) / (1 - du) : Infinity;
}

/**
 * The exact (k+1)-th smallest canonical squared distance of row `i` for each k in `ks`, from its
 * whole row `g` of float64 dot products ⟨x_i, x_j⟩ (expansion v_j = ‖x_i‖² + ‖x_j‖² − 2g_j, error
 * factor `c`): T, the (max k + 1)-th smallest
 * upper bound v_j + e_j, bounds every radius from above, so entries whose lower bound v_j − e_j
 * exceeds T are beyond every radius and only the others' canonical distances are computed.
 */
function radiiFromRow(data: Floats, d: number, i: number, g: Float64Array, norms: Float64Array, c: number, ks: readonly number[]): number[] {
  const n = g.length, ni = norms[i];
  const lo = new Float64Array(n), hi = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const v = ni + norms[j] - 2 * g[j], e = c * (ni + norms[j]);
    lo[j] = v - e;
    hi[j] = v + e;
  }
  const t = hi.slice().sort()[Math.max(...ks)];
  const near: number[] = [];
  for (let j = 0; j < n; j++) if (lo[j] <= t) near.push(squaredDistance(data, i, data, j, d));
  near.sort((p, q) => p - q);
  return ks.map((k) => near[k]);
}

/** Exact k-NN radii of one set. */
export interface KnnRadii {
  /** The requested neighbourhood sizes, in the order given. */
  readonly ks: readonly number[];
  /** Squared radii, one Float64Array of length N per entry of `ks` (canonical squared distances). */
  readonly squaredRadii: readonly Float64Array[];
  /** Rows whose candidates could not decide the radius (many near-ties), so their whole row was computed again in float64 (diagnostic). */
  readonly fallbackRows: number;
}

/** Options of {@link knnSquaredRadii}. */
export interface KnnOptions {
  /** Rows per tile (default {@link DEFAULT_BLOCK_SIZE}); results do not depend on it. */
  readonly blockSize?: number;
  /** Columns per tile (default and minimum: `blockSize`); wider tiles suit engines with a per-call cost. */
  readonly tileColumns?: number;
  /** Squared row norms of `features`, if already computed. */
  readonly squaredNorms?: Float64Array;
  /** Called after each band of rows with the rows finished so far. */
  readonly onBand?: (done: number, total: number) => void;
  /**
   * Let the Gram blocks be accumulated in float32 (an engine's SGEMM) when the rows are float32;
   * the error bound widens to match and the radii stay exact (see the file header).
   */
  readonly float32?: boolean;
}

/**
 * Squared k-NN radii of every row of `features` for each k in `ks`: the (k+1)-th smallest canonical
 * squared distance to the rows of the same set, the row itself (distance 0) included.
 *
 * Works through upper-triangular tiles of the Gram matrix (half the flops of a full product), keeps
 * the k+1+4 smallest expansion values per row in an insertion buffer, then recomputes those
 * candidates with {@link squaredDistance} and selects among them; the result is exact whenever the
 * candidates provably hold every distance up to the radius, and otherwise the row is recomputed.
 *
 * @example knnSquaredRadii(real, [3, 5]).squaredRadii[0][i] // squared distance of row i to its 3rd neighbour
 * @throws {InputError} when a k is not an integer in [1, N−1] or the features are not N×D.
 */
export function knnSquaredRadii(features: FeatureMatrix, ks: readonly number[], options: KnnOptions = {}): KnnRadii {
  return runGramSteps(knnSquaredRadiiSteps(features, ks, options));
}

/**
 * {@link knnSquaredRadii} as a generator that yields the Gram blocks it needs (see {@link runGramSteps}),
 * so that any GEMM backend, synchronous or not, can serve it.
 *
 * @throws {InputError} as {@link knnSquaredRadii}.
 */
export function* knnSquaredRadiiSteps(
  features: FeatureMatrix, ks: readonly number[], options: KnnOptions = {},
): Generator<GramRequest, KnnRadii, undefined> {
  const { rows: n, cols: d, data } = features;
  if (data.length < n * d) throw new InputError(`knn: data of length ${data.length} does not hold ${n}×${d} values`);
  for (const k of ks) {
    if (!Number.isInteger(k) || k < 1 || k >= n) {
      throw new InputError(`knn: k = ${k} needs an integer in [1, ${n - 1}] for ${n} rows`);
    }
  }
  const block = options.blockSize ?? DEFAULT_BLOCK_SIZE;
  if (!Number.isInteger(block) || block < 1) throw new InputError(`knn: blockSize must be a positive integer, got ${block}`);
  const cols = Math.max(block, options.tileColumns ?? block);
  if (!Number.isInteger(cols)) throw new InputError(`knn: tileColumns must be an integer, got ${options.tileColumns}`);
  const norms = options.squaredNorms ?? rowSquaredNorms(features);
  let maxNorm = 0;
  for (let i = 0; i < n; i++) if (norms[i] > maxNorm) maxNorm = norms[i];
  const float32 = options.float32 === true && data instanceof Float32Array && maxNorm < FLOAT32_GRAM_MAX_SQUARED_NORM;
  const maxK = Math.max(...ks);
  const width = Math.min(n, maxK + 1 + EXTRA_CANDIDATES);

  // Per row: the `width` smallest expansion values seen so far, ascending, with their columns.
  const bufVal = new Float64Array(n * width);
  const bufIdx = new Int32Array(n * width);
  const bufLen = new Int32Array(n);
  // Largest kept value once the buffer is full (+∞ before): anything not below it is rejected.
  const worst = new Float64Array(n).fill(Infinity);

  const insert = (i: number, v: number, j: number): void => {
    if (!(v < worst[i])) return;
    const base = i * width;
    const len = bufLen[i];
    let p = len < width ? len : width - 1;
    if (len < width) bufLen[i] = len + 1;
    while (p > 0 && bufVal[base + p - 1] > v) {
      bufVal[base + p] = bufVal[base + p - 1];
      bufIdx[base + p] = bufIdx[base + p - 1];
      p--;
    }
    bufVal[base + p] = v;
    bufIdx[base + p] = j;
    if (bufLen[i] === width) worst[i] = bufVal[base + width - 1];
  };

  // Tiles are at least as wide as they are tall, so only a band's first tile meets the diagonal.
  const tile = new Float64Array(block * Math.min(n, cols));
  for (let i0 = 0; i0 < n; i0 += block) {
    const i1 = Math.min(n, i0 + block);
    for (let j0 = i0; j0 < n; j0 += cols) {
      const j1 = Math.min(n, j0 + cols);
      const w = j1 - j0;
      yield { a: features, rowStart: i0, rowEnd: i1, b: features, colStart: j0, colEnd: j1, out: tile, float32 };
      for (let i = i0; i < i1; i++) {
        const ni = norms[i];
        const o = (i - i0) * w - j0;
        // On the diagonal tile every pair appears twice (i, j) and (j, i): take each once from j ≥ i.
        for (let j = j0 === i0 ? i : j0; j < j1; j++) {
          const v = ni + norms[j] - 2 * tile[o + j];
          insert(i, v, j);
          if (j !== i) insert(j, v, i);
        }
      }
    }
    options.onBand?.(i1, n);
  }

  // Resolve each row exactly from its candidates.
  const c = squaredDistanceErrorFactor(d, float32 ? 'float32' : 'float64');
  const floor = squaredDistanceErrorFloor(d, float32 ? 'float32' : 'float64');
  const squaredRadii = ks.map(() => new Float64Array(n));
  const exact = new Float64Array(width);
  const lo = new Float64Array(width), hi = new Float64Array(width);
  const pending: number[] = [];
  for (let i = 0; i < n; i++) {
    const base = i * width;
    const len = bufLen[i];
    // Every row left out of the buffer has expansion value ≥ bufVal[last], so canonical value
    // ≥ bufVal[last] − bound; if that is ≥ the candidate radius, no outsider can be smaller.
    const bound = len < n ? bufVal[base + len - 1] - c * (norms[i] + maxNorm) - floor : Infinity;
    // Each candidate's canonical distance lies in [lo, hi] around its expansion value. When the
    // k-th candidate's interval is clear of all the others', its canonical value is the k-th
    // smallest too, and only that one distance is computed directly (2 per row instead of all
    // the candidates, for most rows); otherwise every candidate is.
    for (let t = 0; t < len; t++) {
      const e = c * (norms[i] + norms[bufIdx[base + t]]) + floor;
      lo[t] = bufVal[base + t] - e;
      hi[t] = bufVal[base + t] + e;
    }
    let resolved = true;
    let sorted: Float64Array | undefined;
    for (let s = 0; s < ks.length; s++) {
      const k = ks[s];
      let separated = true;
      for (let t = 0; t < len && separated; t++) {
        if (t < k) separated = hi[t] < lo[k];
        else if (t > k) separated = lo[t] > hi[k];
      }
      let r: number;
      if (separated) {
        r = squaredDistance(data, i, data, bufIdx[base + k], d);
      } else {
        if (sorted === undefined) {
          for (let t = 0; t < len; t++) exact[t] = squaredDistance(data, i, data, bufIdx[base + t], d);
          sorted = exact.subarray(0, len).sort();
        }
        r = sorted[k];
      }
      if (r === 0 || r <= bound) squaredRadii[s][i] = r;
      else resolved = false;
    }
    if (!resolved) pending.push(i);
  }

  // Rows whose candidates could not decide (many near-ties, or a float32 bound too wide for them):
  // their whole row of expansion values again, accumulated in float64, a batch of rows at a time
  // (gathered into one matrix, ≤ 32 MiB of output), then the canonical distance of every entry
  // that may be among the k+1 smallest.
  const fallbackRows = pending.length;
  const c64 = squaredDistanceErrorFactor(d);
  const batch = Math.max(1, Math.min(block, Math.floor(2 ** 22 / n)));
  for (let p0 = 0; p0 < pending.length; p0 += batch) {
    const rows = pending.slice(p0, p0 + batch);
    const gathered = new (data instanceof Float32Array ? Float32Array : Float64Array)(rows.length * d);
    rows.forEach((i, r) => gathered.set(data.subarray(i * d, (i + 1) * d), r * d));
    const out = new Float64Array(rows.length * n);
    yield { a: { data: gathered, rows: rows.length, cols: d }, rowStart: 0, rowEnd: rows.length, b: features, colStart: 0, colEnd: n, out };
    rows.forEach((i, r) => {
      const radii = radiiFromRow(data, d, i, out.subarray(r * n, (r + 1) * n), norms, c64, ks);
      for (let s = 0; s < ks.length; s++) squaredRadii[s][i] = radii[s];
    });
  }
  return { ks: [...ks], squaredRadii, fallbackRows };
}
