/**
 * @file Inception Score (Salimans et al. 2016, "Improved Techniques for Training GANs"):
 *
 *   IS = exp( E_x KL( p(y|x) ‖ p(y) ) ),  per split:  exp( mean_rows Σ_c p_c (log p_c − log q_c) ),
 *   q = mean of p over the split's rows,
 *
 * from classifier logits (for the FID Inception network, the "unbiased" logits pool3·Wᵀ without the
 * bias, as torch-fidelity uses). The N rows are cut into `splits` slices [i·N//splits, (i+1)·N//splits)
 * and the result is the mean and POPULATION standard deviation of the per-split scores.
 *
 * Matches torch-fidelity 0.4.0 `metric_isc.isc_features_to_metric` including its default seeded
 * shuffle (rows permuted by `numpy.random.RandomState(2020).permutation(N)` before splitting, our
 * `RandomState`), and with `shuffle: false` the original OpenAI formula (which torch-fidelity
 * reproduces without shuffle). Softmax and logs are float64 (log-softmax, so a probability that
 * underflows to 0 contributes 0 instead of 0·(−∞)). Tolerance vs `fixtures/is_kid/expected.json`:
 * relative ≤ 1e-9 (observed ~1e-15).
 */

import { optionRef } from '../options/mention.js';
import { InputError } from '../core/errors.js';
import { DEFAULTS } from '../options/schema.js';
import { RandomState } from '../random/random-state.js';
import type { FeatureMatrix } from '../core/types.js';

/** Result keys, as torch-fidelity names them (`KEY_METRIC_ISC_MEAN`, `KEY_METRIC_ISC_STD`). */
export const KEY_METRIC_ISC_MEAN = 'inception_score_mean';
export const KEY_METRIC_ISC_STD = 'inception_score_std';

/** The defaults, from the options schema (torch-fidelity's `isc_splits`, shuffling and `rng_seed`). */
export const INCEPTION_SCORE_DEFAULTS = Object.freeze({ splits: DEFAULTS.isSplits, shuffle: DEFAULTS.isShuffle, seed: DEFAULTS.seed });

export interface InceptionScoreOptions {
  /** Number of slices the rows are cut into (default 10). */
  readonly splits?: number;
  /** Permute rows with `RandomState(seed).permutation(N)` first, as torch-fidelity does (default true). */
  readonly shuffle?: boolean;
  /** Seed of that permutation (default 2020). */
  readonly seed?: number;
  /** Name of the logits' source (a file path), put before error messages about them. */
  readonly label?: string;
}

export interface InceptionScoreResult {
  /** Mean of the split scores. */
  readonly mean: number;
  /** Population standard deviation (÷ splits) of the split scores. */
  readonly std: number;
  /** exp(mean KL) of each split, in split order (after the shuffle, when there is one). */
  readonly splitScores: Float64Array;
  readonly splits: number;
  readonly shuffled: boolean;
  /** The permutation seed, or null without shuffle. */
  readonly seed: number | null;
  /** Number of logit rows (samples). */
  readonly count: number;
}

/** Mean and population standard deviation, as `np.mean` / `np.std` (ddof 0). */
export function meanAndPopulationStd(values: ArrayLike<number>): { mean: number; std: number } {
  const n = values.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i];
  const mean = sum / n;
  let sq = 0;
  for (let i = 0; i < n; i++) { const d = values[i] - mean; sq += d * d; }
  return { mean, std: Math.sqrt(sq / n) };
}

/**
 * Row-wise log-softmax in float64 (x − max − log Σ exp(x − max)), as `torch.log_softmax` in double.
 * @throws {InputError} on a non-finite logit (with its row and column).
 */
export function logSoftmaxRows(logits: FeatureMatrix, label?: string): Float64Array {
  const { data, rows, cols } = logits;
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    let max = -Infinity;
    for (let c = 0; c < cols; c++) {
      const v = data[o + c];
      if (!Number.isFinite(v)) {
        throw new InputError(`${label ? `${label}: ` : ''}logits contain a non-finite value (${v}) at row ${i}, column ${c} of ${rows}×${cols}: check the extractor output`);
      }
      if (v > max) max = v;
    }
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += Math.exp(data[o + c] - max);
    const shift = max + Math.log(sum);
    for (let c = 0; c < cols; c++) out[o + c] = data[o + c] - shift;
  }
  return out;
}

/**
 * Inception Score of N×C logits.
 *
 * @example inceptionScore({ data: logits, rows: 50000, cols: 1008 }) // torch-fidelity's defaults
 * @example inceptionScore(logits, { shuffle: false }) // the original OpenAI formula
 * @throws {InputError} when there are no classes, fewer rows than splits, splits is not a positive
 *   integer, or a logit is NaN/±Infinity.
 */
export function inceptionScore(logits: FeatureMatrix, options: InceptionScoreOptions = {}): InceptionScoreResult {
  const splits = options.splits ?? INCEPTION_SCORE_DEFAULTS.splits;
  const shuffle = options.shuffle ?? INCEPTION_SCORE_DEFAULTS.shuffle;
  const seed = options.seed ?? INCEPTION_SCORE_DEFAULTS.seed;
  const { rows: n, cols: c } = logits;
  if (!Number.isInteger(splits) || splits < 1) {
    throw new InputError(`Inception Score: splits must be a positive integer, got ${splits}`);
  }
  if (c < 1) throw new InputError(`Inception Score: logits have 0 classes (shape ${n}×${c}); pass the classifier's logits, not an empty layer`);
  if (n < splits) {
    throw new InputError(`${options.label ? `${options.label}: ` : ''}Inception Score: ${n} samples cannot be cut into ${splits} splits (logits ${n}×${c}); use at least ${splits} samples or pass ${optionRef('isSplits', Math.max(1, n), 'splits')} or fewer`);
  }
  if (logits.data.length < n * c) throw new InputError(`Inception Score: logits data of length ${logits.data.length} does not hold ${n}×${c} values`);

  const logP = logSoftmaxRows(logits, options.label);
  // Row order after torch-fidelity's shuffle: split k takes rows order[k·N//splits …].
  const order = shuffle ? new RandomState(seed).permutation(n) : null;
  const row = (r: number) => (order === null ? r : order[r]);

  const splitScores = new Float64Array(splits);
  const q = new Float64Array(c);
  const logQ = new Float64Array(c);
  for (let k = 0; k < splits; k++) {
    const start = Math.floor((k * n) / splits);
    const end = Math.floor(((k + 1) * n) / splits);
    const m = end - start;
    q.fill(0);
    for (let r = start; r < end; r++) {
      const o = row(r) * c;
      for (let j = 0; j < c; j++) q[j] += Math.exp(logP[o + j]);
    }
    for (let j = 0; j < c; j++) { q[j] /= m; logQ[j] = Math.log(q[j]); }
    let klSum = 0;
    for (let r = start; r < end; r++) {
      const o = row(r) * c;
      let kl = 0;
      for (let j = 0; j < c; j++) {
        const lp = logP[o + j];
        const p = Math.exp(lp);
        // p = 0 ⇒ the term's limit is 0 (and q may be 0 too: skip, do not form 0·∞).
        if (p > 0) kl += p * (lp - logQ[j]);
      }
      klSum += kl;
    }
    splitScores[k] = Math.exp(klSum / m);
  }
  const { mean, std } = meanAndPopulationStd(splitScores);
  return { mean, std, splitScores, splits, shuffled: shuffle, seed: shuffle ? seed : null, count: n };
}
