/**
 * @file Shapes shared by every module: feature matrices and FID statistics.
 * Matrices are row-major typed arrays with their dimensions next to them.
 */

/** N×D features (or logits), row-major: row i is `data.subarray(i*cols, (i+1)*cols)`. */
export interface FeatureMatrix {
  readonly data: Float32Array | Float64Array;
  readonly rows: number;
  readonly cols: number;
}

/** Mean and covariance of D-dimensional features, as in pytorch-fid's `--save-stats` files. */
export interface FidStatistics {
  /** Mean, length D. */
  readonly mu: Float64Array;
  /** Covariance, D×D row-major, ÷(N−1). */
  readonly sigma: Float64Array;
  /** Number of samples behind the statistics, when known (pytorch-fid's files do not store it). */
  readonly count?: number;
}
