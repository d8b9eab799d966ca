/**
 * @file k-NN manifold metrics: precision and recall (Kynkäänniemi et al. 2019, "Improved Precision
 * and Recall Metric for Assessing Generative Models") and density and coverage (Naeem et al. 2020,
 * "Reliable Fidelity and Diversity Metrics for Generative Models"), exact, on feature matrices.
 *
 * With real rows x_i (N of them) and generated rows y_j (M), real balls B(x_i, r_i) and generated
 * balls B(y_j, s_j), where a radius is the distance to the k-th nearest neighbour in the row's own
 * set (the (k+1)-th smallest entry of its distance row, self included, duplicates not excluded):
 *
 *   precision = #{j : y_j ∈ ∪_i B(x_i, r_i)} / M        recall   = #{i : x_i ∈ ∪_j B(y_j, s_j)} / N
 *   density   = (1/k) · (Σ_j #{i : y_j ∈ B(x_i, r_i)} / M)
 *   coverage  = #{i : the nearest y_j is in B(x_i, r_i)} / N  (= #{i : some y_j is in B(x_i, r_i)} / N)
 *
 * "∈ B(x, r)" is `d ≤ r` (`membership: 'le'`: torch-fidelity, kynkaat) or `d < r` (`'lt'`: clovaai
 * `prdc`); they differ only for distances exactly equal to a radius, and for radius 0 (a row with k
 * exact duplicates, whose ball holds only identical points under `'le'` and nothing under `'lt'`).
 * Defaults follow the references: {@link precisionRecall} k = 3, `'le'` (torch-fidelity's
 * `prc_neighborhood`); {@link densityCoverage} and {@link prdc} k = 5, `'lt'` (clovaai's README).
 *
 * Sets are passed by name, `{ generated, real }` (torch-fidelity's input1 is the generated set,
 * input2 the real one; clovaai takes `(real, fake)`): there is no positional order to get wrong.
 *
 * Distances are exact in the sense of `src/linalg/knn.ts`: comparisons use canonical float64 squared
 * distances Σ(x−y)², evaluated through the Gram expansion with a rigorous error bound and recomputed
 * directly for near-ties, so counts never flip on rounding noise and do not depend on block sizes.
 *
 * Matches `fixtures/prdc/expected.json` (clovaai prdc e320c1d, torch-fidelity 0.4.0, kynkaat ed8ee4c):
 * every count (numerator) exactly, for both conventions; values bit for bit with clovaai (`'lt'`:
 * count/N, density as (1/k)·(count/M)) and kynkaat (`'le'`: count/N), within 1e-7 of torch-fidelity,
 * which rounds P and R to float32. F-score = 2PR / max(1e-5, P + R) as torch-fidelity.
 *
 * Cost: one within-set pass per set (half a Gram matrix each) and one real × generated pass, i.e.
 * (N²/2 + M²/2 + N·M)·D multiply-adds in tiles; memory O(tile rows·max(N, M)) plus O(N·k). The tiles
 * come from a Gram engine: `countManifolds` uses the WebAssembly kernel on this thread,
 * `countManifoldsAsync` ONNX Runtime on every core for large sets (512 × 4096 tiles), as float32
 * SGEMM tiles when both sets are float32 (the error bound of `knn.ts` widened to float32's, near
 * pairs rechecked in float64, so the counts do not change), else float64 DGEMM ones.
 * Measured (bench/prdc.ts, 2-core AMD EPYC shared with other jobs, load 4–5, 3 rounds):
 * 10k × 10k × 2048, torch-fidelity's and clovaai's settings together, 4.9 s of CPU on float32
 * tiles (5,805 pairs rechecked), 8.3 s on float64 ones, against 23.6 s for NumPy's distance matrices.
 */

import { optionRef } from '../options/mention.js';
import { InputError } from '../core/errors.js';
import { DEFAULTS } from '../options/schema.js';
import { rowSquaredNorms } from '../linalg/gram.js';
import { openGramEngine, runGramSteps, runGramStepsAsync, type GramBlockAsyncFn, type GramEngineChoice, type GramRequest } from '../linalg/gram-engine.js';
import {
  DEFAULT_BLOCK_SIZE, FLOAT32_GRAM_MAX_SQUARED_NORM, knnSquaredRadiiSteps, squaredDistance, squaredDistanceErrorFactor, squaredDistanceErrorFloor, type KnnRadii,
} from '../linalg/knn.js';
import type { FeatureMatrix } from '../core/types.js';

/**
 * Report keys, as torch-fidelity names them (`KEY_METRIC_PRECISION`, `_RECALL`, `_F_SCORE`) and
 * clovaai's `compute_prdc` dictionary (`density`, `coverage`). The result objects use the same
 * names except `fScore`.
 */
export const KEY_METRIC_PRECISION = 'precision';
export const KEY_METRIC_RECALL = 'recall';
export const KEY_METRIC_F_SCORE = 'f_score';
export const KEY_METRIC_DENSITY = 'density';
export const KEY_METRIC_COVERAGE = 'coverage';

/** Ball membership: `'le'` counts d ≤ r (torch-fidelity, kynkaat), `'lt'` counts d < r (clovaai `prdc`). */
export type Membership = 'le' | 'lt';

/** The two feature sets, by name. Both must have the same number of columns. */
export interface ManifoldSets {
  /** Generated (fake) samples: torch-fidelity's input1, clovaai's `fake_features`. */
  readonly generated: FeatureMatrix;
  /** Real samples: torch-fidelity's input2, clovaai's `real_features`. */
  readonly real: FeatureMatrix;
}

/** One neighbourhood size and membership rule. */
export interface ManifoldSetting {
  readonly k: number;
  readonly membership: Membership;
}

/** Defaults of the references (see the file header). */
export const PRDC_DEFAULTS = Object.freeze({
  precisionRecall: Object.freeze({ k: DEFAULTS.prK, membership: 'le' as Membership }),
  densityCoverage: Object.freeze({ k: DEFAULTS.prdcK, membership: 'lt' as Membership }),
});

/** Progress of the three passes (real radii, generated radii, real × generated). */
export interface PrdcProgress {
  readonly type: 'start' | 'progress' | 'end';
  readonly phase: 'radii-real' | 'radii-generated' | 'cross';
  /** Rows finished in this phase. */
  readonly done: number;
  readonly total: number;
}

/** Tuning and observation; neither changes a result. */
export interface ComputeOptions {
  /** Rows per distance tile (default 256); memory is O(blockSize·max(N, M)). */
  readonly blockSize?: number;
  /** Columns per distance tile (default max(blockSize, 1024) across sets, blockSize within one). */
  readonly tileColumns?: number;
  readonly onProgress?: (event: PrdcProgress) => void;
  /** Names of the sets (file paths), put before error messages about one of them. */
  readonly labels?: { readonly generated?: string; readonly real?: string };
  /**
   * Let the Gram blocks be float32 GEMMs when both sets are float32 (`countManifoldsAsync` sets it
   * for engines with an SGEMM); the error bound widens to match, so the counts do not change.
   */
  readonly float32?: boolean;
}

/** The integer counts behind every value of one setting. */
export interface ManifoldCounts {
  readonly k: number;
  readonly membership: Membership;
  /** M, the number of generated rows: denominator of precision (and of density, with k). */
  readonly numGenerated: number;
  /** N, the number of real rows: denominator of recall and coverage. */
  readonly numReal: number;
  /** Generated rows inside at least one real ball. */
  readonly precision: number;
  /** Real rows inside at least one generated ball. */
  readonly recall: number;
  /** Σ over generated rows of the number of real balls containing it (density = this / (k·M)). */
  readonly density: number;
  /** Real rows whose ball contains at least one generated row (i.e. its nearest one). */
  readonly coverage: number;
}

/** Counts of {@link countManifolds} plus how much exact recomputation they needed. */
export interface ManifoldCountsResult {
  readonly counts: ManifoldCounts[];
  readonly diagnostics: PrdcDiagnostics;
}

/** How often the exact fallback ran (for benchmarks and curiosity; results never depend on it). */
export interface PrdcDiagnostics {
  /** Real × generated pairs whose distance was recomputed directly because it was within rounding of a radius. */
  readonly nearRadiusPairs: number;
  /** Rows (both sets) whose radius needed a full direct row because of many near-ties. */
  readonly radiusFallbackRows: number;
}

/** Precision, recall and F-score of one setting. */
export interface PrecisionRecallResult {
  readonly precision: number;
  readonly recall: number;
  /** 2PR / max(1e-5, P + R), as torch-fidelity. */
  readonly fScore: number;
  readonly k: number;
  readonly membership: Membership;
  readonly counts: { readonly precision: number; readonly recall: number; readonly numGenerated: number; readonly numReal: number };
  readonly diagnostics?: PrdcDiagnostics;
}

/** Density and coverage of one setting. */
export interface DensityCoverageResult {
  readonly density: number;
  readonly coverage: number;
  readonly k: number;
  readonly membership: Membership;
  readonly counts: { readonly density: number; readonly coverage: number; readonly numGenerated: number; readonly numReal: number };
  readonly diagnostics?: PrdcDiagnostics;
}

/** All four metrics of one setting. */
export interface PrdcResult {
  readonly precision: number;
  readonly recall: number;
  readonly fScore: number;
  readonly density: number;
  readonly coverage: number;
  readonly k: number;
  readonly membership: Membership;
  readonly counts: ManifoldCounts;
  readonly diagnostics?: PrdcDiagnostics;
}

/** torch-fidelity's F-score: 2PR / max(1e-5, P + R). */
export function fScore(precision: number, recall: number): number {
  return (2 * precision * recall) / Math.max(1e-5, precision + recall);
}

function describe(m: FeatureMatrix): string {
  return `${m.rows}×${m.cols}`;
}

/** Checks the sets object itself, so a positional or misnamed call fails loudly instead of swapping sets. */
function checkSets(sets: ManifoldSets): void {
  if (sets === null || typeof sets !== 'object' || Array.isArray(sets)) {
    throw new InputError('precision/recall: pass the sets by name, { generated, real }');
  }
  const named = sets as unknown as Record<string, unknown>;
  for (const wrong of ['fake', 'generated_features', 'fake_features', 'input1', 'input2', 'real_features']) {
    if (wrong in named) {
      throw new InputError(`precision/recall: unknown key '${wrong}'; pass the sets as { generated, real } (generated = fake samples)`);
    }
  }
  for (const name of ['generated', 'real'] as const) {
    const m = named[name] as FeatureMatrix | undefined;
    if (m === undefined || m === null || typeof m !== 'object' || !('data' in m)) {
      throw new InputError(`precision/recall: missing the '${name}' feature matrix; pass the sets as { generated, real }`);
    }
  }
}

/** Shape, size and finiteness checks, naming both shapes. */
function checkFeatures(sets: ManifoldSets, ks: readonly number[], labels: ComputeOptions['labels'] = {}): void {
  checkSets(sets);
  const at = (name: 'generated' | 'real'): string => (labels[name] !== undefined ? `${labels[name]}: ` : '');
  const { generated, real } = sets;
  for (const [name, m] of [['generated', generated], ['real', real]] as const) {
    if (!(m.data instanceof Float32Array || m.data instanceof Float64Array)) {
      throw new InputError(`precision/recall: ${name} features must be a Float32Array or Float64Array`);
    }
    if (!Number.isInteger(m.rows) || !Number.isInteger(m.cols) || m.rows < 0 || m.cols < 1 || m.data.length < m.rows * m.cols) {
      throw new InputError(`precision/recall: ${name} features claim ${describe(m)} but hold ${m.data.length} values`);
    }
  }
  if (generated.cols !== real.cols) {
    throw new InputError(
      `precision/recall: feature dimensions differ: generated is ${describe(generated)}, real is ${describe(real)}; `
      + 'both sets must come from the same extractor layer',
    );
  }
  for (const [name, m] of [['generated', generated], ['real', real]] as const) {
    if (m.rows < 2) {
      throw new InputError(`${at(name)}precision/recall: the ${name} set has ${m.rows} sample${m.rows === 1 ? '' : 's'} (${describe(m)}); k-NN radii need at least 2 per set`);
    }
  }
  for (const k of ks) {
    if (!Number.isInteger(k) || k < 1) throw new InputError(`precision/recall: k must be a positive integer, got ${k}`);
  }
  const maxK = Math.max(...ks);
  const smallest = generated.rows <= real.rows ? (['generated', generated] as const) : (['real', real] as const);
  if (maxK >= smallest[1].rows) {
    throw new InputError(
      `precision/recall: k = ${maxK} needs more than ${maxK} samples in each set, but the ${smallest[0]} set has `
      + `${smallest[1].rows} (generated ${describe(generated)}, real ${describe(real)}): pass ${optionRef('k', smallest[1].rows - 1)} or less, or add samples`,
    );
  }
  for (const [name, m] of [['generated', generated], ['real', real]] as const) {
    const { data, cols } = m;
    const len = m.rows * cols;
    for (let t = 0; t < len; t++) {
      if (!Number.isFinite(data[t])) {
        throw new InputError(
          `${at(name)}precision/recall: ${name} features (${describe(m)}) hold ${data[t]} at row ${Math.floor(t / cols)}, column ${t % cols}; `
          + 'remove the sample or check the extractor',
        );
      }
    }
  }
}

function checkSetting(s: ManifoldSetting): void {
  if (s.membership !== 'le' && s.membership !== 'lt') {
    throw new InputError(`precision/recall: membership must be 'le' (d ≤ r, torch-fidelity) or 'lt' (d < r, clovaai prdc), got '${String(s.membership)}'`);
  }
}

function checkNorms(name: 'generated' | 'real', m: FeatureMatrix, norms: Float64Array, labels: ComputeOptions['labels'] = {}): void {
  for (let i = 0; i < norms.length; i++) {
    // 4·‖x‖² must stay finite for the expansion and its error bound.
    if (!(norms[i] < Number.MAX_VALUE / 8)) {
      throw new InputError(`${labels[name] !== undefined ? `${labels[name]}: ` : ''}precision/recall: ${name} row ${i} of ${describe(m)} has a squared norm of ${norms[i]}, too large for float64 distances; rescale the features`);
    }
  }
}

/** k-NN radii of real feature matrices already computed, by matrix object and k list (freed with the matrix; feature matrices are never modified after they are made). */
const radiiMemo = new WeakMap<FeatureMatrix, Map<string, KnnRadii>>();

/**
 * Counts for several settings in one pass over the distances (radii for every k come from one
 * within-set pass per set; each real × generated distance is evaluated once and tested against
 * every setting's radii). This is the step to call when several settings are wanted (e.g.
 * torch-fidelity's precision/recall and clovaai's density/coverage together).
 *
 * @throws {InputError} when the sets are not `{ generated, real }` matrices with the same number of
 *   columns, a set has fewer than 2 rows or no more rows than k, a value is not finite, or a
 *   membership is not `'le'`/`'lt'`.
 */
export function countManifolds(sets: ManifoldSets, settings: readonly ManifoldSetting[], options: ComputeOptions = {}): ManifoldCountsResult {
  return runGramSteps(countManifoldsSteps(sets, settings, options));
}

/** How {@link countManifoldsAsync} gets its Gram blocks. */
export interface AsyncComputeOptions extends ComputeOptions {
  /** A Gram backend to use as is (then `engine` and `threads` are ignored). */
  readonly gram?: GramBlockAsyncFn;
  /** Engine to open (default `auto`: ONNX Runtime's float64 GEMM for large sets, see `linalg/gram-engine.ts`). */
  readonly engine?: GramEngineChoice;
  /** Threads of the engine (default: available parallelism). */
  readonly threads?: number;
}

/**
 * {@link countManifolds} with the Gram blocks (all of the O(N²·D) work) computed by a Gram engine:
 * by default ONNX Runtime's float64 GEMM on every core once the sets are large (~4× the
 * WebAssembly kernel per core), else the WebAssembly kernel. The counts are identical whatever
 * fills the blocks, as long as it accumulates in float64 (see `src/linalg/knn.ts`). Tiles default
 * to the engine's preferred size (512 × 4096 for ONNX Runtime).
 *
 * @throws {InputError} as {@link countManifolds} (checked before any engine is opened).
 */
export async function countManifoldsAsync(
  sets: ManifoldSets, settings: readonly ManifoldSetting[], options: AsyncComputeOptions = {},
): Promise<ManifoldCountsResult> {
  if (options.gram) return runGramStepsAsync(countManifoldsSteps(sets, settings, options), options.gram);
  checkSets(sets);
  const { generated: y, real: x } = sets;
  // Malformed sets (checked on the first step) count as no work: nothing is loaded for them.
  const work = (x.rows * x.rows / 2 + y.rows * y.rows / 2 + x.rows * y.rows) * x.cols;
  const engine = await openGramEngine({ engine: options.engine, threads: options.threads, work: Number.isFinite(work) ? work : 0 });
  try {
    const steps = countManifoldsSteps(sets, settings, {
      ...options,
      blockSize: options.blockSize ?? engine.tileRows,
      tileColumns: options.tileColumns ?? engine.tileCols,
      float32: options.float32 ?? engine.float32,
    });
    return await runGramStepsAsync(steps, engine.fill);
  } finally {
    await engine.close();
  }
}

/**
 * {@link countManifolds} as a generator of the Gram blocks it needs (see `runGramSteps`).
 * Validation runs on the first `next()`.
 */
export function* countManifoldsSteps(
  sets: ManifoldSets, settings: readonly ManifoldSetting[], options: ComputeOptions = {},
): Generator<GramRequest, ManifoldCountsResult, undefined> {
  if (settings.length === 0) throw new InputError('precision/recall: no setting { k, membership } given');
  settings.forEach(checkSetting);
  const ks = [...new Set(settings.map((s) => s.k))];
  checkFeatures(sets, ks, options.labels);
  const { generated: y, real: x } = sets;
  const block = options.blockSize ?? DEFAULT_BLOCK_SIZE;
  if (!Number.isInteger(block) || block < 1) throw new InputError(`precision/recall: blockSize must be a positive integer, got ${block}`);
  const n = x.rows, m = y.rows, d = x.cols;
  const emit = options.onProgress;

  const nx = rowSquaredNorms(x), ny = rowSquaredNorms(y);
  const largest = (norms: Float64Array) => norms.reduce((a, b) => (b > a ? b : a), 0);
  const float32 = options.float32 === true && x.data instanceof Float32Array && y.data instanceof Float32Array
    && Math.max(largest(nx), largest(ny)) < FLOAT32_GRAM_MAX_SQUARED_NORM;
  checkNorms('real', x, nx, options.labels);
  checkNorms('generated', y, ny, options.labels);

  function* radiiPass(phase: PrdcProgress['phase'], f: FeatureMatrix, norms: Float64Array): Generator<GramRequest, KnnRadii, undefined> {
    // The real set's radii are the same for every generated set scored against it (a truncation
    // sweep scores ~10): reuse them while the matrix object lives. Radii do not depend on the block size.
    const memoKey = ks.join(',');
    const memo = radiiMemo.get(f)?.get(memoKey);
    emit?.({ type: 'start', phase, done: 0, total: f.rows });
    if (memo) {
      emit?.({ type: 'end', phase, done: f.rows, total: f.rows });
      return memo;
    }
    const r = yield* knnSquaredRadiiSteps(f, ks, {
      blockSize: block, tileColumns: options.tileColumns, squaredNorms: norms, float32,
      onBand: emit && ((done, total) => emit({ type: 'progress', phase, done, total })),
    });
    emit?.({ type: 'end', phase, done: f.rows, total: f.rows });
    if (phase === 'radii-real') {
      if (!radiiMemo.has(f)) radiiMemo.set(f, new Map());
      radiiMemo.get(f)!.set(memoKey, r);
    }
    return r;
  }
  const realRadii = yield* radiiPass('radii-real', x, nx);
  const fakeRadii = yield* radiiPass('radii-generated', y, ny);

  const ns = settings.length;
  const rReal = settings.map((s) => realRadii.squaredRadii[ks.indexOf(s.k)]);
  const rFake = settings.map((s) => fakeRadii.squaredRadii[ks.indexOf(s.k)]);
  const strict = settings.map((s) => s.membership === 'lt');
  const inAnyReal = settings.map(() => new Uint8Array(m)); // precision
  const inAnyFake = settings.map(() => new Uint8Array(n)); // recall
  const holdsFake = settings.map(() => new Uint8Array(n)); // coverage
  const densitySum = new Float64Array(ns);

  const c = squaredDistanceErrorFactor(d, float32 ? 'float32' : 'float64');
  const floor = squaredDistanceErrorFloor(d, float32 ? 'float32' : 'float64');
  let nearRadiusPairs = 0;
  // Largest squared radius of each row over the settings: a pair beyond both rows' largest is in no ball.
  const maxOver = (radii: Float64Array[], rows: number): Float64Array => {
    const out = new Float64Array(rows).fill(-Infinity);
    for (const r of radii) for (let t = 0; t < rows; t++) if (r[t] > out[t]) out[t] = r[t];
    return out;
  };
  const maxReal = maxOver(rReal, n), maxFake = maxOver(rFake, m);
  // Decides d(x_i, y_j) vs a squared radius: by the expansion v when it is further from the radius
  // than the error bound e, else by the canonical distance (computed once per pair, cached in `exact`).
  const colBlock = Math.max(block, options.tileColumns ?? 1024);
  const tile = new Float64Array(block * Math.min(m, colBlock));
  emit?.({ type: 'start', phase: 'cross', done: 0, total: n });
  for (let i0 = 0; i0 < n; i0 += block) {
    const i1 = Math.min(n, i0 + block);
    for (let j0 = 0; j0 < m; j0 += colBlock) {
      const j1 = Math.min(m, j0 + colBlock);
      const w = j1 - j0;
      yield { a: x, rowStart: i0, rowEnd: i1, b: y, colStart: j0, colEnd: j1, out: tile, float32 };
      for (let i = i0; i < i1; i++) {
        const ni = nx[i];
        const o = (i - i0) * w - j0;
        const farReal = maxReal[i];
        for (let j = j0; j < j1; j++) {
          const sum = ni + ny[j];
          const v = sum - 2 * tile[o + j];
          const e = c * sum + floor;
          // Most pairs are provably outside every ball of both rows: nothing to count.
          if (v - e > farReal && v - e > maxFake[j]) continue;
          let exact = -1;
          for (let s = 0; s < ns; s++) {
            const r = rReal[s][i];
            let inReal: boolean;
            if (v < r - e) inReal = true;
            else if (v > r + e) inReal = false;
            else {
              if (exact < 0) { exact = squaredDistance(x.data, i, y.data, j, d); nearRadiusPairs++; }
              inReal = strict[s] ? exact < r : exact <= r;
            }
            if (inReal) {
              densitySum[s]++;
              inAnyReal[s][j] = 1;
              holdsFake[s][i] = 1;
            }
            const q = rFake[s][j];
            let inFake: boolean;
            if (v < q - e) inFake = true;
            else if (v > q + e) inFake = false;
            else {
              if (exact < 0) { exact = squaredDistance(x.data, i, y.data, j, d); nearRadiusPairs++; }
              inFake = strict[s] ? exact < q : exact <= q;
            }
            if (inFake) inAnyFake[s][i] = 1;
          }
        }
      }
    }
    emit?.({ type: 'progress', phase: 'cross', done: i1, total: n });
  }
  emit?.({ type: 'end', phase: 'cross', done: n, total: n });

  const total = (flags: Uint8Array): number => {
    let t = 0;
    for (let q = 0; q < flags.length; q++) t += flags[q];
    return t;
  };
  const counts = settings.map((s, q): ManifoldCounts => ({
    k: s.k,
    membership: s.membership,
    numGenerated: m,
    numReal: n,
    precision: total(inAnyReal[q]),
    recall: total(inAnyFake[q]),
    density: densitySum[q],
    coverage: total(holdsFake[q]),
  }));
  return { counts, diagnostics: { nearRadiusPairs, radiusFallbackRows: realRadii.fallbackRows + fakeRadii.fallbackRows } };
}

/** Precision, recall and F-score from counts: count/N in float64 (bit-exact with kynkaat and clovaai). */
export function precisionRecallFromCounts(counts: ManifoldCounts): PrecisionRecallResult {
  const precision = counts.precision / counts.numGenerated;
  const recall = counts.recall / counts.numReal;
  return {
    precision, recall, fScore: fScore(precision, recall), k: counts.k, membership: counts.membership,
    counts: { precision: counts.precision, recall: counts.recall, numGenerated: counts.numGenerated, numReal: counts.numReal },
  };
}

/** Density and coverage from counts, with clovaai's operation order (1/k)·(count/M), bit-exact with it. */
export function densityCoverageFromCounts(counts: ManifoldCounts): DensityCoverageResult {
  return {
    density: (1 / counts.k) * (counts.density / counts.numGenerated),
    coverage: counts.coverage / counts.numReal,
    k: counts.k, membership: counts.membership,
    counts: { density: counts.density, coverage: counts.coverage, numGenerated: counts.numGenerated, numReal: counts.numReal },
  };
}

/** All four values from counts. */
export function prdcFromCounts(counts: ManifoldCounts): PrdcResult {
  const pr = precisionRecallFromCounts(counts);
  const dc = densityCoverageFromCounts(counts);
  return {
    precision: pr.precision, recall: pr.recall, fScore: pr.fScore, density: dc.density, coverage: dc.coverage,
    k: counts.k, membership: counts.membership, counts,
  };
}

function settingOf(options: Partial<ManifoldSetting>, defaults: ManifoldSetting): ManifoldSetting {
  return { k: options.k ?? defaults.k, membership: options.membership ?? defaults.membership };
}

/**
 * Improved precision and recall (Kynkäänniemi et al. 2019) as torch-fidelity computes them:
 * k = 3 and `d ≤ r` unless told otherwise.
 *
 * @example precisionRecall({ generated: fakeFeatures, real: realFeatures }) // { precision, recall, fScore, counts, … }
 * @throws {InputError} see {@link countManifolds}; e.g. when k is not below both set sizes.
 */
export function precisionRecall(sets: ManifoldSets, options: Partial<ManifoldSetting> & ComputeOptions = {}): PrecisionRecallResult {
  const { counts, diagnostics } = countManifolds(sets, [settingOf(options, PRDC_DEFAULTS.precisionRecall)], options);
  return { ...precisionRecallFromCounts(counts[0]), diagnostics };
}

/**
 * Density and coverage (Naeem et al. 2020) as clovaai's `prdc` computes them: k = 5 and `d < r`
 * unless told otherwise.
 *
 * @example densityCoverage({ generated: fakeFeatures, real: realFeatures }, { k: 5 })
 * @throws {InputError} see {@link countManifolds}.
 */
export function densityCoverage(sets: ManifoldSets, options: Partial<ManifoldSetting> & ComputeOptions = {}): DensityCoverageResult {
  const { counts, diagnostics } = countManifolds(sets, [settingOf(options, PRDC_DEFAULTS.densityCoverage)], options);
  return { ...densityCoverageFromCounts(counts[0]), diagnostics };
}

/**
 * Precision, recall, density and coverage with one k and one membership rule, as clovaai's
 * `compute_prdc(real, fake, nearest_k)` (defaults k = 5, `d < r`), plus the F-score.
 *
 * @example prdc({ generated, real }, { k: 5, membership: 'lt' }).coverage
 * @throws {InputError} see {@link countManifolds}.
 */
export function prdc(sets: ManifoldSets, options: Partial<ManifoldSetting> & ComputeOptions = {}): PrdcResult {
  const { counts, diagnostics } = countManifolds(sets, [settingOf(options, PRDC_DEFAULTS.densityCoverage)], options);
  return { ...prdcFromCounts(counts[0]), diagnostics };
}
