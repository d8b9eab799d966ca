/**
 * @file Kernel Inception Distance (Bińkowski et al. 2018, "Demystifying MMD GANs"): the unbiased
 * estimate of the squared maximum mean discrepancy between two feature sets under the polynomial
 * kernel k(x, y) = (γ·xᵀy + c₀)^degree, by default (xᵀy/D + 1)³, or (`kernel: 'rbf'`, torch-fidelity
 * 0.4's `kernel_rbf`) the Gaussian kernel k(x, y) = exp(−‖x − y‖²/(2σ²)), σ = 10 by default,
 * computed as torch-fidelity does, exp((2xᵀy − ‖x‖² − ‖y‖²)/(2σ²)) from the same dot products,
 *
 *   MMD²_u = Σ_{i≠j} k(x_i,x_j)/(m(m−1)) + Σ_{i≠j} k(y_i,y_j)/(n(n−1)) − 2 Σ_{i,j} k(x_i,y_j)/(mn),
 *
 * averaged over `subsets` random subsets of `subsetSize` rows of each set (drawn without replacement);
 * the result is the mean and POPULATION std of the per-subset values.
 *
 * Matches torch-fidelity 0.4.0 `metric_kid.kid_features_to_metric` (itself adapted from the authors'
 * `mmd2` / `polynomial_mmd`): one `numpy.random.RandomState(seed)` (seed 2020), and per subset
 * `choice(N1, subsetSize, replace=False)` then `choice(N2, subsetSize, replace=False)` — reproduced
 * bit for bit by `RandomState`, so the subsets are torch-fidelity's. All dot products and kernel sums
 * are float64. Tolerances vs `fixtures/is_kid/expected.json`: per-subset values and the float64 mean
 * relative ≤ 1e-9 (observed ~1e-13); torch-fidelity's float32 run absolute ≤ 1e-7 (it sums in float32).
 * RBF vs `fixtures/is_kid/kid_rbf_expected.json` (torch-fidelity's own functions, float64 input):
 * mean, std and per-subset values relative ≤ 1e-7.
 *
 * Cost: each subset needs m(m+1) + m² dot products of length D (about 2·10⁶ × 2048 multiply-adds at
 * the defaults, ~8 GFLOP). The products are requested from a Gram engine (`subsetMmd2Steps`,
 * `linalg/gram-engine.ts`): this file's synchronous functions use the WebAssembly kernel (~0.5 s per
 * subset on one core of the dev machine); `kernelInceptionDistanceParallel` (`kid-parallel.ts`) puts
 * large jobs on ONNX Runtime's float64 GEMM on every core (~0.16 s of CPU per subset, 2.5× less) and
 * small ones on worker threads. All engines accumulate in float64: a float32 GEMM (torch-fidelity's)
 * was measured 1.3e-7–1.7e-7 relative off on the fixtures and 3.7e-4 on two 10k sets of one
 * distribution, even on mean-centred rows. When the whole kernel matrices need fewer dot products
 * (small sets, many subsets) and fit in `fullKernelMaxBytes`, they are computed once and each subset
 * only sums entries (2000 vs 2000 samples at the defaults: the products of 4 subsets instead of 100,
 * measured ~9× faster overall).
 */

import { calledFromCli, optionName, optionRef } from '../options/mention.js';
import { InputError } from '../core/errors.js';
import { DEFAULTS, KID_KERNELS, type KidKernelName } from '../options/schema.js';
import { runGramSteps, type GramRequest } from '../linalg/gram-engine.js';
import { gram, gramSymmetric, mirrorUpper } from '../linalg/gram.js';
import { RandomState } from '../random/random-state.js';
import type { FeatureMatrix } from '../core/types.js';
import { meanAndPopulationStd } from './inception-score.js';

/** Result keys, as torch-fidelity names them (`KEY_METRIC_KID_MEAN`, `KEY_METRIC_KID_STD`). */
export const KEY_METRIC_KID_MEAN = 'kernel_inception_distance_mean';
export const KEY_METRIC_KID_STD = 'kernel_inception_distance_std';

/**
 * Defaults: subsets, subset size and seed are options, so they come from the options schema (where
 * torch-fidelity's `kid_subsets`, `kid_subset_size` and `rng_seed` are recorded); the polynomial
 * kernel's degree and coef0 are torch-fidelity's `kid_degree`/`kid_coef0`, not options of fidkit's.
 */
export const KID_DEFAULTS = Object.freeze({
  subsets: DEFAULTS.kidSubsets,
  subsetSize: DEFAULTS.kidSubsetSize,
  seed: DEFAULTS.seed,
  kernel: DEFAULTS.kidKernel,
  degree: 3,
  coef0: 1,
  /** σ of the RBF kernel (torch-fidelity's `kid_kernel_rbf_sigma`). */
  rbfSigma: DEFAULTS.kidKernelRbfSigma,
  /** Above this, kernel matrices are never kept whole (computed per subset instead). */
  fullKernelMaxBytes: 512 * 1024 * 1024,
});

/** The kernels (torch-fidelity's `kid_kernel` values). */
export { KID_KERNELS, type KidKernelName } from '../options/schema.js';

/**
 * Kernel parameters: `poly` (default) k(x, y) = (gamma·xᵀy + coef0)^degree, gamma defaulting to 1/D;
 * `rbf` k(x, y) = exp(−‖x − y‖²/(2·rbfSigma²)).
 */
export interface PolynomialKernel {
  /** `poly` (default) or `rbf` (CLI `--kid-kernel`). */
  readonly kernel?: KidKernelName;
  readonly degree?: number;
  readonly gamma?: number;
  readonly coef0?: number;
  /** σ of the RBF kernel, > 0 and finite (default 10; CLI `--kid-kernel-rbf-sigma`). */
  readonly rbfSigma?: number;
}

export interface KidOptions extends PolynomialKernel {
  /** Number of random subsets (default 100; CLI `--kid-subsets`). */
  readonly subsets?: number;
  /** Rows per subset, from each set (default 1000; CLI `--kid-subset-size`). */
  readonly subsetSize?: number;
  /** Seed of the subset draws (default 2020). */
  readonly seed?: number;
  /** Memory allowed for whole kernel matrices when that is cheaper (default 512 MiB; 0 = never). */
  readonly fullKernelMaxBytes?: number;
  /** Names of the two sets (file paths), put before error messages about one of them. */
  readonly labels?: readonly [string, string];
}

export interface KidResult {
  /** Mean of the per-subset MMD² values. */
  readonly mean: number;
  /** Population standard deviation (÷ subsets) of the per-subset values. */
  readonly std: number;
  /** MMD² of each subset, in draw order. */
  readonly subsetValues: Float64Array;
  readonly subsets: number;
  readonly subsetSize: number;
  readonly seed: number;
  /** The kernel used, resolved (`poly` with its degree, gamma and coef0, or `rbf` with its sigma). */
  readonly kernel: Kernel;
  /** Rows of the first and second set. */
  readonly counts: readonly [number, number];
}

/** A resolved kernel. */
export type Kernel =
  | { readonly kind: 'poly'; readonly degree: number; readonly gamma: number; readonly coef0: number }
  | { readonly kind: 'rbf'; readonly sigma: number };

function resolveKernel(d: number, k: PolynomialKernel): Kernel {
  const kind = k.kernel ?? KID_DEFAULTS.kernel;
  if (kind === 'rbf') {
    const sigma = k.rbfSigma ?? KID_DEFAULTS.rbfSigma;
    if (typeof sigma !== 'number' || !Number.isFinite(sigma) || sigma <= 0) {
      throw new InputError(`KID: the RBF kernel's sigma must be a finite number > 0, got ${sigma}${calledFromCli() ? ` (${optionName('kidKernelRbfSigma')})` : ''}`);
    }
    return { kind, sigma };
  }
  if (kind !== 'poly') throw new InputError(`KID: unknown kernel '${String(kind)}': expected one of ${KID_KERNELS.join(', ')}${calledFromCli() ? ` (${optionName('kidKernel')})` : ''}`);
  const degree = k.degree ?? KID_DEFAULTS.degree;
  const gamma = k.gamma ?? 1 / d;
  const coef0 = k.coef0 ?? KID_DEFAULTS.coef0;
  if (!Number.isInteger(degree) || degree < 1) throw new InputError(`KID: kernel degree must be a positive integer, got ${degree}`);
  if (!Number.isFinite(gamma) || !Number.isFinite(coef0)) throw new InputError(`KID: kernel gamma and coef0 must be finite, got ${gamma} and ${coef0}`);
  return { kind, degree, gamma, coef0 };
}

function checkFeatures(x: FeatureMatrix, y: FeatureMatrix, labels?: readonly [string, string]): void {
  for (const [name, m, i] of [['first', x, 0], ['second', y, 1]] as const) {
    const at = labels ? `${labels[i]}: ` : '';
    if (m.data.length < m.rows * m.cols) {
      throw new InputError(`${at}KID: ${name} feature matrix has ${m.data.length} values, fewer than its ${m.rows}×${m.cols} shape`);
    }
    const n = m.rows * m.cols;
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(m.data[i])) {
        throw new InputError(`${at}KID: ${name} feature set has a non-finite value (${m.data[i]}) at row ${Math.floor(i / m.cols)}, column ${i % m.cols} of ${m.rows}×${m.cols}`);
      }
    }
  }
  if (x.cols !== y.cols) {
    throw new InputError(`KID: feature dimensions differ (${x.rows}×${x.cols} vs ${y.rows}×${y.cols}); both sets must come from the same extractor layer`);
  }
  if (x.cols < 1) throw new InputError(`KID: features have 0 columns (${x.rows}×${x.cols})`);
}

/** The diagonal of an n×n matrix (squared row norms, read from a Gram matrix before the kernel replaces it). */
function diagonalOf(g: Float64Array, n: number): Float64Array {
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = g[i * n + i];
  return d;
}

/**
 * Turns a rows×cols Gram matrix (dot products) into kernel values, in place. The RBF kernel also
 * needs the squared norms of the rows (`rowNorms`) and of the columns' vectors (`colNorms`):
 * exp((2xᵀy − ‖x‖² − ‖y‖²)/(2σ²)), in torch-fidelity's order of operations.
 */
function applyKernel(g: Float64Array, rows: number, cols: number, k: Kernel, rowNorms?: Float64Array, colNorms?: Float64Array, upper = false): void {
  if (k.kind === 'rbf') {
    const nx = rowNorms!, ny = colNorms!;
    const denom = 2 * k.sigma ** 2;
    for (let i = 0; i < rows; i++) {
      const o = i * cols, xi = nx[i];
      for (let j = upper ? i + 1 : 0; j < cols; j++) g[o + j] = Math.exp((2 * g[o + j] - xi - ny[j]) / denom);
    }
    return;
  }
  const { degree, gamma, coef0 } = k;
  // `upper`: only each row's entries right of the diagonal (all `offDiagonalSum` reads).
  for (let i = 0; i < rows; i++) {
    const from = i * cols + (upper ? i + 1 : 0), to = (i + 1) * cols;
    if (degree === 3) {
      for (let t = from; t < to; t++) { const v = g[t] * gamma + coef0; g[t] = v * v * v; }
    } else {
      for (let t = from; t < to; t++) g[t] = (g[t] * gamma + coef0) ** degree;
    }
  }
}

/**
 * Kernel matrices K_XX, K_YY, K_XY from Gram matrices of the same rows, in place. With `upper`, only
 * the strict upper triangles of K_XX and K_YY are made (their Gram matrices may hold only the upper
 * triangle and the diagonal, as an engine's `upper` request leaves them).
 */
function applyKernels(gxx: Float64Array, gyy: Float64Array, gxy: Float64Array, m: number, n: number, k: Kernel, upper = false): void {
  // Norms first: the kernel overwrites the diagonals they are read from.
  const nx = k.kind === 'rbf' ? diagonalOf(gxx, m) : undefined;
  const ny = k.kind === 'rbf' ? diagonalOf(gyy, n) : undefined;
  applyKernel(gxx, m, m, k, nx, nx, upper);
  applyKernel(gyy, n, n, k, ny, ny, upper);
  applyKernel(gxy, m, n, k, nx, ny);
}

/** Σ_{i≠j} of a symmetric n×n kernel matrix (2 × the strict upper triangle, summed row by row). */
function offDiagonalSum(kmat: Float64Array, n: number): number {
  let total = 0;
  for (let i = 0; i < n; i++) {
    let row = 0;
    for (let j = i + 1; j < n; j++) row += kmat[i * n + j];
    total += row;
  }
  return 2 * total;
}

function fullSum(kmat: Float64Array, rows: number, cols: number): number {
  let total = 0;
  for (let i = 0; i < rows; i++) {
    let row = 0;
    const o = i * cols;
    for (let j = 0; j < cols; j++) row += kmat[o + j];
    total += row;
  }
  return total;
}

/** MMD²_u from the three kernel sums (diagonals of K_XX and K_YY excluded). */
function mmd2FromSums(sumXX: number, sumYY: number, sumXY: number, m: number, n: number): number {
  return sumXX / (m * (m - 1)) + sumYY / (n * (n - 1)) - (2 * sumXY) / (m * n);
}

/** Copies the given rows into a contiguous matrix of the same element type (into `reuse` when it fits). */
function gatherRows(a: FeatureMatrix, idx: Int32Array, reuse?: Float32Array | Float64Array): FeatureMatrix {
  const d = a.cols;
  const fits = reuse !== undefined && reuse.length === idx.length * d && (reuse instanceof Float32Array) === (a.data instanceof Float32Array);
  const out = fits ? reuse : a.data instanceof Float32Array ? new Float32Array(idx.length * d) : new Float64Array(idx.length * d);
  for (let r = 0; r < idx.length; r++) out.set(a.data.subarray(idx[r] * d, (idx[r] + 1) * d), r * d);
  return { data: out, rows: idx.length, cols: d };
}

/**
 * Unbiased MMD² between two whole feature sets (sizes may differ), float64 — the deterministic
 * value KID's subsets estimate.
 *
 * @throws {InputError} when the dimensions differ, a set has fewer than 2 rows, or a value is not finite.
 */
export function mmd2Unbiased(x: FeatureMatrix, y: FeatureMatrix, kernel: PolynomialKernel = {}): number {
  checkFeatures(x, y);
  if (x.rows < 2 || y.rows < 2) throw new InputError(`KID: the unbiased MMD² needs at least 2 rows per set, got ${x.rows} and ${y.rows}`);
  const k = resolveKernel(x.cols, kernel);
  const kxx = gramSymmetric(x), kyy = gramSymmetric(y), kxy = gram(x, y);
  applyKernels(kxx, kyy, kxy, x.rows, y.rows, k);
  return mmd2FromSums(offDiagonalSum(kxx, x.rows), offDiagonalSum(kyy, y.rows), fullSum(kxy, x.rows, y.rows), x.rows, y.rows);
}

/** Dot products needed per strategy, and whether whole kernel matrices fit the memory allowance. */
function useFullKernels(n1: number, n2: number, subsets: number, m: number, maxBytes: number): boolean {
  const bytes = 8 * (n1 * n1 + n2 * n2 + n1 * n2);
  if (bytes > maxBytes) return false;
  const full = (n1 * (n1 + 1)) / 2 + (n2 * (n2 + 1)) / 2 + n1 * n2;
  const perSubset = subsets * (m * (m + 1) + m * m);
  return full < perSubset;
}

function positiveInt(name: string, value: number, id: 'kidSubsets' | 'kidSubsetSize'): void {
  if (!Number.isInteger(value) || value < 1) throw new InputError(`KID: ${name} must be a positive integer, got ${value}${calledFromCli() ? ` (${optionName(id)})` : ''}`);
}

/** Validated KID settings, shared by the single-threaded and the worker implementations. */
export interface KidPlan {
  readonly subsets: number;
  readonly subsetSize: number;
  readonly seed: number;
  readonly kernel: Kernel;
  /** True when whole kernel matrices are cheaper than per-subset products and fit the allowance. */
  readonly fullKernels: boolean;
}

/**
 * Checks the inputs and options and resolves the defaults.
 * @throws {InputError} as `kernelInceptionDistance`.
 */
export function planKid(x: FeatureMatrix, y: FeatureMatrix, options: KidOptions = {}): KidPlan {
  const subsets = options.subsets ?? KID_DEFAULTS.subsets;
  const m = options.subsetSize ?? KID_DEFAULTS.subsetSize;
  const seed = options.seed ?? KID_DEFAULTS.seed;
  positiveInt('subsets', subsets, 'kidSubsets');
  positiveInt('subsetSize', m, 'kidSubsetSize');
  if (m < 2) throw new InputError(`KID: subsetSize must be at least 2 (the unbiased estimate divides by m·(m−1)); pass ${optionRef('kidSubsetSize', 2, 'subsetSize')} or more`);
  checkFeatures(x, y, options.labels);
  const smaller = Math.min(x.rows, y.rows);
  if (smaller < m) {
    const which = x.rows < m && y.rows < m ? 'both sets' : x.rows < m ? 'the first set' : 'the second set';
    throw new InputError(`KID: subset size ${m} is larger than ${which} (first ${x.rows} samples, second ${y.rows}): pass ${optionRef('kidSubsetSize', 'N', 'subsetSize')} with N ≤ ${smaller}, or use more samples`);
  }
  const kernel = resolveKernel(x.cols, options);
  const fullKernels = useFullKernels(x.rows, y.rows, subsets, m, options.fullKernelMaxBytes ?? KID_DEFAULTS.fullKernelMaxBytes);
  return { subsets, subsetSize: m, seed, kernel, fullKernels };
}

/**
 * The subsets torch-fidelity draws: one `RandomState(seed)`, per subset `choice(N1, m, replace=False)`
 * then `choice(N2, m, replace=False)`.
 */
export function* kidSubsetIndices(n1: number, n2: number, plan: Pick<KidPlan, 'subsets' | 'subsetSize' | 'seed'>): Generator<[Int32Array, Int32Array]> {
  const rng = new RandomState(plan.seed);
  for (let s = 0; s < plan.subsets; s++) {
    const i1 = rng.choice(n1, plan.subsetSize, false);
    const i2 = rng.choice(n2, plan.subsetSize, false);
    yield [i1, i2];
  }
}

/** Reusable m×m buffers for `subsetMmd2`. */
export interface KidScratch {
  readonly gxx: Float64Array;
  readonly gyy: Float64Array;
  readonly gxy: Float64Array;
  /** The gathered subset rows of the previous call, reused when the next has the same type and size. */
  xs?: Float32Array | Float64Array;
  ys?: Float32Array | Float64Array;
}

/** Allocates the three m×m buffers `subsetMmd2` needs. */
export function kidScratch(m: number): KidScratch {
  return { gxx: new Float64Array(m * m), gyy: new Float64Array(m * m), gxy: new Float64Array(m * m) };
}

/** The symmetric product A·Aᵀ of all rows of `a` as a request: only the upper triangle is needed. */
function upperRequest(a: FeatureMatrix, out: Float64Array): GramRequest {
  return { a, rowStart: 0, rowEnd: a.rows, b: a, colStart: 0, colEnd: a.rows, out, upper: true };
}

/**
 * MMD²_u of one pair of subsets (rows `idx1` of x, `idx2` of y, equal lengths), as a generator of
 * the three Gram products it needs (X·Xᵀ and Y·Yᵀ upper triangles, X·Yᵀ), so that any Gram engine
 * can fill them (`linalg/gram-engine.ts`). Inputs are assumed checked (`planKid`).
 */
export function* subsetMmd2Steps(
  x: FeatureMatrix, y: FeatureMatrix, idx1: Int32Array, idx2: Int32Array, kernel: Kernel, scratch: KidScratch = kidScratch(idx1.length),
): Generator<GramRequest, number, undefined> {
  const m = idx1.length;
  const { gxx, gyy, gxy } = scratch;
  const xs = gatherRows(x, idx1, scratch.xs);
  const ys = gatherRows(y, idx2, scratch.ys);
  scratch.xs = xs.data;
  scratch.ys = ys.data;
  yield upperRequest(xs, gxx);
  yield upperRequest(ys, gyy);
  yield { a: xs, rowStart: 0, rowEnd: m, b: ys, colStart: 0, colEnd: m, out: gxy };
  applyKernels(gxx, gyy, gxy, m, m, kernel, true);
  return mmd2FromSums(offDiagonalSum(gxx, m), offDiagonalSum(gyy, m), fullSum(gxy, m, m), m, m);
}

/**
 * MMD²_u of one pair of subsets on this thread (`subsetMmd2Steps` with the WebAssembly Gram kernel).
 */
export function subsetMmd2(x: FeatureMatrix, y: FeatureMatrix, idx1: Int32Array, idx2: Int32Array, kernel: Kernel, scratch: KidScratch = kidScratch(idx1.length)): number {
  return runGramSteps(subsetMmd2Steps(x, y, idx1, idx2, kernel, scratch));
}

/**
 * Per-subset values from whole kernel matrices (computed once, as three Gram requests): each subset
 * only sums entries.
 */
export function* fullKernelValuesSteps(x: FeatureMatrix, y: FeatureMatrix, plan: KidPlan): Generator<GramRequest, Float64Array, undefined> {
  const n1 = x.rows, n2 = y.rows, m = plan.subsetSize;
  // Each subset reads entries on both sides of the diagonals: the symmetric products are mirrored.
  const kxx = new Float64Array(n1 * n1), kyy = new Float64Array(n2 * n2), kxy = new Float64Array(n1 * n2);
  yield upperRequest(x, kxx);
  mirrorUpper(kxx, n1);
  yield upperRequest(y, kyy);
  mirrorUpper(kyy, n2);
  yield { a: x, rowStart: 0, rowEnd: n1, b: y, colStart: 0, colEnd: n2, out: kxy };
  applyKernels(kxx, kyy, kxy, n1, n2, plan.kernel);
  const values = new Float64Array(plan.subsets);
  let s = 0;
  for (const [i1, i2] of kidSubsetIndices(n1, n2, plan)) {
    let sxx = 0, syy = 0, sxy = 0;
    for (let a = 0; a < m; a++) {
      const ra = i1[a] * n1, rb = i2[a] * n2, rc = i1[a] * n2;
      let rowXX = 0, rowYY = 0, rowXY = 0;
      for (let b = a + 1; b < m; b++) { rowXX += kxx[ra + i1[b]]; rowYY += kyy[rb + i2[b]]; }
      for (let b = 0; b < m; b++) rowXY += kxy[rc + i2[b]];
      sxx += rowXX; syy += rowYY; sxy += rowXY;
    }
    values[s++] = mmd2FromSums(2 * sxx, 2 * syy, sxy, m, m);
  }
  return values;
}

/** Multiply-adds a KID plan asks of the Gram engine (to choose one). */
export function kidWork(x: FeatureMatrix, y: FeatureMatrix, plan: KidPlan): number {
  const m = plan.subsetSize, n1 = x.rows, n2 = y.rows;
  const dots = plan.fullKernels ? (n1 * (n1 + 1)) / 2 + (n2 * (n2 + 1)) / 2 + n1 * n2 : plan.subsets * (m * (m + 1) + m * m);
  return dots * x.cols;
}

/** Assembles the result from per-subset values. */
export function kidResult(values: Float64Array, plan: KidPlan, x: FeatureMatrix, y: FeatureMatrix): KidResult {
  const { mean, std } = meanAndPopulationStd(values);
  return { mean, std, subsetValues: values, subsets: plan.subsets, subsetSize: plan.subsetSize, seed: plan.seed, kernel: plan.kernel, counts: [x.rows, y.rows] };
}

/**
 * Kernel Inception Distance: mean and population std of MMD²_u over random subsets, on this thread
 * (`kernelInceptionDistanceParallel` in `kid-parallel.ts` spreads the subsets over worker threads
 * with identical results).
 *
 * @example kernelInceptionDistance(real, fake) // 100 subsets of 1000, seed 2020, as torch-fidelity
 * @example kernelInceptionDistance(real, fake, { subsets: 10, subsetSize: 500 })
 * @throws {InputError} when the dimensions differ, a set has fewer rows than `subsetSize`,
 *   `subsets` < 1, `subsetSize` < 2, or a feature is not finite.
 */
export function kernelInceptionDistance(x: FeatureMatrix, y: FeatureMatrix, options: KidOptions = {}): KidResult {
  const plan = planKid(x, y, options);
  if (plan.fullKernels) return kidResult(runGramSteps(fullKernelValuesSteps(x, y, plan)), plan, x, y);
  const values = new Float64Array(plan.subsets);
  const scratch = kidScratch(plan.subsetSize);
  let s = 0;
  for (const [i1, i2] of kidSubsetIndices(x.rows, y.rows, plan)) values[s++] = subsetMmd2(x, y, i1, i2, plan.kernel, scratch);
  return kidResult(values, plan, x, y);
}
