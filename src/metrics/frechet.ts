/**
 * @file The Fréchet distance between two Gaussians N(μ₁, Σ₁), N(μ₂, Σ₂) — FID when the
 * statistics are Inception pool3 features (Heusel et al. 2017, "GANs Trained by a Two
 * Time-Scale Update Rule Converge to a Local Nash Equilibrium"):
 *
 *     d² = ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2·tr √(Σ₁Σ₂)
 *
 * Reference implementation matched: pytorch-fid 0.3.0 `calculate_frechet_distance` (the TTUR
 * code; scipy.linalg.sqrtm of Σ₁Σ₂, 1e-6·I added to both covariances when sqrtm fails).
 * fidkit never forms a matrix square root. With the pivoted Cholesky factor Π·Σ₁·Πᵀ = L·Lᵀ
 * (n×r, r = rank Σ₁), the eigenvalues of the r×r symmetric M = Lᵀ·(Π·Σ₂·Πᵀ)·L are the non-zero
 * eigenvalues of Σ₁Σ₂, so tr √(Σ₁Σ₂) = Σ √λ(M): a symmetric eigenvalue problem, negative
 * round-off eigenvalues clipped to 0 and eigenvalues at the round-off level of M
 * (≤ r·ε·λmax) counted as 0. This is also exact for singular covariances (N ≤ D, dead units),
 * where sqrtm adds noise from square roots of round-off "zero" eigenvalues or fails.
 *
 * Tolerances met (fixtures/frechet, test/metrics/frechet.test.ts): full rank ≤ 1e-9 relative
 * to pytorch-fid/scipy (measured ~5e-15); singular ≤ 1e-7 relative to the exact value computed
 * from the samples (measured ≤ 5e-14, 1.7e-8 on d64_eps_path where the reference itself keeps 16
 * round-off eigenvalues); `singular: 'pytorch-fid'` reproduces pytorch-fid's 1e-6·I fallback to
 * ≤ 1e-9 relative (measured 1.4e-13).
 *
 * Both covariances must be positive semidefinite: Σ₁'s pivoted Cholesky shows it, and Σ₂ gets
 * one of its own (n³/3 more) — a covariance with a real negative eigenvalue is refused, since
 * clipping it would make the result depend on the argument order.
 *
 * Speed at D = 2048 (bench/frechet.ts): ≈ 3n³ flops — pivoted Cholesky n³/3, Lᵀ·Σ₂·L n³,
 * tridiagonal reduction 4n³/3 — plus n³/3 for Σ₂'s check (measured +15% for `fidkit score` of
 * two 2048-d statistics files, 3.5 → 4.0 s on a busy machine), in ≈ 1.9 s on one thread with the WebAssembly SIMD kernels
 * (≈ 1.5 s on two, 6.0 s in plain JS), where pytorch-fid's scipy.linalg.sqrtm path took
 * 3.9–11 s and numpy's symmetric eigh form 1.7–3.6 s in the same runs.
 * See src/linalg/backend.ts for the kernels.
 */

import { calledFromCli, optionRef } from '../options/mention.js';
import { InputError } from '../core/errors.js';
import { DEFAULTS, FID_SINGULAR_MODES, type FidSingularMode } from '../options/schema.js';
import { availableParallelism } from 'node:os';
import { createWasmBackend, JS_BACKEND, paddedLd, paddedRows, paddedSize, type LinalgBackend } from '../linalg/backend.js';
import { createParallelWasmBackend } from '../linalg/parallel.js';
import { pivotedCholesky, type PivotedCholesky } from '../linalg/cholesky.js';
import { congruenceByFactor } from '../linalg/congruence.js';
import { symmetricEigenvalues } from '../linalg/tridiagonal.js';
import type { FidStatistics } from '../core/types.js';

/** Result key, as torch-fidelity names it. */
export const KEY_METRIC_FID = 'frechet_inception_distance';

/** What pytorch-fid adds to both diagonals when scipy's sqrtm fails (its `eps` argument). */
export const PYTORCH_FID_EPS = 1e-6;

/**
 * How to treat statistics whose covariance product is singular:
 * - `'exact'` (default): the exact tr √(Σ₁Σ₂) of the given statistics, always.
 * - `'pytorch-fid'`: where pytorch-fid (with the SciPy < 1.16 it was validated against) would
 *   find no square root and retry with `eps`·I added to both covariances, do the same, so the
 *   number equals the one pytorch-fid prints. Elsewhere identical to `'exact'`. (SciPy ≥ 1.16's
 *   sqrtm does not fail there: pytorch-fid on SciPy 1.17 returns the exact value — checked on
 *   d64_eps_path: 16.133137835001186 against fidkit's exact 16.13313783500124.)
 */
export type FrechetSingularMode = FidSingularMode;

export interface FrechetOptions {
  /** See {@link FrechetSingularMode}; default `'exact'`. */
  readonly singular?: FrechetSingularMode;
  /** Offset for the `'pytorch-fid'` fallback; default 1e-6 as in pytorch-fid. */
  readonly eps?: number;
  /**
   * Kernel for the O(D³) products: `'auto'` (default) uses WebAssembly SIMD where the runtime
   * has it and falls back to plain JS; `'js'` forces JS. Results agree to round-off (~1e-15).
   */
  readonly kernel?: LinalgKernel;
  /**
   * Threads for the WebAssembly kernels, 1 or 2. Default: 2 from D = 1024 up when the machine
   * has two cores or more (a worker thread; about 2× on idle cores, no gain on busy ones), else 1.
   */
  readonly threads?: number;
  /**
   * Names of the two inputs (file paths) for error messages, e.g. `['gen.npz', 'real.npz']`;
   * without them the messages say "the first/second statistics".
   */
  readonly labels?: readonly [string, string];
}

/** From this dimension up, `threads` defaults to 2: below it the worker's start (~30 ms) costs more than it saves. */
export const PARALLEL_MIN_DIMENSION = 1024;

/** See {@link FrechetOptions.kernel}. */
export type LinalgKernel = 'auto' | 'js';

/** tr √(Σ_A Σ_B) and how it was obtained. */
export interface TraceSqrtProduct {
  readonly trace: number;
  /** Where the products ran, and on how many threads. */
  readonly kernel: LinalgBackend['name'];
  readonly threads: number;
  /** Which covariance was Cholesky-factorised (the one with fewer samples when counts are known). */
  readonly factorised: 'a' | 'b';
  /** Numerical rank of the factorised covariance (pivoted Cholesky, tolerance n·ε·max diag). */
  readonly rankFactorised: number;
  /** Number of eigenvalues of M above the round-off tolerance: the numerical rank of Σ_A Σ_B. */
  readonly productRank: number;
  /** Smallest and largest eigenvalue of M before clipping (0 and 0 when M is empty). */
  readonly minEigenvalue: number;
  readonly maxEigenvalue: number;
  /** Eigenvalues below 0 (clipped to 0). */
  readonly negativeEigenvalues: number;
  /** Eigenvalues counted as 0: the negative ones and those ≤ the tolerance. */
  readonly roundoffEigenvalues: number;
  /** The round-off tolerance r·ε·λmax. */
  readonly eigenvalueTolerance: number;
}

export interface FrechetDiagnostics {
  /** Algorithm used for the trace term. */
  readonly method: 'pivoted-cholesky-symmetric-eigenvalues';
  /** Where the O(D³) products ran, and on how many threads. */
  readonly kernel: LinalgBackend['name'];
  readonly threads: number;
  readonly singular: FrechetSingularMode;
  /** True when `offset`·I was added to both covariances (only in `'pytorch-fid'` mode). */
  readonly offsetApplied: boolean;
  /** The offset added (0 when none). */
  readonly offset: number;
  /** Whether pytorch-fid (SciPy < 1.16) would hit "singular product" and add eps·I, whatever the mode. */
  readonly pytorchFidWouldOffset: boolean;
  /** Numerical ranks: of Σ₁, of Σ₂ where it was factorised (else null), and of Σ₁Σ₂. */
  readonly rankA: number | null;
  readonly rankB: number | null;
  readonly productRank: number;
  readonly dimension: number;
  readonly minEigenvalue: number;
  readonly maxEigenvalue: number;
  readonly negativeEigenvalues: number;
  readonly roundoffEigenvalues: number;
  /** The value before clamping a round-off negative result to 0. */
  readonly rawValue: number;
  readonly clampedToZero: boolean;
  /** One human sentence (or a few): what was done and why. */
  readonly note: string;
}

export interface FrechetResult {
  readonly value: number;
  readonly components: {
    /** ‖μ₁ − μ₂‖² */
    readonly meanTerm: number;
    /** tr Σ₁, tr Σ₂ (of the given covariances, also when an offset was applied, as pytorch-fid does). */
    readonly traceA: number;
    readonly traceB: number;
    /** tr √(Σ₁Σ₂) (of the offset covariances when an offset was applied). */
    readonly traceSqrtProduct: number;
  };
  readonly diagnostics: FrechetDiagnostics;
}

/** Relative asymmetry |Σᵢⱼ − Σⱼᵢ| / max|Σ| beyond which a covariance is rejected (np.cov's round-off is ~1e-13). */
const SYMMETRY_TOLERANCE = 1e-9;

/**
 * Negative curvature, relative to the largest variance, beyond which a covariance is refused as
 * not positive semidefinite. A covariance of samples has none beyond round-off: over every
 * covariance in fixtures/ (the pytorch-fid statistics in frechet/ and the covariance of each
 * feature and logit matrix in frechet/, inception-fid/, protocols/, is_kid/, prdc/ — 47 matrices,
 * D up to 2048, singular ones included) the most negative eigenvalue (NumPy's eigvalsh) is
 * −7.8e-16 of the largest, and the pivoted Cholesky's bound (what is compared with this) at
 * worst −8.8e-15 of the largest variance, on the rank-199 2048-d is_kid/kid_features3.npy
 * (test/metrics/frechet-indefinite.test.ts checks the frechet/ ones and that one). 1e-9 leaves
 * a margin of 10⁵ for larger D and other tools' round-off, while an indefinite sigma made by
 * hand or by a broken tool is typically off by far more (the −0.5 of issue 10).
 */
export const INDEFINITE_TOLERANCE = 1e-9;

/**
 * Fréchet distance between two sets of statistics.
 * @throws InputError for mismatched dimensions, a sigma that is not D×D, non-finite values,
 *   an asymmetric sigma, a negative variance or dimension 0 (the message names both shapes).
 */
export function frechetDistance(a: FidStatistics, b: FidStatistics, options: FrechetOptions = {}): FrechetResult {
  const mode = options.singular ?? DEFAULTS.fidSingular;
  if (!FID_SINGULAR_MODES.includes(mode)) {
    throw new InputError(`unknown singular mode '${String(mode)}': use ${FID_SINGULAR_MODES.map((m) => `'${m}'`).join(' or ')}`);
  }
  const eps = options.eps ?? PYTORCH_FID_EPS;
  if (!(eps >= 0) || !Number.isFinite(eps)) throw new InputError(`eps must be a finite number ≥ 0, got ${eps}`);
  const dim = validatePair(a, b, options.labels);

  let meanTerm = 0;
  for (let i = 0; i < dim; i++) {
    const t = a.mu[i] - b.mu[i];
    meanTerm += t * t;
  }
  const traceA = trace(a.sigma, dim);
  const traceB = trace(b.sigma, dim);

  const dead = pytorchFidOffsetPath(a.sigma, b.sigma, dim);
  const offsetApplied = mode === 'pytorch-fid' && dead.takesOffset;
  // Factorise the covariance of fewer samples: its rank is the smaller when N ≤ D, which keeps
  // the eigenproblem small and free of round-off zeros.
  const factor: 'a' | 'b' = a.count !== undefined && b.count !== undefined && b.count < a.count ? 'b' : 'a';
  const t = traceSqrtProduct(a.sigma, b.sigma, dim, {
    factor,
    offset: offsetApplied ? eps : 0,
    kernel: options.kernel,
    threads: options.threads,
    labels: options.labels,
  });

  const rawValue = meanTerm + traceA + traceB - 2 * t.trace;
  // FID is a squared distance; a negative result can only be round-off (self-distance gives
  // ≈ −1e-14 in pytorch-fid). Clamp it to 0 and keep the raw number in the diagnostics. With the
  // pytorch-fid offset the trace term is that of Σ+εI while tr Σ is not, so the result may be
  // slightly negative for nearly equal statistics: returned as pytorch-fid returns it.
  const scale = meanTerm + traceA + traceB;
  const clampedToZero = rawValue < 0 && !offsetApplied;
  if (!offsetApplied && rawValue < -1e-8 * scale) {
    throw new InputError(
      `${options.labels ? `${options.labels[0]} vs ${options.labels[1]}: ` : ''}Fréchet distance came out as ${rawValue} (< 0 beyond round-off); the covariances are probably not positive semidefinite`,
    );
  }
  const value = clampedToZero ? 0 : rawValue;

  const notes: string[] = [];
  notes.push(
    `tr √(Σ₁Σ₂) from the eigenvalues of the symmetric ${t.rankFactorised}×${t.rankFactorised} matrix Lᵀ·Σ${factor === 'a' ? '₂' : '₁'}·L ` +
      `(L = pivoted Cholesky factor of Σ${factor === 'a' ? '₁' : '₂'}, rank ${t.rankFactorised} of ${dim})`,
  );
  if (t.roundoffEigenvalues > 0) {
    // Both covariances passed the semidefiniteness check, so negative eigenvalues of M are the
    // products' round-off; the note still gives the most negative one, relative to the largest.
    const neg =
      t.negativeEigenvalues > 0
        ? `; ${t.negativeEigenvalues} of them negative, down to ${t.minEigenvalue.toExponential(2)} (${(t.minEigenvalue / t.maxEigenvalue).toExponential(1)} of the largest), clipped to 0`
        : '';
    notes.push(`${t.roundoffEigenvalues} eigenvalue(s) at or below the round-off tolerance ${t.eigenvalueTolerance.toExponential(1)} counted as 0${neg}`);
  }
  if (offsetApplied) {
    notes.push(
      `pytorch-fid mode: dimensions constant in only one set (${describeDims(dead.onlyA)} in the first, ` +
        `${describeDims(dead.onlyB)} in the second) give Σ₁Σ₂ exactly-zero rows and columns on which SciPy's sqrtm ` +
        `(before 1.16) finds no square root, so ${eps.toExponential()}·I was added to both covariances as pytorch-fid does ` +
        `("fid calculation produces singular product")`,
    );
  } else if (dead.takesOffset) {
    notes.push(
      `exact value; pytorch-fid (SciPy before 1.16) would add ${eps.toExponential()}·I to both covariances here ` +
        `(dimensions constant in only one set: ${describeDims(dead.onlyA)} / ${describeDims(dead.onlyB)}) and report a ` +
        `slightly smaller number — use ${calledFromCli() ? optionRef('fidSingular', 'pytorch-fid') : "singular: 'pytorch-fid' (score(): fidSingular: 'pytorch-fid')"} to reproduce it`,
    );
  }
  if (clampedToZero) notes.push(`the raw result ${rawValue} is round-off below 0 and was clamped to 0`);

  return {
    value,
    components: { meanTerm, traceA, traceB, traceSqrtProduct: t.trace },
    diagnostics: {
      method: 'pivoted-cholesky-symmetric-eigenvalues',
      kernel: t.kernel,
      threads: t.threads,
      singular: mode,
      offsetApplied,
      offset: offsetApplied ? eps : 0,
      pytorchFidWouldOffset: dead.takesOffset,
      rankA: factor === 'a' ? t.rankFactorised : null,
      rankB: factor === 'b' ? t.rankFactorised : null,
      productRank: t.productRank,
      dimension: dim,
      minEigenvalue: t.minEigenvalue,
      maxEigenvalue: t.maxEigenvalue,
      negativeEigenvalues: t.negativeEigenvalues,
      roundoffEigenvalues: t.roundoffEigenvalues,
      rawValue,
      clampedToZero,
      note: notes.join('; ') + '.',
    },
  };
}

/** Options of {@link traceSqrtProduct}. */
export interface TraceSqrtProductOptions {
  /** Which covariance to Cholesky-factorise (default 'a'); pass the one of lower rank when known. */
  readonly factor?: 'a' | 'b';
  /** Added to both diagonals first (pytorch-fid's eps fallback); default 0. */
  readonly offset?: number;
  /** See {@link FrechetOptions.kernel}. */
  readonly kernel?: LinalgKernel;
  /** See {@link FrechetOptions.threads}. */
  readonly threads?: number;
  /** See {@link FrechetOptions.labels}. */
  readonly labels?: readonly [string, string];
}

/**
 * tr √((Σ_A + offset·I)(Σ_B + offset·I)) for two symmetric positive semidefinite D×D matrices
 * (row-major, symmetrised as (Σ + Σᵀ)/2; shapes and values not validated — `frechetDistance`
 * does that). The inputs are not modified.
 * @throws InputError if either matrix is not positive semidefinite beyond round-off
 *   ({@link INDEFINITE_TOLERANCE}), or if the eigenvalue iteration fails (non-finite input).
 */
export function traceSqrtProduct(
  sigmaA: Float64Array,
  sigmaB: Float64Array,
  dim: number,
  options: TraceSqrtProductOptions = {},
): TraceSqrtProduct {
  const factor = options.factor ?? 'a';
  const offset = options.offset ?? 0;
  const kernel = options.kernel ?? 'auto';
  const [f, other] = factor === 'a' ? [sigmaA, sigmaB] : [sigmaB, sigmaA];
  // Everything the products touch lives in the backend's memory (backend.ts explains the padding).
  // Padded D×D blocks: the factor, S', Lᵀ, W, M; the panels of two Choleskys (the other
  // covariance's check, then the factor's; 2×48 wide each, the allocator only bumps) and of the
  // tridiagonal reduction (2×96); vectors (v, y, the worker's y, the panel products', the
  // Choleskys' rows); and slack for the allocator's even rounding.
  const need = 5 * paddedSize(dim) + paddedRows(dim) * (4 * 48 + 2 * 96) + 12 * dim + 2048;
  const threads = options.threads ?? (dim >= PARALLEL_MIN_DIMENSION && availableParallelism() >= 2 ? 2 : 1);
  if (threads !== 1 && threads !== 2) throw new InputError(`threads must be 1 or 2, got ${threads}`);
  const parallel = kernel === 'auto' && threads === 2 ? createParallelWasmBackend(need) : null;
  const backend: LinalgBackend = parallel ?? (kernel === 'auto' ? createWasmBackend(need) : null) ?? JS_BACKEND;
  try {
    const [labelA, labelB] = options.labels ?? ['the first statistics', 'the second statistics'];
    const [labelF, labelOther] = factor === 'a' ? [labelA, labelB] : [labelB, labelA];
    return traceWithBackend(f, other, dim, offset, factor, backend, labelF, labelOther, options.labels !== undefined);
  } finally {
    parallel?.close();
  }
}

function traceWithBackend(
  f: Float64Array,
  other: Float64Array,
  dim: number,
  offset: number,
  factor: 'a' | 'b',
  backend: LinalgBackend,
  labelF: string,
  labelOther: string,
  named: boolean,
): TraceSqrtProduct {
  const ld = paddedLd(dim);
  const fa = backend.alloc(paddedRows(dim) * ld);
  // The other covariance is only multiplied, so its own pivoted Cholesky (n³/3, about +15% at
  // D = 2048) is what shows whether it is positive semidefinite; the factor's comes for free.
  symmetrisedInto(other, dim, offset, fa, ld);
  assertSemidefinite(pivotedCholesky(fa, dim, { ld, backend }), other, dim, labelOther, named);
  // The factorisation leaves non-zeros in the padding, which the kernels read as zeros.
  fa.fill(0);
  symmetrisedInto(f, dim, offset, fa, ld);
  const chol = pivotedCholesky(fa, dim, { ld, backend });
  assertSemidefinite(chol, f, dim, labelF, named);
  const r = chol.rank;
  const o = new Float64Array(dim * dim);
  symmetrisedInto(other, dim, offset, o, dim);
  const m = congruenceByFactor(fa, ld, dim, r, chol.perm, o, backend);
  const eig = symmetricEigenvalues(m.m, r, { ld: m.ld, backend });
  const lmin = r > 0 ? eig[0] : 0;
  const lmax = r > 0 ? eig[r - 1] : 0;
  const tol = r * Number.EPSILON * Math.max(lmax, 0);
  let sum = 0;
  let negative = 0;
  let roundoff = 0;
  // Ascending order: summing the small terms first keeps the sum accurate.
  for (let i = 0; i < r; i++) {
    const l = eig[i];
    if (l < 0) negative++;
    if (Math.abs(l) <= tol || l < 0) {
      roundoff++;
      continue;
    }
    sum += Math.sqrt(l);
  }
  return {
    trace: sum,
    kernel: backend.name,
    threads: backend.threads,
    factorised: factor,
    rankFactorised: r,
    productRank: r - roundoff,
    minEigenvalue: lmin,
    maxEigenvalue: lmax,
    negativeEigenvalues: negative,
    roundoffEigenvalues: roundoff,
    eigenvalueTolerance: tol,
  };
}

/**
 * Refuses a covariance that is not positive semidefinite beyond round-off: one whose pivoted
 * Cholesky stopped with a remainder of negative curvature below −{@link INDEFINITE_TOLERANCE}
 * of its largest variance. Only then are its eigenvalues computed (O(D³) in plain JS, a few
 * seconds at D = 2048, on the way to an error), so the message gives the real most negative one.
 */
function assertSemidefinite(
  chol: PivotedCholesky,
  sigma: Float64Array,
  dim: number,
  label: string,
  named: boolean,
): void {
  if (!(chol.residualMinEigenvalue < -INDEFINITE_TOLERANCE * chol.maxDiagonal)) return;
  const work = new Float64Array(dim * dim);
  symmetrisedInto(sigma, dim, 0, work, dim);
  const eig = symmetricEigenvalues(work, dim);
  const lmin = eig[0];
  const lmax = eig[dim - 1];
  const subject = named ? `${label}: sigma` : `sigma of ${label}`;
  throw new InputError(
    `${subject} is not a covariance matrix: it has a negative eigenvalue ${lmin.toPrecision(4)} ` +
      `(${(lmin / Math.max(lmax, Number.MIN_VALUE)).toExponential(2)} of its largest, ${lmax.toPrecision(4)}), far beyond round-off ` +
      `(covariances of samples have none below −${INDEFINITE_TOLERANCE} of the largest), so no FID can be computed from it; ` +
      `recompute the statistics from the samples (fidkit stats, or pytorch-fid --save-stats) instead of editing or assembling sigma`,
  );
}

/**
 * Predicts whether pytorch-fid's `scipy.linalg.sqrtm(sigma1 @ sigma2)` returns non-finite values
 * (SciPy < 1.16, the versions pytorch-fid was validated with). LAPACK's balancing, run before
 * the Schur form, isolates exactly-zero rows of the product (dimensions constant in set 1: a
 * zero row of Σ₁) at the bottom and exactly-zero columns (constant in set 2) at the top, both
 * with eigenvalue exactly 0. The square-root recurrence then divides the coupling between such a
 * pair — (Σ₁Σ₂)[j, i], generally non-zero — by √0 + √0. Dimensions constant in both sets have a
 * zero row and column and decouple (d96_dead_units), and merely rank-deficient covariances
 * (N ≤ D) give eigenvalues near but not exactly 0 (d256_singular): neither fails.
 * SciPy ≥ 1.16's C sqrtm returns a finite square root in this situation, so pytorch-fid on a
 * newer SciPy gives (up to its round-off) the exact value.
 */
export function pytorchFidOffsetPath(
  sigmaA: Float64Array,
  sigmaB: Float64Array,
  dim: number,
): { takesOffset: boolean; onlyA: number[]; onlyB: number[] } {
  const deadA = zeroRows(sigmaA, dim);
  const deadB = zeroRows(sigmaB, dim);
  const onlyA = deadA.filter((i) => !deadB.includes(i));
  const onlyB = deadB.filter((i) => !deadA.includes(i));
  let takesOffset = false;
  outer: for (const j of onlyB) {
    for (const i of onlyA) {
      let s = 0;
      for (let k = 0; k < dim; k++) s += sigmaA[j * dim + k] * sigmaB[k * dim + i];
      if (s !== 0) {
        takesOffset = true;
        break outer;
      }
    }
  }
  return { takesOffset, onlyA, onlyB };
}

function zeroRows(s: Float64Array, dim: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < dim; i++) {
    let zero = true;
    for (let k = 0; k < dim && zero; k++) zero = s[i * dim + k] === 0;
    if (zero) out.push(i);
  }
  return out;
}

function describeDims(dims: readonly number[]): string {
  if (dims.length === 0) return 'none';
  const shown = dims.slice(0, 8).join(', ');
  return `${dims.length} (${shown}${dims.length > 8 ? ', …' : ''})`;
}

function trace(s: Float64Array, dim: number): number {
  let t = 0;
  for (let i = 0; i < dim; i++) t += s[i * dim + i];
  return t;
}

/** Tile for the transposed reads below: 32×32 doubles (8 KiB) stay in L1 while read column-wise. */
const TILE = 32;

/** (Σ + Σᵀ)/2 + offset·I into `out` (leading dimension `ld`), full storage, in 32×32 tiles. */
function symmetrisedInto(s: Float64Array, dim: number, offset: number, out: Float64Array, ld: number): void {
  for (let i0 = 0; i0 < dim; i0 += TILE) {
    const i1 = Math.min(dim, i0 + TILE);
    for (let j0 = 0; j0 <= i0; j0 += TILE) {
      for (let i = i0; i < i1; i++) {
        const j1 = Math.min(i, j0 + TILE);
        for (let j = j0; j < j1; j++) {
          const v = 0.5 * (s[i * dim + j] + s[j * dim + i]);
          out[i * ld + j] = v;
          out[j * ld + i] = v;
        }
      }
    }
  }
  for (let i = 0; i < dim; i++) out[i * ld + i] = s[i * dim + i] + offset;
}

/** Largest |Σᵢⱼ − Σⱼᵢ| and where, in 32×32 tiles. */
function worstAsymmetry(s: Float64Array, dim: number): { diff: number; i: number; j: number } {
  let worst = { diff: 0, i: 0, j: 0 };
  for (let i0 = 0; i0 < dim; i0 += TILE) {
    const i1 = Math.min(dim, i0 + TILE);
    for (let j0 = 0; j0 <= i0; j0 += TILE) {
      for (let i = i0; i < i1; i++) {
        const j1 = Math.min(i, j0 + TILE);
        for (let j = j0; j < j1; j++) {
          const d = Math.abs(s[i * dim + j] - s[j * dim + i]);
          if (d > worst.diff) worst = { diff: d, i, j };
        }
      }
    }
  }
  return worst;
}

/** Checks shapes and values of both statistics; returns D. */
function validatePair(a: FidStatistics, b: FidStatistics, labels?: readonly [string, string]): number {
  const shape = (s: FidStatistics): string => `mu [${s.mu.length}], sigma of ${s.sigma.length} values`;
  const both = labels ? `${labels[0]}: ${shape(a)}; ${labels[1]}: ${shape(b)}` : `first statistics: ${shape(a)}; second: ${shape(b)}`;
  // "a.npz: sigma …" when the inputs are named, else "sigma of the first statistics …".
  const subject = (key: 'mu' | 'sigma', which: 'first' | 'second'): string =>
    labels ? `${labels[which === 'first' ? 0 : 1]}: ${key}` : `${key} of the ${which} statistics`;
  const dim = a.mu.length;
  if (dim === 0 || b.mu.length === 0) {
    throw new InputError(`Fréchet distance of 0-dimensional statistics (${both}): the features have no dimensions`);
  }
  for (const [s, which] of [
    [a, 'first'],
    [b, 'second'],
  ] as const) {
    const d = s.mu.length;
    if (s.sigma.length !== d * d) {
      throw new InputError(
        `${subject('sigma', which)} has ${s.sigma.length} values, expected ${d}×${d} = ${d * d} to match its mean (${both})`,
      );
    }
  }
  if (b.mu.length !== dim) {
    throw new InputError(
      `the two statistics have different feature dimensions, ${dim} and ${b.mu.length} (${both}): both must come from the same feature layer`,
    );
  }
  for (const [s, which] of [
    [a, 'first'],
    [b, 'second'],
  ] as const) {
    for (let i = 0; i < dim; i++) {
      if (!Number.isFinite(s.mu[i])) throw new InputError(`${subject('mu', which)} has a non-finite value ${s.mu[i]} at index ${i} (${both})`);
    }
    let maxAbs = 0;
    for (let i = 0; i < dim * dim; i++) {
      const v = s.sigma[i];
      if (!Number.isFinite(v)) {
        throw new InputError(
          `${subject('sigma', which)} has a non-finite value ${v} at [${Math.floor(i / dim)}, ${i % dim}] (${both})`,
        );
      }
      maxAbs = Math.max(maxAbs, Math.abs(v));
    }
    for (let i = 0; i < dim; i++) {
      const v = s.sigma[i * dim + i];
      if (v < 0) {
        throw new InputError(
          `${subject('sigma', which)} has a negative variance ${v} at [${i}, ${i}] (${both}): it is not a covariance matrix`,
        );
      }
    }
    const w = worstAsymmetry(s.sigma, dim);
    if (w.diff > SYMMETRY_TOLERANCE * maxAbs) {
      const { i, j } = w;
      throw new InputError(
        `${subject('sigma', which)} is not symmetric: [${i}, ${j}] = ${s.sigma[i * dim + j]} but [${j}, ${i}] = ${s.sigma[j * dim + i]}, ` +
          `a difference of ${(w.diff / maxAbs).toExponential(2)} of its largest entry, beyond round-off (${SYMMETRY_TOLERANCE}) (${both}); ` +
          `a covariance matrix is symmetric — check the file's layout`,
      );
    }
  }
  return dim;
}
